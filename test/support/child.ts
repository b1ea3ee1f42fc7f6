// Runs a TypeScript child script (through tsx) and parses the JSON line it prints last.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const tsxLoader = require.resolve('tsx');

export function runChild(script: string, args: string[] = [], wrapper: string[] = []): { result: any; stderr: string; status: number | null } {
  const command = [...wrapper, process.execPath, '--import', tsxLoader, script, ...args];
  const child = spawnSync(command[0]!, command.slice(1), { encoding: 'utf8', timeout: 30_000 });
  const lines = (child.stdout ?? '').trim().split('\n');
  let result: any;
  try {
    result = JSON.parse(lines[lines.length - 1] ?? '');
  } catch {
    result = undefined;
  }
  return { result, stderr: child.stderr ?? '', status: child.status };
}

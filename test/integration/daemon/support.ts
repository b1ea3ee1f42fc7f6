// Helpers for daemon tests: temporary config files, a JSON-lines log capture,
// and the `wirewatch run` child process.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { repoRoot } from '../../support/paths.js';

const require = createRequire(import.meta.url);
const tsx = require.resolve('tsx');

export function tempDir(prefix = 'ww-daemon-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function writeConfig(dir: string, yaml: string, name = 'wirewatch.yaml'): string {
  const path = join(dir, name);
  writeFileSync(path, yaml);
  return path;
}

/** A log stream whose JSON lines are kept for assertions. */
export function logCapture(): { stream: PassThrough; lines: () => Array<Record<string, unknown>> } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (d: Buffer) => (text += d.toString()));
  return {
    stream,
    lines: () =>
      text
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

export interface RunningChild {
  child: ChildProcessWithoutNullStreams;
  /** Parsed JSON log lines so far (stdout). */
  logs: Array<Record<string, unknown>>;
  stderr: () => string;
  /** Resolves with the first log line whose msg matches. */
  waitFor: (msg: RegExp, timeoutMs?: number) => Promise<Record<string, unknown>>;
  exited: Promise<number | null>;
}

/** Starts `wirewatch run` from source with the given arguments. */
export function startRun(args: string[], env: NodeJS.ProcessEnv = {}, as: { cwd?: string; uid?: number; gid?: number } = {}): RunningChild {
  const child = spawn(process.execPath, ['--import', tsx, join(repoRoot, 'lib/cli.ts'), 'run', ...args], {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
    ...as,
  });
  const logs: Array<Record<string, unknown>> = [];
  const waiters: Array<{ msg: RegExp; resolve: (l: Record<string, unknown>) => void }> = [];
  let buf = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => {
    buf += d.toString();
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (!line.startsWith('{')) continue;
      const parsed = JSON.parse(line) as Record<string, unknown>;
      logs.push(parsed);
      for (const w of [...waiters]) {
        if (w.msg.test(String(parsed.msg ?? parsed.message))) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(parsed);
        }
      }
    }
  });
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const waitFor = (msg: RegExp, timeoutMs = 20_000) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const found = logs.find((l) => msg.test(String(l.msg ?? l.message)));
      if (found) return resolve(found);
      const timer = setTimeout(() => reject(new Error(`no log line ${msg} within ${timeoutMs} ms; stderr: ${err}; logs: ${JSON.stringify(logs.slice(-5))}`)), timeoutMs);
      waiters.push({ msg, resolve: (l) => (clearTimeout(timer), resolve(l)) });
      void exited.then(() => setTimeout(() => reject(new Error(`exited before ${msg}; stderr: ${err}`)), 100));
    });
  return { child, logs, stderr: () => err, waitFor, exited };
}

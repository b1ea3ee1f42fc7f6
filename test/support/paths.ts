import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const fixturesDir = join(repoRoot, 'fixtures');
export const fixture = (name: string) => join(fixturesDir, name);
export const isRoot = process.getuid?.() === 0;
export const hasCommand = (name: string) =>
  (process.env.PATH ?? '').split(':').some((dir) => existsSync(join(dir, name)));

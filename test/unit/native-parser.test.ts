// The parser's own C++ tests (hand-built hostile packets, every truncation,
// the fuzz regression inputs) under AddressSanitizer and UBSan.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasCommand, repoRoot } from '../support/paths.js';

describe.skipIf(!hasCommand('g++'))('native parser tests (ASan + UBSan)', () => {
  it('pass, reading nothing out of bounds', () => {
    const run = spawnSync('bash', [join(repoRoot, 'test/native/run.sh')], { encoding: 'utf8', timeout: 180_000 });
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stdout).toMatch(/\d+ checks, 0 failures/);
  }, 200_000);
});

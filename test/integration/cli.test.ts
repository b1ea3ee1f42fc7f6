// The `wirewatch` command as a user runs it: output contract and exit codes.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture, fixturesDir, repoRoot } from '../support/paths.js';
import { tcpdumpCount } from '../support/tools.js';

const require = createRequire(import.meta.url);
const tsx = require.resolve('tsx');
const cli = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', tsx, join(repoRoot, 'lib/cli.ts'), ...args], { encoding: 'utf8', timeout: 30_000 });
const expected = JSON.parse(readFileSync(join(fixturesDir, 'expected.json'), 'utf8'));

describe('wirewatch replay', () => {
  it('--json prints the DESIGN §7 summary', () => {
    const run = cli('replay', fixture('mixed.pcap'), '--json');
    expect(run.status, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout);
    expect(Object.keys(summary)).toEqual(['file', 'packets', 'bytes', 'layers', 'errors', 'elapsed_ms', 'pps']);
    expect(summary.packets).toBe(expected['mixed.pcap'].packets);
    expect(summary.bytes).toBe(expected['mixed.pcap'].wire_bytes);
    expect(summary.layers).toEqual(expected['mixed.pcap'].layers);
    expect(summary.errors).toEqual({ truncated: 0, malformed: 0, unsupported_link: 0 });
  });

  it('--bpf filters', () => {
    const run = cli('replay', fixture('mixed.pcap'), '--json', '--bpf', 'udp');
    expect(run.status, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout);
    // BPF "udp" also matches non-first fragments, which carry no UDP header.
    expect(summary.packets).toBe(tcpdumpCount(fixture('mixed.pcap'), 'udp'));
    expect(summary.layers.tcp).toBe(0);
    expect(summary.layers.udp).toBeGreaterThan(0);
  });

  it('bad input exits 2 with one clear line on stderr', () => {
    for (const args of [
      ['replay', join(fixturesDir, 'missing.pcap')],
      ['replay', fixture('mixed.pcap'), '--bpf', 'tcp and and'],
      ['replay', fixture('mixed.pcap'), '--speed', 'fast'],
      ['replay'],
      ['frobnicate'],
    ]) {
      const run = cli(...args);
      expect(run.status, args.join(' ')).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr).toMatch(/^wirewatch: /);
    }
  });

  it('--version names libpcap; interfaces lists lo', () => {
    expect(cli('--version').stdout).toMatch(/^wirewatch \d+\.\d+\.\d+ \(libpcap version 1\.10/);
    const list = JSON.parse(cli('interfaces', '--json').stdout) as { name: string }[];
    expect(list.map((i) => i.name)).toContain('lo');
  });
});

// The `wirewatch` command as a user runs it: output contract and exit codes.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
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
    expect(Object.keys(summary)).toEqual(['file', 'packets', 'bytes', 'layers', 'errors', 'flows', 'elapsed_ms', 'pps']);
    expect(summary.packets).toBe(expected['mixed.pcap'].packets);
    expect(summary.bytes).toBe(expected['mixed.pcap'].wire_bytes);
    expect(summary.layers).toEqual(expected['mixed.pcap'].layers);
    expect(summary.errors).toEqual({ truncated: 0, malformed: 0, unsupported_link: 0 });
    const f = expected['mixed.pcap'].flows;
    expect(summary.flows).toEqual(f);
  });

  it('--flows-out writes one DESIGN §7 record per flow, every open flow flushed at the end', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ww-flows-'));
    const out = join(dir, 'flows.jsonl');
    const run = cli('replay', fixture('mixed.pcap'), '--json', '--flows-out', out);
    expect(run.status, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout);
    const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
    const records = lines.map((l) => JSON.parse(l));
    expect(records).toHaveLength(summary.flows.total);
    for (const r of records) {
      expect(Object.keys(r)).toEqual([
        'community_id', 'source', 'vlan', 'proto', 'src_ip', 'src_port', 'dst_ip', 'dst_port',
        'first_ns', 'last_ns', 'packets_c2s', 'bytes_c2s', 'packets_s2c', 'bytes_s2c', 'tcp_flags', 'state', 'end_reason',
      ]);
      expect(['idle', 'fin', 'rst', 'shutdown']).toContain(r.end_reason);
      expect(BigInt(r.last_ns) >= BigInt(r.first_ns)).toBe(true);
    }
    // Flows hold every TCP/UDP/ICMP/other-IP frame except non-first fragments: packets add up.
    const ipFrames = summary.layers.ipv4 + summary.layers.ipv6 - expected['mixed.pcap'].extra.fragments_nonfirst;
    const packets = records.reduce((n: number, r: { packets_c2s: number; packets_s2c: number }) => n + r.packets_c2s + r.packets_s2c, 0);
    expect(packets).toBe(ipFrames);
    rmSync(dir, { recursive: true });
  });

  it('a truncated file still prints what was read, then exits 2', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ww-cut-'));
    const bytes = readFileSync(fixture('mixed.pcap'));
    const cut = join(dir, 'cut.pcap');
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const run = cli('replay', cut, '--json');
    expect(run.status).toBe(2);
    const summary = JSON.parse(run.stdout);
    expect(summary.packets).toBeGreaterThan(0);
    expect(summary.packets).toBeLessThan(expected['mixed.pcap'].packets);
    expect(run.stderr).toMatch(/^wirewatch: .*truncated|cut short|ended/i);
    rmSync(dir, { recursive: true });
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

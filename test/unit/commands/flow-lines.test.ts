// --flows-out: lossless JSON lines in DESIGN §7 key order, written in chunks.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FlowLineFile } from '../../../lib/commands/flow-lines.js';
import type { FlowRecord } from '../../../lib/flows/index.js';

const record = (i: number): FlowRecord => ({
  community_id: `1:${i}`, source: 0, vlan: 0, proto: 6, src_ip: '10.0.0.1', src_port: i & 0xffff, dst_ip: '10.0.0.2', dst_port: 80,
  first_ns: '1700000000000000000', last_ns: '1700000000000000001', packets_c2s: i, bytes_c2s: 2 ** 40 + i, packets_s2c: 0, bytes_s2c: 0,
  tcp_flags: 2, state: 'new', end_reason: 'shutdown',
});

describe('FlowLineFile', () => {
  it('fails at open for a path it cannot create', () => {
    expect(() => new FlowLineFile('/nonexistent-dir/x/flows.jsonl')).toThrow(/ENOENT/);
  });

  it('writes every record exactly once, in order, across many chunks', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ww-lines-'));
    const path = join(dir, 'f.jsonl');
    const out = new FlowLineFile(path);
    for (let i = 0; i < 20_000; i++) out.write(record(i));
    out.close();
    out.close(); // idempotent
    const lines = readFileSync(path, 'utf8').split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(20_000);
    expect(out.records).toBe(20_000);
    lines.forEach((l, i) => expect(JSON.parse(l)).toEqual(record(i)));
    rmSync(dir, { recursive: true });
  });
});

import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../lib/api/errors.js';
import { canonicalAddress, decodeCursor, encodeCursor, flowView, nsToSeconds } from '../../../lib/api/live-flows.js';
import type { FlowRecord } from '../../../lib/flows/index.js';

describe('cursors', () => {
  it('refuse anything that is not ours', () => {
    const bad = ['', '!!!', 'x'.repeat(2000), Buffer.from('[1,2]').toString('base64url'), Buffer.from('["bytes","desc","1","k"]').toString('base64url'), Buffer.from('{"a":1}').toString('base64url'), Buffer.from('["bytes","desc",1]').toString('base64url')];
    for (const c of bad) {
      expect(() => decodeCursor(c, 'bytes', 'desc'), c.slice(0, 20)).toThrow(ApiError);
    }
  });

  it('round-trip, and stay tied to their sort and order', () => {
    const c = encodeCursor('age', 'asc', { value: -1767225600.5, key: '3|0|6|10.0.0.1|1|10.0.0.2|2' });
    expect(decodeCursor(c, 'age', 'asc')).toEqual({ value: -1767225600.5, key: '3|0|6|10.0.0.1|1|10.0.0.2|2' });
    expect(() => decodeCursor(c, 'age', 'desc')).toThrow(/belongs to sort=age&order=asc/);
  });
});

describe('flow views', () => {
  it('nanosecond strings to seconds', () => {
    expect(nsToSeconds('1767225600123456789')).toBeCloseTo(1767225600.123456789, 6);
    expect(nsToSeconds('5')).toBe(5e-9);
    expect(nsToSeconds('1000000000')).toBe(1);
  });

  it('adds totals, duration and a rate that does not explode for short flows', () => {
    const r: FlowRecord = {
      community_id: '1:x', source: 0, vlan: 0, proto: 6, src_ip: '10.0.0.1', src_port: 1, dst_ip: '10.0.0.2', dst_port: 2,
      first_ns: '1767225600000000000', last_ns: '1767225600000001000', packets_c2s: 2, bytes_c2s: 100, packets_s2c: 1, bytes_s2c: 50,
      tcp_flags: 2, state: 'new', end_reason: null,
    };
    expect(flowView(r)).toMatchObject({ bytes: 150, packets: 3, duration_s: 0.000001, bps: 1200 });
    expect(flowView({ ...r, last_ns: '1767225610000000000' })).toMatchObject({ duration_s: 10, bps: 120 });
  });

  it('canonical addresses', () => {
    expect(canonicalAddress('2001:0DB8:0000:0000:0000:0000:0000:0001')).toBe('2001:db8::1');
    expect(canonicalAddress('::ffff:10.0.0.1')).toBe('10.0.0.1');
    expect(canonicalAddress('10.0.0.01')).toBeNull();
    expect(canonicalAddress('1::2::3')).toBeNull();
  });
});

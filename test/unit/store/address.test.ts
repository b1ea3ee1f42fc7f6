// 16-byte address keys: hostile spellings are refused, valid ones agree with
// the batches' v4-mapped layout, and a CIDR prefix is exactly one byte range.
import { isIP } from 'node:net';
import { describe, expect, it } from 'vitest';
import { formatAddress } from '../../../lib/capture/index.js';
import { parseAddress, parseCidr } from '../../../lib/store/index.js';

const hex = (b: Buffer | null) => b?.toString('hex') ?? null;

describe('parseAddress: hostile input', () => {
  const bad = [
    '', ' ', '1.2.3', '1.2.3.4.5', '256.1.1.1', '1.2.3.-1', '01.2.3.4', '1.2.3.4 ', ' 1.2.3.4', '1.2.3.4/32', '0x1.2.3.4',
    ':', ':::', '1::2::3', '12345::', 'g::', '1:2:3:4:5:6:7', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7:8::', '::1.2.3', '::1.2.3.256',
    '1:2:3:4:5:6:7:1.2.3.4', 'fe80::1%eth0', '[::1]', 'a'.repeat(60), '::ffff:01.2.3.4',
  ];
  for (const text of bad) {
    it(`refuses ${JSON.stringify(text)}`, () => {
      expect(parseAddress(text)).toBeNull();
      // node agrees that these are not addresses (zone ids aside, which node accepts and we do not store)
      if (!text.includes('%')) expect(isIP(text)).toBe(0);
    });
  }
  it('refuses non-strings', () => {
    expect(parseAddress(undefined as unknown as string)).toBeNull();
    expect(parseAddress(17 as unknown as string)).toBeNull();
  });
});

describe('parseAddress', () => {
  it('maps IPv4 to ::ffff:a.b.c.d as the batches do, and formatAddress reads it back', () => {
    const b = parseAddress('192.0.2.255')!;
    expect(hex(b)).toBe('00000000000000000000ffffc00002ff');
    expect(formatAddress(b)).toBe('192.0.2.255');
    expect(hex(parseAddress('::ffff:192.0.2.255'))).toBe(hex(b));
  });

  it('parses IPv6 in every compression and case', () => {
    const want = '20010db8000000000000000000000001';
    for (const t of ['2001:db8::1', '2001:DB8:0:0:0:0:0:1', '2001:0db8:0000::0001', '2001:db8:0::0:1']) expect(hex(parseAddress(t))).toBe(want);
    expect(hex(parseAddress('::'))).toBe('0'.repeat(32));
    expect(hex(parseAddress('::1'))).toBe('0'.repeat(31) + '1');
    expect(hex(parseAddress('1::'))).toBe('0001' + '0'.repeat(28));
    expect(hex(parseAddress('1:2:3:4:5:6:7:8'))).toBe('00010002000300040005000600070008');
    expect(hex(parseAddress('64:ff9b::192.0.2.1'))).toBe('0064ff9b0000000000000000c0000201');
    expect(hex(parseAddress('1:2:3:4:5:6:1.2.3.4'))).toBe('00010002000300040005000601020304');
  });

  it('round-trips every formatAddress output of random addresses', () => {
    let x = 12345;
    const rnd = () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 24;
    for (let i = 0; i < 2000; i++) {
      const b = Buffer.alloc(16);
      for (let j = 0; j < 16; j++) b[j] = i % 3 === 0 && j < 12 ? 0 : i % 5 === 0 ? rnd() & 1 : rnd();
      if (i % 7 === 0) b.fill(0, 0, 10).fill(0xff, 10, 12);
      expect(hex(parseAddress(formatAddress(b)))).toBe(b.toString('hex'));
    }
  });
});

describe('parseCidr', () => {
  it('refuses malformed prefixes', () => {
    for (const t of ['10.0.0.0', '10.0.0.0/', '10.0.0.0/33', '10.0.0.0/-1', '10.0.0.0/8/8', '10.0.0/8', '::/129', '::/', '/8', '10.0.0.0/08x', '10.0.0.0/1000']) {
      expect(parseCidr(t), t).toBeNull();
    }
  });

  it('IPv4 prefixes are ranges inside the v4-mapped block', () => {
    const r = parseCidr('10.1.2.3/8')!; // host bits set: ignored
    expect(hex(r.lo)).toBe('00000000000000000000ffff0a000000');
    expect(hex(r.hi)).toBe('00000000000000000000ffff0affffff');
    const all = parseCidr('0.0.0.0/0')!;
    expect(hex(all.lo)).toBe('00000000000000000000ffff00000000');
    expect(hex(all.hi)).toBe('00000000000000000000ffffffffffff');
    const one = parseCidr('192.0.2.7/32')!;
    expect(hex(one.lo)).toBe(hex(one.hi));
  });

  it('IPv6 prefixes on non-byte boundaries', () => {
    const r = parseCidr('2001:db8:8000::/33')!;
    expect(hex(r.lo)).toBe('20010db8800000000000000000000000');
    expect(hex(r.hi)).toBe('20010db8ffffffffffffffffffffffff');
    const r2 = parseCidr('fc00::/7')!;
    expect(hex(r2.lo)).toBe('fc' + '0'.repeat(30));
    expect(hex(r2.hi)).toBe('fd' + 'f'.repeat(30));
  });
});

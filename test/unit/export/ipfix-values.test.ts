// The allocation-free address parsers and the ns → ms conversion, against
// node:net, the WHATWG URL parser and BigInt on generated inputs.
import { isIPv4, isIPv6 } from 'node:net';
import { describe, expect, it } from 'vitest';
import { nsToMs } from '../../../lib/export/index.js';
import { parseIPv4, parseIPv6, writeU64 } from '../../../lib/export/ipfix/values.js';

let seed = 20260101;
const rand = (n: number) => {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return seed % n;
};
const pick = (alphabet: string, len: number) => Array.from({ length: len }, () => alphabet[rand(alphabet.length)]).join('');

function hex16(b: Uint8Array): string {
  const g: string[] = [];
  for (let i = 0; i < 16; i += 2) g.push(((b[i]! << 8) | b[i + 1]!).toString(16));
  return g.join(':');
}
const canonical = (s: string) => new URL(`http://[${s}]/`).hostname.slice(1, -1);

describe('parseIPv4', () => {
  it('rejects hostile input like net.isIPv4 does', () => {
    for (const s of ['', '1.2.3', '1.2.3.4.', '.1.2.3.4', '1..2.3', '256.1.1.1', '01.2.3.4', '1.2.3.04', '1.2.3.4 ', ' 1.2.3.4', '1.2.3.-4', '1.2.3.4/8', '١.٢.٣.٤', '0x1.2.3.4', '1e2.1.1.1']) {
      expect(parseIPv4(s, new Uint8Array(4), 0)).toBe(false);
      expect(isIPv4(s)).toBe(false);
    }
    expect(parseIPv4(undefined as unknown as string, new Uint8Array(4), 0)).toBe(false);
  });

  it('agrees with net.isIPv4 on 20000 generated strings, and with the numbers when it accepts', () => {
    const out = new Uint8Array(4);
    let accepted = 0;
    for (let i = 0; i < 20_000; i++) {
      const s = i % 2 ? `${rand(300)}.${rand(300)}.${rand(30)}.${pick('0123456789', 1 + rand(3))}` : pick('0123456789.', 5 + rand(12));
      const ok = parseIPv4(s, out, 0);
      expect(ok, s).toBe(isIPv4(s));
      if (ok) {
        accepted++;
        expect([...out].join('.')).toBe(s);
      }
    }
    expect(accepted).toBeGreaterThan(3000);
  });
});

describe('parseIPv6', () => {
  it('rejects hostile input like net.isIPv6 does', () => {
    const bad = ['', ':', ':::', '1:', ':1', '1::2::3', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7', '12345::', 'g::1', '::1%', '1::2:3:4:5:6:7:8',
      '1:2:3:4:5:6:7:1.2.3.4', '::1.2.3', '::1.2.3.4.5', '::01.2.3.4', '1.2.3.4', '::1.2.3.4:5', '[::1]', ' ::1', '::1 '];
    for (const s of bad) {
      expect(parseIPv6(s, new Uint8Array(16), 0), s).toBe(false);
      expect(isIPv6(s), s).toBe(false);
    }
  });

  it('agrees with net.isIPv6 on 30000 generated strings, and with the URL parser on the bytes', () => {
    const out = new Uint8Array(16);
    let accepted = 0;
    for (let i = 0; i < 30_000; i++) {
      let s: string;
      if (i % 3 === 0) s = pick('0f:.1', 2 + rand(20));
      else {
        // mostly well-formed: groups, one "::" somewhere, sometimes a dotted tail or a zone
        const groups = Array.from({ length: 1 + rand(8) }, () => pick('0123456789abcdefABCDEF', 1 + rand(i % 7 === 0 ? 5 : 4)));
        if (rand(2)) groups.splice(rand(groups.length + 1), 0, '');
        s = groups.join(':');
        if (s.startsWith(':') && !s.startsWith('::')) s = `:${s}`;
        if (s.endsWith(':') && !s.endsWith('::')) s = `${s}:`;
        if (rand(5) === 0) s += `:${rand(256)}.${rand(256)}.${rand(256)}.${rand(260)}`;
        if (rand(10) === 0) s += '%eth0';
      }
      const ok = parseIPv6(s, out, 0);
      expect(ok, s).toBe(isIPv6(s));
      if (ok) {
        accepted++;
        expect(canonical(hex16(out)), s).toBe(canonical(s.replace(/%.*$/, '')));
      }
    }
    expect(accepted).toBeGreaterThan(1500);
  });
});

describe('nsToMs', () => {
  it('refuses what is not a plain decimal ns string', () => {
    for (const v of ['', '-1', '+1', '1.5', '1e18', ' 1', '0x10', '1'.repeat(31), 12 as unknown as string, null as unknown as string]) expect(nsToMs(v)).toBe(-1);
    expect(nsToMs('9'.repeat(22))).toBe(-1); // 10^16 ms is past 2^53
  });
  it('truncates exactly, against BigInt, up to 2^53 - 1 ms', () => {
    const cases = ['0', '1', '999999', '1000000', '1767225600123456789', '9007199254740991999999', '0001767225600123456789'];
    for (let i = 0; i < 2000; i++) cases.push(String(BigInt(rand(2 ** 30)) * 8388608n * 1_000_000n + BigInt(rand(1_000_000))));
    for (const c of cases) expect(nsToMs(c), c).toBe(Number(BigInt(c) / 1_000_000n));
  });
});

describe('writeU64', () => {
  it('writes every safe integer big-endian exactly', () => {
    const b = Buffer.alloc(8);
    for (const v of [0, 1, 255, 256, 2 ** 32 - 1, 2 ** 32, 2 ** 40 + 7, 2 ** 52, Number.MAX_SAFE_INTEGER]) {
      writeU64(b, 0, v);
      expect(b.readBigUInt64BE(0)).toBe(BigInt(v));
    }
  });
});

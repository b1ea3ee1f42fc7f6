// SpaceSaving: one second's bounded top-talker table. Its guarantee (see the
// module header) is checked against brute-force counts on seeded streams.
import { describe, expect, it } from 'vitest';
import { FLOW_WORDS, HOST_WORDS, select, SpaceSaving } from '../../../lib/stats/space-saving.js';
import { int, rng, zipf } from './random.js';

const hashOf = (k: number) => Math.imul(k + 1, 0x9e3779b1) & 0x3fffffff;
const key = new Uint32Array(HOST_WORDS);

/** Adds one packet of host key k (an IPv4 address in v4-mapped form). */
function add(t: SpaceSaving, k: number, wire: number, hash = hashOf(k)): void {
  key[2] = 0xffff0000;
  key[3] = k;
  t.addHost(hash, key, 0, wire, 1);
}

/** The table's live entries by key (word 3). */
function entries(t: SpaceSaving): Map<number, { bytes: number; packets: number; error: number }> {
  const out = new Map<number, { bytes: number; packets: number; error: number }>();
  for (let e = 0; e < t.size; e++) {
    if (t.bytes[e]! < 0) continue; // free
    const k = t.keys[e * t.keyWords + 3]!;
    expect(out.has(k)).toBe(false); // one entry per key
    out.set(k, { bytes: t.bytes[e]!, packets: t.packets[e]!, error: t.error[e]! });
  }
  return out;
}

/** Checks the documented guarantee against the true counts. */
function checkGuarantee(t: SpaceSaving, trueBytes: Map<number, number>, truePackets: Map<number, number>): void {
  const T = [...trueBytes.values()].reduce((a, b) => a + b, 0);
  const kept = entries(t);
  expect(t.floor()).toBeLessThanOrEqual(T / (t.capacity + 1));
  for (const [k, bytes] of trueBytes) {
    const e = kept.get(k);
    if (!e) {
      expect(bytes).toBeLessThanOrEqual(t.floor());
      continue;
    }
    expect(bytes).toBeLessThanOrEqual(e.bytes);
    expect(bytes).toBeGreaterThanOrEqual(e.bytes - e.error);
    expect(e.error).toBeLessThanOrEqual(t.floor());
    expect(e.packets).toBeLessThanOrEqual(truePackets.get(k)!);
    if (e.error === 0) expect(e.packets).toBe(truePackets.get(k)); // never evicted: exact
  }
  for (const [k, bytes] of trueBytes) if (bytes > T / (t.capacity + 1)) expect(kept.has(k)).toBe(true);
}

function stream(t: SpaceSaving, packets: Array<[number, number]>) {
  const trueBytes = new Map<number, number>();
  const truePackets = new Map<number, number>();
  for (const [k, w] of packets) {
    add(t, k, w);
    trueBytes.set(k, (trueBytes.get(k) ?? 0) + w);
    truePackets.set(k, (truePackets.get(k) ?? 0) + 1);
  }
  return { trueBytes, truePackets };
}

describe('SpaceSaving: hostile input', () => {
  it('keys crafted to share one hash stop at the probe limit (counted in skipped), without slowing down', () => {
    const t = new SpaceSaving(1024, HOST_WORDS, 7);
    const t0 = performance.now();
    for (let round = 0; round < 50; round++) for (let k = 0; k < 500; k++) add(t, k, 100, 12345);
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(t.size).toBe(64);
    expect(t.skipped).toBe(50 * (500 - 64));
    const kept = entries(t);
    for (const e of kept.values()) expect(e).toEqual({ bytes: 5000, packets: 50, error: 0 }); // the first 64 keys still count exactly
  });

  it('zero-length packets, and a flood where every count is equal, keep the guarantee', () => {
    const t = new SpaceSaving(8, HOST_WORDS, 1);
    const zero = stream(t, Array.from({ length: 200 }, (_, i) => [i, 0] as [number, number]));
    checkGuarantee(t, zero.trueBytes, zero.truePackets);
    t.reset();
    const flood = stream(t, Array.from({ length: 5000 }, (_, i) => [i, 64] as [number, number]));
    expect(t.exact).toBe(false);
    checkGuarantee(t, flood.trueBytes, flood.truePackets);
  });

  it('ascending and descending weights (worst orders for a sampled threshold) keep the guarantee', () => {
    for (const order of [1, -1]) {
      const t = new SpaceSaving(16, HOST_WORDS, 3);
      const packets = Array.from({ length: 3000 }, (_, i) => [i, order > 0 ? 1 + i : 3001 - i] as [number, number]);
      const s = stream(t, packets);
      checkGuarantee(t, s.trueBytes, s.truePackets);
    }
  });
});

describe('SpaceSaving', () => {
  it('is exact while at most 2 × capacity distinct keys were added', () => {
    const r = rng(1);
    const t = new SpaceSaving(8, HOST_WORDS, 1);
    const s = stream(t, Array.from({ length: 1000 }, () => [int(r, 16), 40 + int(r, 1500)] as [number, number]));
    expect(t.exact).toBe(true);
    expect(t.floor()).toBe(0);
    const kept = entries(t);
    expect(kept.size).toBe(16);
    for (const [k, e] of kept) expect(e).toEqual({ bytes: s.trueBytes.get(k), packets: s.truePackets.get(k), error: 0 });
  });

  it('over capacity: every key above T/(capacity+1) is kept, counts within [bytes - error, bytes] (seeded Zipf streams)', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const r = rng(seed);
      const t = new SpaceSaving(32, HOST_WORDS, seed);
      const s = stream(t, Array.from({ length: 40_000 }, () => [zipf(r, 5000), 40 + int(r, 1500)] as [number, number]));
      expect(t.exact).toBe(false);
      expect(t.purges).toBeGreaterThan(0);
      checkGuarantee(t, s.trueBytes, s.truePackets);
    }
  });

  it('weighted adds (a flow\'s packets of one second at once) keep the guarantee, exact below 2 × capacity keys', () => {
    for (const keys of [16, 3000]) {
      const r = rng(keys);
      const t = new SpaceSaving(8, HOST_WORDS, 4);
      const trueBytes = new Map<number, number>();
      const truePackets = new Map<number, number>();
      for (let n = 0; n < 20_000; n++) {
        const k = zipf(r, keys);
        const packets = 1 + int(r, 40);
        const bytes = packets * (40 + int(r, 1460));
        key[2] = 0xffff0000;
        key[3] = k;
        t.addHost(hashOf(k), key, 0, bytes, packets);
        trueBytes.set(k, (trueBytes.get(k) ?? 0) + bytes);
        truePackets.set(k, (truePackets.get(k) ?? 0) + packets);
      }
      expect(t.exact).toBe(keys <= 16);
      checkGuarantee(t, trueBytes, truePackets);
    }
  });

  it('heavy hitters hidden in uniform noise are found with their exact share', () => {
    const r = rng(9);
    const t = new SpaceSaving(64, HOST_WORDS, 9);
    const packets: Array<[number, number]> = [];
    for (let i = 0; i < 60_000; i++) packets.push(i % 10 === 0 ? [1_000_000 + (i % 3), 1500] : [int(r, 50_000), 60]);
    const s = stream(t, packets);
    checkGuarantee(t, s.trueBytes, s.truePackets);
    const kept = entries(t);
    for (let h = 0; h < 3; h++) {
      const e = kept.get(1_000_000 + h)!;
      expect(e.bytes - e.error).toBeLessThanOrEqual(s.trueBytes.get(1_000_000 + h)!);
      expect(e.bytes).toBeGreaterThanOrEqual(s.trueBytes.get(1_000_000 + h)!);
    }
  });

  it('reset empties the table and its bound', () => {
    const t = new SpaceSaving(4, HOST_WORDS, 1);
    for (let k = 0; k < 100; k++) add(t, k, 10);
    expect(t.exact).toBe(false);
    t.reset();
    expect(t.size).toBe(0);
    expect(t.floor()).toBe(0);
    expect(t.exact).toBe(true);
    add(t, 5, 10);
    expect([...entries(t)]).toEqual([[5, { bytes: 10, packets: 1, error: 0 }]]);
  });

  it('flow keys differ by every field: ports, source, VLAN, protocol and both addresses', () => {
    const t = new SpaceSaving(64, FLOW_WORDS, 1);
    const lo = new Uint32Array([0, 0, 0xffff0000, 0x0100000a]);
    const hi = new Uint32Array([0, 0, 0xffff0000, 0x0200000a]);
    const other = new Uint32Array([0, 0, 0xffff0000, 0x0300000a]);
    const variants: Array<[Uint32Array, Uint32Array, number, number, number, number, number]> = [
      [lo, hi, 1000, 80, 0, 0, 6],
      [lo, hi, 1000, 81, 0, 0, 6],
      [lo, hi, 1001, 80, 0, 0, 6],
      [lo, hi, 1000, 80, 1, 0, 6],
      [lo, hi, 1000, 80, 0, 10, 6],
      [lo, hi, 1000, 80, 0, 0, 17],
      [lo, other, 1000, 80, 0, 0, 6],
      [other, hi, 1000, 80, 0, 0, 6],
    ];
    for (let round = 0; round < 3; round++) {
      for (const [a, b, p1, p2, src, vlan, proto] of variants) t.addFlow(77, a, 0, b, 0, p1, p2, src, vlan, proto, 100, 1); // one hash for all
    }
    expect(t.size).toBe(variants.length);
    for (let e = 0; e < t.size; e++) {
      expect(t.bytes[e]).toBe(300);
      const [a, b, p1, p2, src, vlan, proto] = variants[e]!;
      expect([...t.keys.subarray(e * FLOW_WORDS, e * FLOW_WORDS + FLOW_WORDS)]).toEqual([...a, ...b, ((p1 << 16) | p2) >>> 0, ((src << 16) | vlan) >>> 0, proto]);
    }
  });

  it('select() finds the k-th smallest, ties included', () => {
    const r = rng(4);
    for (let trial = 0; trial < 200; trial++) {
      const n = 1 + int(r, 60);
      const values = Array.from({ length: n }, () => int(r, trial % 2 ? 5 : 1000));
      const sorted = [...values].sort((a, b) => a - b);
      const k = int(r, n);
      expect(select(Float64Array.from(values), n, k)).toBe(sorted[k]);
    }
  });
});

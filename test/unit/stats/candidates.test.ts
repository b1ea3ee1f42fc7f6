// CandidateRing: per-second top-talker candidates and their merge into a
// window's top N, against brute-force sums over the same seconds.
import { describe, expect, it } from 'vitest';
import { CandidateRing, type TopEntries } from '../../../lib/stats/candidates.js';
import { HOST_WORDS, SpaceSaving } from '../../../lib/stats/space-saving.js';
import { int, rng, zipf } from './random.js';

const key = new Uint32Array(HOST_WORDS);
const hashOf = (k: number) => Math.imul(k + 1, 0x9e3779b1) & 0x3fffffff;

type Second = Map<number, number>; // key → true bytes

/** Feeds each second's packets to a table and stores it in the ring (slot = second % ring length). */
function fill(ring: CandidateRing, table: SpaceSaving, seconds: Array<Array<[number, number]>>, hash = hashOf): Second[] {
  return seconds.map((packets, sec) => {
    const truth: Second = new Map();
    for (const [k, w] of packets) {
      key[3] = k;
      table.addHost(hash(k), key, 0, w, 1);
      truth.set(k, (truth.get(k) ?? 0) + w);
    }
    ring.store(sec % ring.seconds, table);
    table.reset();
    return truth;
  });
}

function sum(seconds: Second[]): Second {
  const out: Second = new Map();
  for (const s of seconds) for (const [k, b] of s) out.set(k, (out.get(k) ?? 0) + b);
  return out;
}

const listed = (t: TopEntries) => Array.from({ length: t.n }, (_, i) => ({ k: t.keys[i * t.keyWords + 3]!, bytes: t.bytes[i]!, packets: t.packets[i]!, error: t.error[i]! }));

describe('CandidateRing: hostile input', () => {
  it('an empty range, and n beyond the candidates, return what there is', () => {
    const ring = new CandidateRing(10, 8, HOST_WORDS);
    expect(ring.top(0, 0, 10).n).toBe(0);
    expect(ring.top(5, 10, 10).n).toBe(0); // never stored: empty seconds
    fill(ring, new SpaceSaving(8, HOST_WORDS, 1), [[[1, 100], [2, 50]]]);
    expect(listed(ring.top(0, 1, 1000)).map((e) => e.k)).toEqual([1, 2]);
  });

  it('keys sharing one hash are merged by their full key, not by hash', () => {
    const ring = new CandidateRing(3, 64, HOST_WORDS);
    const table = new SpaceSaving(64, HOST_WORDS, 1);
    const seconds = [0, 1, 2].map(() => Array.from({ length: 40 }, (_, k) => [k, 10 + k] as [number, number]));
    fill(ring, table, seconds, () => 99);
    const top = listed(ring.top(0, 3, 100));
    expect(top).toHaveLength(40);
    for (const e of top) expect(e).toEqual({ k: e.k, bytes: 3 * (10 + e.k), packets: 3, error: 0 });
  });
});

describe('CandidateRing', () => {
  it('exact when every second fits: the top N equals a brute-force count, heaviest first', () => {
    const r = rng(11);
    const ring = new CandidateRing(20, 64, HOST_WORDS);
    const table = new SpaceSaving(64, HOST_WORDS, 1);
    const seconds = Array.from({ length: 20 }, () => Array.from({ length: 300 }, () => [int(r, 60), 1 + int(r, 1500)] as [number, number]));
    const truth = fill(ring, table, seconds);
    for (const [first, length] of [[0, 20], [5, 10], [19, 1]] as const) {
      const want = [...sum(truth.slice(first, first + length))].sort((a, b) => b[1] - a[1]);
      const top = listed(ring.top(first, length, 10));
      expect(top.map((e) => e.bytes)).toEqual(want.slice(0, 10).map(([, b]) => b));
      for (const e of top) {
        expect(e.error).toBe(0);
        expect(e.bytes).toBe(want.find(([k]) => k === e.k)![1]);
      }
    }
  });

  it('slots are reused modulo the ring: a window sees only its own seconds', () => {
    const ring = new CandidateRing(4, 8, HOST_WORDS);
    const table = new SpaceSaving(8, HOST_WORDS, 1);
    // seconds 0..5 in a ring of 4: seconds 4 and 5 overwrite slots 0 and 1
    fill(ring, table, [0, 1, 2, 3, 4, 5].map((s) => [[s, 100 * (s + 1)]] as Array<[number, number]>));
    expect(listed(ring.top(2, 4, 10)).map((e) => [e.k, e.bytes])).toEqual([[5, 600], [4, 500], [3, 400], [2, 300]]);
  });

  it('truncated seconds: every true count lies within ±error, and every key above the summed floors is a candidate', () => {
    for (const seed of [1, 2, 3]) {
      const r = rng(seed);
      const keep = 6;
      const ring = new CandidateRing(10, keep, HOST_WORDS);
      const table = new SpaceSaving(16, HOST_WORDS, seed);
      const seconds = Array.from({ length: 10 }, () => Array.from({ length: 2000 }, () => [zipf(r, 400), 40 + int(r, 1400)] as [number, number]));
      const truth = fill(ring, table, seconds);
      const total = sum(truth);
      const T = [...total.values()].reduce((a, b) => a + b, 0);
      const floors = Array.from(ring.floor).reduce((a, b) => a + b, 0);
      for (let s = 0; s < 10; s++) {
        const Ts = [...truth[s]!.values()].reduce((a, b) => a + b, 0);
        expect(ring.floor[s]).toBeLessThanOrEqual((2 * Ts) / (keep + 1)); // the bound candidates.ts states
      }
      const all = listed(ring.top(0, 10, 100_000));
      for (const e of all) {
        const t = total.get(e.k)!;
        expect(Math.abs(e.bytes - t)).toBeLessThanOrEqual(e.error);
      }
      const found = new Set(all.map((e) => e.k));
      for (const [k, b] of total) if (b > floors) expect(found.has(k)).toBe(true);
      expect(floors).toBeLessThanOrEqual((2 * T) / (keep + 1));
      // the top 3 by estimate are the true top 3 here (the heavy end of a Zipf stream is well separated)
      const trueTop = [...total].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([k]) => k);
      expect(listed(ring.top(0, 10, 3)).map((e) => e.k)).toEqual(trueTop);
    }
  });

  it('ties at the cut: entries equal to the heaviest one left out fill the slot in table order, and it is the floor', () => {
    const ring = new CandidateRing(1, 3, HOST_WORDS);
    fill(ring, new SpaceSaving(8, HOST_WORDS, 1), [[[0, 1], [1, 5], [2, 9], [3, 5], [4, 5], [5, 5]] as Array<[number, number]>]);
    expect(ring.count[0]).toBe(3);
    expect(ring.floor[0]).toBe(5);
    expect(listed(ring.top(0, 1, 10)).map((e) => [e.k, e.bytes])).toEqual([[2, 9], [1, 5], [3, 5]]);
  });

  it('copyFrom into a smaller ring keeps the heaviest entries and raises the floor to the first one dropped', () => {
    const big = new CandidateRing(2, 10, HOST_WORDS);
    fill(big, new SpaceSaving(10, HOST_WORDS, 1), [Array.from({ length: 10 }, (_, k) => [k, 100 + k] as [number, number])]);
    const small = new CandidateRing(3, 3, HOST_WORDS);
    small.copyFrom(big, 0, 2);
    expect(small.count[2]).toBe(3);
    expect(small.floor[2]).toBe(106);
    expect(listed(small.top(2, 1, 10)).map((e) => [e.k, e.bytes, e.error])).toEqual([[9, 109, 0], [8, 108, 0], [7, 107, 0]]); // kept keys are exact; the floor bounds the dropped ones
    small.clear(2);
    expect(small.top(2, 1, 10).n).toBe(0);
  });
});

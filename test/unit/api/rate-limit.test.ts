import { describe, expect, it } from 'vitest';
import { TokenBuckets } from '../../../lib/api/rate-limit.js';

describe('TokenBuckets', () => {
  it('rejects bad options, naming them', () => {
    expect(() => new TokenBuckets({ burst: 0, perMinute: 1 })).toThrow(/^burst: expected an integer ≥ 1, got 0$/);
    expect(() => new TokenBuckets({ burst: 1.5, perMinute: 1 })).toThrow(RangeError);
    expect(() => new TokenBuckets({ burst: 1, perMinute: 0 })).toThrow(/^perMinute: expected a number > 0/);
    expect(() => new TokenBuckets({ burst: 1, perMinute: Number.NaN })).toThrow(/^perMinute/);
    expect(() => new TokenBuckets({ burst: 1, perMinute: 1, maxClients: 0 })).toThrow(/^maxClients/);
  });

  it('allows a burst, then one request per refill interval, with the wait in whole seconds', () => {
    let t = 0;
    const b = new TokenBuckets({ burst: 3, perMinute: 2, now: () => t });
    expect([b.take('a'), b.take('a'), b.take('a')].every((r) => r.ok)).toBe(true);
    expect(b.take('a')).toEqual({ ok: false, retryAfterS: 30 });
    t += 29_000;
    expect(b.take('a')).toEqual({ ok: false, retryAfterS: 1 });
    t += 1_000;
    expect(b.take('a').ok).toBe(true);
    expect(b.take('a').ok).toBe(false);
    // never more than the burst, however long the client was quiet
    t += 3_600_000;
    expect([b.take('a'), b.take('a'), b.take('a'), b.take('a')].map((r) => r.ok)).toEqual([true, true, true, false]);
    // buckets are per key
    expect(b.take('b').ok).toBe(true);
  });

  it('keeps at most maxClients buckets, dropping the least recently used', () => {
    const t = 0;
    const b = new TokenBuckets({ burst: 1, perMinute: 1, maxClients: 2, now: () => t });
    b.take('a');
    b.take('b');
    b.take('a'); // a is now the most recent
    b.take('c'); // evicts b
    expect(b.size).toBe(2);
    expect(b.take('a').ok).toBe(false);
    expect(b.take('b').ok).toBe(true); // forgotten: a fresh bucket
  });

  it('a clock going backwards does not mint tokens', () => {
    let t = 10_000;
    const b = new TokenBuckets({ burst: 1, perMinute: 1, now: () => t });
    b.take('a');
    t = 0;
    expect(b.take('a').ok).toBe(false);
  });
});

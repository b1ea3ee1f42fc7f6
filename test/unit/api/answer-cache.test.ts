import { describe, expect, it } from 'vitest';
import { AnswerCache } from '../../../lib/api/answer-cache.js';

describe('AnswerCache', () => {
  it('serves an entry until ttlMs, then forgets it', () => {
    let now = 0;
    const c = new AnswerCache({ ttlMs: 1000, now: () => now });
    c.set('a', '{"x":1}');
    now = 999;
    expect(c.get('a')).toBe('{"x":1}');
    now = 1000;
    expect(c.get('a')).toBeUndefined();
    expect(c.size).toBe(0);
  });

  it('keeps at most maxEntries, dropping the oldest set; clear() empties it', () => {
    const c = new AnswerCache({ maxEntries: 2 });
    c.set('a', '1');
    c.set('b', '2');
    c.set('a', '3'); // set again: now the newest
    c.set('c', '4');
    expect(c.get('b')).toBeUndefined();
    expect(c.get('a')).toBe('3');
    expect(c.get('c')).toBe('4');
    c.clear();
    expect(c.size).toBe(0);
    expect(c.get('a')).toBeUndefined();
  });

  it('keeps at most maxChars in all, dropping the oldest; an answer bigger than that is not kept', () => {
    const c = new AnswerCache({ maxChars: 10 });
    c.set('a', '1234');
    c.set('b', '5678');
    c.set('c', '90ab'); // 12 > 10: 'a' goes
    expect(c.get('a')).toBeUndefined();
    expect([c.get('b'), c.get('c')]).toEqual(['5678', '90ab']);
    c.set('big', '12345678901');
    expect(c.get('big')).toBeUndefined();
    expect(c.size).toBe(2);
  });
});

import { describe, expect, it } from 'vitest';
import { AnswerCache } from '../../../lib/api/answer-cache.js';

describe('AnswerCache', () => {
  it('serves an entry until ttlMs, then forgets it', () => {
    let now = 0;
    const c = new AnswerCache({ ttlMs: 1000, now: () => now });
    c.set('a', Buffer.from('{"x":1}'), 'viewer');
    now = 999;
    expect(c.get('a')?.body.toString()).toBe('{"x":1}');
    expect(c.get('a')?.needs).toBe('viewer');
    now = 1000;
    expect(c.get('a')).toBeUndefined();
    expect(c.size).toBe(0);
  });

  it('keeps at most maxEntries, dropping the oldest set; clear() empties it', () => {
    const c = new AnswerCache({ maxEntries: 2 });
    c.set('a', Buffer.from('1'), 'viewer');
    c.set('b', Buffer.from('2'), 'viewer');
    c.set('a', Buffer.from('3'), 'viewer'); // set again: now the newest
    c.set('c', Buffer.from('4'), 'viewer');
    expect(c.get('b')).toBeUndefined();
    expect(c.get('a')?.body.toString()).toBe('3');
    expect(c.get('c')?.body.toString()).toBe('4');
    c.clear();
    expect(c.size).toBe(0);
    expect(c.get('a')).toBeUndefined();
  });

  it('keeps at most maxBytes in all, dropping the oldest; an answer bigger than that is not kept', () => {
    const c = new AnswerCache({ maxBytes: 10 });
    c.set('a', Buffer.from('1234'), 'viewer');
    c.set('b', Buffer.from('5678'), 'viewer');
    c.set('c', Buffer.from('90ab'), 'viewer'); // 12 > 10: 'a' goes
    expect(c.get('a')).toBeUndefined();
    expect([c.get('b')?.body.toString(), c.get('c')?.body.toString()]).toEqual(['5678', '90ab']);
    c.set('big', Buffer.from('12345678901'), 'viewer');
    expect(c.get('big')).toBeUndefined();
    expect(c.size).toBe(2);
  });
});

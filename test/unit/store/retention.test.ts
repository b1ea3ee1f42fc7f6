// Retention deletes exactly what is older than the limits (the boundary second
// stays), in bounded steps, and gives the freed pages back so the file shrinks.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { Store } from '../../../lib/store/index.js';
import { flow, removeTempDirs, sample, tempDir } from './helpers.js';

afterEach(removeTempDirs);

const NOW = 1_700_006_400; // a minute boundary
const HOUR = 3600;
const DAY = 86400;

function count(store: Store, sql: string, ...params: unknown[]): number {
  const db = new Database(store.path, { readonly: true });
  const n = db.prepare(sql).pluck().get(...params) as number;
  db.close();
  return n;
}

describe('runRetention', () => {
  it('refuses nonsense step sizes', () => {
    const store = Store.open(join(tempDir(), 'r.db'));
    expect(() => store.runRetention({ maxRowsPerStep: 0 })).toThrow(RangeError);
    expect(() => store.runRetention({ maxRowsPerStep: 1.5 })).toThrow(/maxRowsPerStep/);
    expect(() => store.runRetention({ vacuumPages: -1 })).toThrow(/vacuumPages/);
    store.close();
  });

  it('removes exactly the rows older than each limit: the boundary second stays, the one before goes', () => {
    const store = Store.open(join(tempDir(), 'r.db'), { samplesHours: 1, retentionDays: 2 });
    const sCut = NOW - HOUR;
    const lCut = NOW - 2 * DAY;
    store.insertSamples([sample(sCut - 1, 'tcp', 1, 10), sample(sCut, 'tcp', 2, 20), sample(sCut + 1, 'udp', 3, 30)]);
    // rollups come from samples: minutes before, at and after the long cutoff (their seconds are long gone too)
    store.insertSamples([sample(lCut - 61, 'icmp', 1, 1), sample(lCut - 1, 'icmp', 1, 1), sample(lCut, 'icmp', 1, 1), sample(lCut + 61, 'icmp', 1, 1)]);
    const cutNs = BigInt(lCut) * 1_000_000_000n;
    const f = (lastNs: bigint) => flow(lCut - 100, { first_ns: (cutNs - 100_000_000_000n).toString(), last_ns: lastNs.toString() });
    store.insertFlows([f(cutNs - 1n), f(cutNs), f(cutNs + 1n)]);
    const stat = (ts: number) => ({ ts, source: 1, name: 'eth0', packets: ts, bytes: 0, kernel_drops: 0, if_drops: 0, ring_drops: 0 });
    store.insertSourceStats([stat(lCut - 1), stat(lCut), stat(NOW)]);

    const r = store.runRetention({ now: NOW });
    expect(r.done).toBe(true);
    // samples: sCut-1 and the four old icmp seconds
    expect(r.deleted).toEqual({ samples: 5, rollups: 2, flows: 1, source_stats: 1 });
    expect(count(store, 'SELECT min(ts) FROM samples')).toBe(sCut);
    expect(count(store, 'SELECT min(ts) FROM rollups')).toBe(lCut);
    expect(count(store, 'SELECT count(*) FROM rollups WHERE ts = ?', lCut - 60)).toBe(0);
    expect(count(store, 'SELECT min(ts) FROM source_stats')).toBe(lCut);
    const left = store.flows({ from: 0, to: NOW, order: 'asc' }).flows.map((x) => BigInt(x.last_ns));
    expect(left).toEqual([cutNs, cutNs + 1n]);
    // nothing left to do: a second pass deletes nothing
    expect(store.runRetention({ now: NOW }).deleted).toEqual({ samples: 0, rollups: 0, flows: 0, source_stats: 0 });
    store.close();
  });

  it('works in steps of at most maxRowsPerStep and stops after maxSteps, resuming where it stopped', () => {
    const store = Store.open(join(tempDir(), 'r.db'), { samplesHours: 1, retentionDays: 1 });
    const old = NOW - 3 * DAY;
    store.insertFlows(Array.from({ length: 1050 }, (_, i) => flow(old + i)));
    store.insertSamples(Array.from({ length: 300 }, (_, i) => sample(old + i, 'tcp', 1, 1)));
    const first = store.runRetention({ now: NOW, maxRowsPerStep: 100, maxSteps: 3 });
    expect(first.steps).toBe(3);
    expect(first.done).toBe(false);
    for (const n of Object.values(first.deleted)) expect(n).toBeLessThanOrEqual(100);
    let total = { ...first.deleted };
    let last = first;
    for (let i = 0; i < 100 && !last.done; i++) {
      last = store.runRetention({ now: NOW, maxRowsPerStep: 100, maxSteps: 3 });
      for (const k of Object.keys(total) as Array<keyof typeof total>) total[k] += last.deleted[k];
    }
    expect(last.done).toBe(true);
    expect(total).toEqual({ samples: 300, rollups: 5, flows: 1050, source_stats: 0 });
    store.close();
  });

  it('the file shrinks after the deletes (incremental vacuum + checkpoint)', () => {
    const store = Store.open(join(tempDir(), 'r.db'), { retentionDays: 1 });
    const old = NOW - 3 * DAY;
    for (let b = 0; b < 6; b++) store.insertFlows(Array.from({ length: 5000 }, (_, i) => flow(old + b * 5000 + i, { src_ip: `10.${b}.${i >> 8}.${i & 255}` })));
    store.insertFlows([flow(NOW - 10)]); // one recent record stays
    store.runRetention({ now: old }); // nothing to delete yet: checkpoints nothing either
    const db = new Database(store.path);
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    const before = statSync(store.path).size;
    expect(before).toBeGreaterThan(4 << 20);
    let r;
    do r = store.runRetention({ now: NOW, vacuumPages: 256 });
    while (r.vacuumed_pages > 0);
    const after = statSync(store.path).size;
    expect(count(store, 'SELECT count(*) FROM flows')).toBe(1);
    expect(count(store, 'PRAGMA freelist_count')).toBe(0);
    expect(after).toBeLessThan(before / 10);
    store.close();
  });
});

// StoreWriter: add*() only queues; one transaction per flush; failures of the
// real database (busy, moved file, disk full on a tiny tmpfs) are counted,
// logged once, kept in a bounded backlog and written when the database recovers.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { FlowRecord } from '../../../lib/flows/index.js';
import { Store, StoreWriter, type StoreLogLevel } from '../../../lib/store/index.js';
import { isRoot } from '../../support/paths.js';
import { flow, removeTempDirs, sample, tempDir } from './helpers.js';

afterEach(removeTempDirs);

function countRows(path: string, table: string): number {
  const db = new Database(path, { readonly: true });
  const n = db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
  db.close();
  return n;
}

function logger() {
  const lines: Array<{ level: StoreLogLevel; message: string; meta?: Record<string, unknown> }> = [];
  return { lines, log: (level: StoreLogLevel, message: string, meta?: Record<string, unknown>) => lines.push({ level, message, meta }) };
}

const batch = (n: number, t = 1_700_000_000): FlowRecord[] => Array.from({ length: n }, (_, i) => flow(t + i, { src_ip: `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}` }));

describe('StoreWriter: hostile use', () => {
  it('bad options are RangeErrors naming the option', () => {
    const store = Store.open(join(tempDir(), 'w.db'));
    expect(() => new StoreWriter(store, { flushMs: 0 })).toThrow(/flushMs/);
    expect(() => new StoreWriter(store, { maxBacklogRows: 0 })).toThrow(/maxBacklogRows/);
    expect(() => new StoreWriter(store, { retentionEveryMs: -1 })).toThrow(/retentionEveryMs/);
    expect(() => new StoreWriter(store, { sourceStatsIntervalS: 0.5 })).toThrow(/sourceStatsIntervalS/);
    store.close();
  });

  it('garbage in never throws: non-arrays are ignored, invalid rows rejected and counted, a throwing logger is survived', () => {
    const store = Store.open(join(tempDir(), 'w.db'));
    const writer = new StoreWriter(store, {
      flushMs: 60_000,
      log: () => {
        throw new Error('logger broke');
      },
    });
    writer.addFlows(null as never);
    writer.addSamples('x' as never);
    writer.addSourceStats(undefined as never);
    writer.addFlows([flow(1_700_000_000), { ...flow(1_700_000_000), last_ns: 'soon' }, 42 as never]);
    writer.addSamples([sample(100, 'tcp', 1, 1), { ...sample(100, 'tcp', 1, 1), cls: 'x' as never }]);
    writer.addSourceStats([null as never, { ts: Number.NaN } as never]);
    const r = writer.flush();
    expect(r).toMatchObject({ ok: true, written: 2, rejected: 5 });
    expect(writer.stats()).toMatchObject({ flushes: 1, rows_written: 2, rejected: 5, errors: 0, writable: true, backlog: 0 });
    writer.close();
    store.close();
  });
});

describe('StoreWriter: normal operation', () => {
  it('add*() only queues; the timer writes everything in one flush', async () => {
    const path = join(tempDir(), 'w.db');
    const flushes: number[] = [];
    const writer = StoreWriter.open(path, {}, { flushMs: 100, onFlush: (r) => flushes.push(r.written) });
    writer.addFlows(batch(300));
    writer.addSamples([sample(1_700_000_000, 'tcp', 3, 180), sample(1_700_000_000, 'udp', 1, 90)]);
    writer.addSourceStats([{ ts: 1_700_000_003, source: 0, name: 'eth0', packets: 5, bytes: 6, kernel_drops: 0, if_drops: 0, ring_drops: 0 }]);
    expect(countRows(path, 'flows')).toBe(0); // nothing written on the caller's stack
    expect(writer.stats().backlog).toBe(303);
    const deadline = Date.now() + 3000;
    while (flushes.filter((n) => n > 0).length === 0 && Date.now() < deadline) await sleep(20);
    expect(flushes.find((n) => n > 0)).toBe(303); // one transaction held all three kinds
    expect(countRows(path, 'flows')).toBe(300);
    expect(countRows(path, 'rollups')).toBe(2);
    expect(writer.stats()).toMatchObject({ rows_written: 303, backlog: 0, errors: 0, writable: true });
    writer.close();
    expect(writer.store.closed).toBe(true); // opened by the writer, closed by it
  });

  it('source stats are cumulative: one row per source per interval, the latest counters', () => {
    const store = Store.open(join(tempDir(), 'w.db'));
    const writer = new StoreWriter(store, { flushMs: 60_000, sourceStatsIntervalS: 10 });
    const row = (ts: number, source: number) => ({ ts, source, name: `s${source}`, packets: ts * 10, bytes: ts, kernel_drops: ts - 100, if_drops: 0, ring_drops: 0 });
    for (let ts = 100; ts < 125; ts++) writer.addSourceStats([row(ts, 0), row(ts, 1)]);
    writer.flush();
    writer.addSourceStats([row(125, 0)]); // same interval as 120..124, a later flush: replaces
    writer.flush();
    const got = store.sourceStats({ from: 0, to: 1000 });
    expect(got.map((r) => [r.ts, r.source, r.kernel_drops])).toEqual([
      [100, 0, 9], [100, 1, 9], [110, 0, 19], [110, 1, 19], [120, 0, 25], [120, 1, 24],
    ]);
    writer.close();
    expect(store.closed).toBe(false); // a store passed in stays the caller's
    store.close();
  });

  it('close() writes what is queued; later adds are ignored', () => {
    const path = join(tempDir(), 'w.db');
    const writer = StoreWriter.open(path, {}, { flushMs: 60_000 });
    writer.addFlows(batch(10));
    expect(writer.close()).toMatchObject({ ok: true, written: 10 });
    writer.addFlows(batch(10));
    expect(writer.flush()).toMatchObject({ ok: false, error: 'closed' });
    expect(writer.close()).toMatchObject({ ok: true });
    expect(countRows(path, 'flows')).toBe(10);
  });

  it('retention runs on its timer in small steps and catches up across flushes', async () => {
    const store = Store.open(join(tempDir(), 'w.db'), { retentionDays: 1 });
    const now = Math.floor(Date.now() / 1000); // the writer's retention uses the wall clock
    store.insertFlows(batch(2500, now - 3 * 86400));
    store.insertFlows(batch(5, now - 10));
    const writer = new StoreWriter(store, { flushMs: 20, retentionEveryMs: 30, retentionStepsPerTick: 1, retentionRowsPerStep: 200 });
    const deadline = Date.now() + 5000;
    while (writer.stats().retention_deleted < 2500 && Date.now() < deadline) await sleep(20);
    expect(writer.stats().retention_deleted).toBe(2500);
    expect(countRows(store.path, 'flows')).toBe(5);
    writer.close();
    store.close();
  });

  it('runs inside a worker_thread with plain data in and out', async () => {
    const path = join(tempDir(), 'w.db');
    const worker = new Worker(new URL('./children/writer-worker.mjs', import.meta.url), { workerData: { path } });
    const next = () => new Promise<any>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    expect(await next()).toEqual({ ready: true });
    worker.postMessage({ t: 'flows', rows: batch(100) });
    worker.postMessage({ t: 'samples', rows: [sample(1_700_000_000, 'icmp', 2, 196)] });
    worker.postMessage({ t: 'close' });
    const done = await next();
    expect(done.stats).toMatchObject({ rows_written: 101, errors: 0, backlog: 0 });
    await worker.terminate();
    const store = Store.open(path, { readonly: true });
    expect(store.flows({ from: 1_699_999_000, to: 1_700_001_000, limit: 1000, order: 'asc' }).flows).toHaveLength(100);
    store.close();
  });
});

describe('StoreWriter: runtime write failures', () => {
  it('SQLITE_BUSY (another process holds the write lock): counted, logged once, retried, then written', () => {
    const path = join(tempDir(), 'w.db');
    const { lines, log } = logger();
    const writer = StoreWriter.open(path, { busyTimeoutMs: 20 }, { flushMs: 60_000, log });
    const other = new Database(path);
    other.exec('BEGIN IMMEDIATE');
    writer.addFlows(batch(50));
    for (let i = 0; i < 3; i++) expect(writer.flush()).toMatchObject({ ok: false, backlog: 50 });
    expect(writer.stats()).toMatchObject({ errors: 3, writable: false, backlog: 50, rows_written: 0 });
    expect(writer.stats().last_error).toMatch(/SQLITE_BUSY/);
    expect(lines.filter((l) => l.level === 'error')).toHaveLength(1);
    expect(lines[0]!.meta).toMatchObject({ path, backlog: 50 });
    other.exec('ROLLBACK');
    other.close();
    expect(writer.flush()).toMatchObject({ ok: true, written: 50, backlog: 0 });
    expect(writer.stats()).toMatchObject({ writable: true, rows_written: 50 });
    expect(lines.at(-1)).toMatchObject({ level: 'info', message: expect.stringMatching(/writable again/) });
    writer.close();
    expect(countRows(path, 'flows')).toBe(50);
  });

  it('the backlog is bounded per kind: the oldest rows are dropped and counted', () => {
    const path = join(tempDir(), 'w.db');
    const writer = StoreWriter.open(path, { busyTimeoutMs: 0 }, { flushMs: 60_000, maxBacklogRows: 1000 });
    const other = new Database(path);
    other.exec('BEGIN IMMEDIATE');
    const all: FlowRecord[] = [];
    for (let i = 0; i < 10; i++) {
      const b = batch(300, 1_700_000_000 + i * 1000);
      all.push(...b);
      writer.addFlows(b);
      writer.flush();
      expect(writer.stats().backlog).toBeLessThanOrEqual(1000);
    }
    expect(writer.stats()).toMatchObject({ backlog: 1000, dropped: 2000, errors: 10 });
    other.exec('ROLLBACK');
    other.close();
    expect(writer.flush()).toMatchObject({ ok: true, written: 1000 });
    writer.close();
    const store = Store.open(path, { readonly: true });
    const kept = store.flows({ from: 1_699_000_000, to: 1_701_000_000, limit: 1000, order: 'asc' });
    expect(kept.flows).toEqual(all.slice(-1000)); // the newest 1000
    store.close();
  });
});

describe.skipIf(!isRoot)('StoreWriter: a full disk (1 MiB tmpfs)', () => {
  let mnt = '';
  afterEach(() => {
    if (mnt) {
      execFileSync('umount', ['-l', mnt]);
      rmSync(mnt, { recursive: true, force: true });
      mnt = '';
    }
  });

  it('SQLITE_FULL: errors counted, backlog bounded, nothing thrown; after the disk grows the backlog is written', () => {
    mnt = mkdtempSync(join(tmpdir(), 'ww-store-full-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mnt]);
    const path = join(mnt, 'w.db');
    const { lines, log } = logger();
    const writer = StoreWriter.open(path, {}, { flushMs: 60_000, maxBacklogRows: 2000, retentionEveryMs: 0, log });
    const added: FlowRecord[] = [];
    let failedAt = -1;
    for (let i = 0; i < 200 && failedAt < 0; i++) {
      const b = batch(250, 1_700_000_000 + i * 1000);
      added.push(...b);
      writer.addFlows(b);
      if (!writer.flush().ok) failedAt = i;
    }
    expect(failedAt).toBeGreaterThan(0);
    expect(writer.stats().last_error).toMatch(/SQLITE_FULL/);
    const committed = writer.stats().rows_written;
    // keep producing while full: a flush per "second", the backlog stays bounded
    for (let i = 0; i < 12; i++) {
      const b = batch(250, 1_800_000_000 + i * 1000);
      added.push(...b);
      writer.addFlows(b);
      expect(writer.flush().ok).toBe(false);
      expect(writer.stats().backlog).toBeLessThanOrEqual(2000);
    }
    const s = writer.stats();
    expect(s).toMatchObject({ errors: 13, writable: false, backlog: 2000, rows_written: committed });
    expect(s.dropped).toBe(added.length - committed - 2000);
    expect(lines.filter((l) => l.level === 'error')).toHaveLength(1);
    expect(lines[0]!.meta?.error).toMatch(/SQLITE_FULL/);

    execFileSync('mount', ['-o', 'remount,size=64m', mnt]);
    expect(writer.flush()).toMatchObject({ ok: true, written: 2000, backlog: 0 });
    expect(writer.stats()).toMatchObject({ writable: true, rows_written: committed + 2000 });
    writer.close();

    const store = Store.open(path, { readonly: true });
    expect(store.integrityCheck()).toBe('ok');
    const rows: FlowRecord[] = [];
    let cursor: string | null = null;
    do {
      const page = store.flows({ from: 1_600_000_000, to: 1_900_000_000, limit: 1000, order: 'asc', cursor });
      rows.push(...page.flows);
      cursor = page.next_cursor;
    } while (cursor);
    store.close();
    expect(rows).toEqual([...added.slice(0, committed), ...added.slice(-2000)]);
  });
});

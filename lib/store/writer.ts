// StoreWriter: the daemon's one writer. add*() only queue (no SQLite work on
// the caller's stack); a timer writes the queues every flushMs in ONE
// transaction and runs retention in small steps. Nothing it does throws into
// the caller once constructed: a failed flush (SQLITE_FULL, READONLY, IOERR,
// BUSY ...) is logged, counted and retried on the next flush, with a bounded
// backlog (oldest rows dropped beyond it, counted).
//
// Thread: everything runs on the thread that created the writer. Its inputs
// are plain data (rows and records as the pipeline emits them; options are
// numbers, `log` and `onFlush` optional), so the daemon may run it in its own
// worker_thread: StoreWriter.open(path, storeOptions, writerOptions) inside the
// worker, rows posted to it, stats() posted back for /readyz.
import type { FlowRecord } from '../flows/records.js';
import { sqliteCode } from './errors.js';
import { Store } from './store.js';
import type { RetentionResult, SampleRow, SourceStatsRow, StoreOptions } from './types.js';

export type StoreLogLevel = 'error' | 'warn' | 'info' | 'debug';
export type StoreLogger = (level: StoreLogLevel, message: string, meta?: Record<string, unknown>) => void;

export interface StoreWriterOptions {
  /** Flush interval, ms. Default 1000. */
  flushMs?: number;
  /** Rows kept per kind (samples, flows, source stats) while writes fail; older rows are dropped. Default 100 000. */
  maxBacklogRows?: number;
  /** Retention pass interval, ms (0 = never). Default 60 000. */
  retentionEveryMs?: number;
  /** Delete steps per retention pass; a pass that is not done continues at the next flush. Default 4. */
  retentionStepsPerTick?: number;
  /** Rows per delete step. Default 5000. */
  retentionRowsPerStep?: number;
  /** Source stats are cumulative: one row per source per this many seconds is kept (the latest), ts rounded down. Default 10; 1 keeps every row. */
  sourceStatsIntervalS?: number;
  log?: StoreLogger;
  /** Called after each flush attempt (e.g. to post progress from a worker). */
  onFlush?: (result: FlushResult) => void;
}

export interface FlushResult {
  ok: boolean;
  /** Rows committed by this flush. */
  written: number;
  rejected: number;
  /** Rows still queued after it. */
  backlog: number;
  error: string | null;
}

export interface StoreWriterStats {
  /** Successful flushes. */
  flushes: number;
  rows_written: number;
  /** Failed flushes and failed retention passes. */
  errors: number;
  /** Rows queued and not yet committed. */
  backlog: number;
  /** Rows dropped because the backlog was full. */
  dropped: number;
  /** Invalid rows skipped (never retried). */
  rejected: number;
  last_error: string | null;
  /** false from a failed flush until the next successful one. */
  writable: boolean;
  retention_deleted: number;
}

/** FIFO of arrays: appending a batch is O(1) and keeps the caller's array as is. */
class RowQueue<T> {
  chunks: T[][] = [];
  count = 0;

  push(rows: T[]): void {
    if (rows.length === 0) return;
    this.chunks.push(rows);
    this.count += rows.length;
  }

  take(): T[][] {
    const chunks = this.chunks;
    this.chunks = [];
    this.count = 0;
    return chunks;
  }

  /** Puts a failed flush's rows back in front of anything queued since. */
  restore(chunks: T[][]): void {
    for (const c of chunks) this.count += c.length;
    this.chunks = chunks.concat(this.chunks);
  }

  /** Drops the oldest rows beyond `max`; returns how many. */
  trim(max: number): number {
    let dropped = 0;
    while (this.count > max) {
      const first = this.chunks[0]!;
      const excess = this.count - max;
      if (first.length <= excess) {
        this.chunks.shift();
        this.count -= first.length;
        dropped += first.length;
      } else {
        this.chunks[0] = first.slice(excess);
        this.count -= excess;
        dropped += excess;
      }
    }
    return dropped;
  }
}

function errorText(error: unknown): string {
  const code = sqliteCode(error);
  const message = error instanceof Error ? error.message : String(error);
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}

export class StoreWriter {
  readonly store: Store;
  readonly #ownsStore: boolean;
  readonly #flushMs: number;
  readonly #maxBacklog: number;
  readonly #retentionEveryMs: number;
  readonly #retentionSteps: number;
  readonly #retentionRows: number;
  readonly #statsInterval: number;
  readonly #log: StoreLogger | undefined;
  readonly #onFlush: ((result: FlushResult) => void) | undefined;

  readonly #samples = new RowQueue<SampleRow>();
  readonly #flows = new RowQueue<FlowRecord>();
  readonly #sourceStats = new RowQueue<SourceStatsRow>();
  /** Latest source-stats row per (source, interval) not yet queued: cumulative counters, the last one wins. */
  #statsLatest = new Map<string, SourceStatsRow>();

  #flushTimer: NodeJS.Timeout | null = null;
  #retentionTimer: NodeJS.Timeout | null = null;
  #retentionBehind = false;
  #flushing = false;
  #closed = false;
  #lastErrorKey: string | null = null;
  readonly #stats: StoreWriterStats = {
    flushes: 0,
    rows_written: 0,
    errors: 0,
    backlog: 0,
    dropped: 0,
    rejected: 0,
    last_error: null,
    writable: true,
    retention_deleted: 0,
  };

  constructor(store: Store, options: StoreWriterOptions = {}, ownsStore = false) {
    const positive = (name: string, v: number, min: number) => {
      if (!Number.isInteger(v) || v < min) throw new RangeError(`${name} must be an integer ≥ ${min}, got ${v}`);
      return v;
    };
    this.store = store;
    this.#ownsStore = ownsStore;
    this.#flushMs = positive('flushMs', options.flushMs ?? 1000, 10);
    this.#maxBacklog = positive('maxBacklogRows', options.maxBacklogRows ?? 100_000, 1);
    this.#retentionEveryMs = positive('retentionEveryMs', options.retentionEveryMs ?? 60_000, 0);
    this.#retentionSteps = positive('retentionStepsPerTick', options.retentionStepsPerTick ?? 4, 1);
    this.#retentionRows = positive('retentionRowsPerStep', options.retentionRowsPerStep ?? 5000, 1);
    this.#statsInterval = positive('sourceStatsIntervalS', options.sourceStatsIntervalS ?? 10, 1);
    this.#log = options.log;
    this.#onFlush = options.onFlush;
    // unref: the writer never keeps a process alive on its own; close() does the last flush.
    this.#flushTimer = setInterval(() => this.flush(), this.#flushMs).unref();
    if (this.#retentionEveryMs > 0) this.#scheduleRetention(this.#retentionEveryMs);
  }

  /** Opens the store and a writer that owns it (closes it on close()). Throws StoreError like Store.open. */
  static open(path: string, storeOptions: StoreOptions = {}, options: StoreWriterOptions = {}): StoreWriter {
    const store = Store.open(path, storeOptions);
    try {
      return new StoreWriter(store, options, true);
    } catch (error) {
      store.close();
      throw error;
    }
  }

  // ------------------------------------------------------------ the hot side

  /** Queues rows; the writer keeps the array (do not modify it afterwards). */
  addSamples(rows: SampleRow[]): void {
    if (this.#closed || !Array.isArray(rows)) return;
    this.#samples.push(rows);
    if (!this.#stats.writable) this.#stats.dropped += this.#samples.trim(this.#maxBacklog);
  }

  addFlows(records: FlowRecord[]): void {
    if (this.#closed || !Array.isArray(records)) return;
    this.#flows.push(records);
    if (!this.#stats.writable) this.#stats.dropped += this.#flows.trim(this.#maxBacklog);
  }

  addSourceStats(rows: SourceStatsRow[]): void {
    if (this.#closed || !Array.isArray(rows)) return;
    for (const r of rows) {
      if (r === null || typeof r !== 'object' || typeof r.ts !== 'number' || !Number.isFinite(r.ts)) {
        this.#sourceStats.push([r]); // let the store reject and count it
        continue;
      }
      const ts = r.ts - (r.ts % this.#statsInterval);
      this.#statsLatest.set(`${r.source}:${ts}`, ts === r.ts ? r : { ...r, ts });
    }
  }

  // ------------------------------------------------------------------ flushes

  /** Writes everything queued in one transaction now. Never throws. */
  flush(): FlushResult {
    if (this.#closed || this.#flushing) return { ok: false, written: 0, rejected: 0, backlog: this.#backlog(), error: this.#closed ? 'closed' : 'busy' };
    this.#flushing = true;
    try {
      return this.#flushNow();
    } finally {
      this.#flushing = false;
    }
  }

  #flushNow(): FlushResult {
    if (this.#statsLatest.size > 0) {
      this.#sourceStats.push([...this.#statsLatest.values()]);
      this.#statsLatest = new Map();
    }
    if (this.#backlog() === 0) {
      this.#continueRetention();
      return this.#report({ ok: true, written: 0, rejected: 0, backlog: 0, error: null });
    }
    const samples = this.#samples.take();
    const flows = this.#flows.take();
    const sourceStats = this.#sourceStats.take();
    let result: FlushResult;
    try {
      const r = this.store.writeChunks({ samples, flows, sourceStats });
      this.#stats.flushes++;
      this.#stats.rows_written += r.written;
      if (r.rejected > 0) {
        this.#stats.rejected += r.rejected;
        this.#emit('warn', 'history store skipped invalid rows', { rejected: r.rejected, reason: r.firstRejection });
      }
      if (!this.#stats.writable) this.#emit('info', 'history store writable again; backlog written', { rows: r.written });
      this.#stats.writable = true;
      this.#lastErrorKey = null;
      result = { ok: true, written: r.written, rejected: r.rejected, backlog: this.#backlog(), error: null };
    } catch (error) {
      this.#samples.restore(samples);
      this.#flows.restore(flows);
      this.#sourceStats.restore(sourceStats);
      const dropped = this.#samples.trim(this.#maxBacklog) + this.#flows.trim(this.#maxBacklog) + this.#sourceStats.trim(this.#maxBacklog);
      this.#stats.dropped += dropped;
      this.#stats.errors++;
      this.#stats.writable = false;
      const text = errorText(error);
      this.#stats.last_error = text;
      // one line per kind of failure, not one per second while the disk stays full
      const key = sqliteCode(error) || text;
      if (key !== this.#lastErrorKey) {
        this.#lastErrorKey = key;
        this.#emit('error', 'history store write failed; keeping rows in memory and retrying every flush', {
          path: this.store.path,
          error: text,
          backlog: this.#backlog(),
          max_backlog_per_kind: this.#maxBacklog,
        });
      }
      result = { ok: false, written: 0, rejected: 0, backlog: this.#backlog(), error: text };
    }
    this.#stats.backlog = this.#backlog();
    if (result.ok) this.#continueRetention();
    return this.#report(result);
  }

  #report(result: FlushResult): FlushResult {
    this.#stats.backlog = this.#backlog();
    if (this.#onFlush) {
      try {
        this.#onFlush(result);
      } catch {
        // a listener's failure is not the store's
      }
    }
    return result;
  }

  #backlog(): number {
    return this.#samples.count + this.#flows.count + this.#sourceStats.count;
  }

  #emit(level: StoreLogLevel, message: string, meta?: Record<string, unknown>): void {
    try {
      this.#log?.(level, message, meta);
    } catch {
      // logging must never break the writer
    }
  }

  // ---------------------------------------------------------------- retention

  #scheduleRetention(ms: number): void {
    this.#retentionTimer = setTimeout(() => this.runRetentionTick(), ms).unref();
  }

  /** A catch-up pass continues after each successful flush until nothing is left to delete. */
  #continueRetention(): void {
    if (this.#retentionBehind) this.#retentionPass();
  }

  /** One bounded retention pass now (the timer calls it). Never throws. */
  runRetentionTick(): RetentionResult | null {
    if (this.#closed) return null;
    const r = this.#retentionPass();
    this.#scheduleRetention(this.#retentionEveryMs);
    return r;
  }

  #retentionPass(): RetentionResult | null {
    try {
      const r = this.store.runRetention({ maxSteps: this.#retentionSteps, maxRowsPerStep: this.#retentionRows });
      const n = r.deleted.samples + r.deleted.rollups + r.deleted.flows + r.deleted.source_stats;
      this.#stats.retention_deleted += n;
      this.#retentionBehind = !r.done;
      if (n > 0) this.#emit('debug', 'history retention', { ...r.deleted, vacuumed_pages: r.vacuumed_pages, done: r.done });
      return r;
    } catch (error) {
      this.#stats.errors++;
      this.#stats.last_error = errorText(error);
      this.#retentionBehind = false; // the next timer tick tries again
      this.#emit('warn', 'history retention failed; retrying at the next pass', { error: this.#stats.last_error });
      return null;
    }
  }

  // -------------------------------------------------------------------- state

  stats(): StoreWriterStats {
    return { ...this.#stats, backlog: this.#backlog() + this.#statsLatest.size };
  }

  /** Stops the timers, writes what is queued (one last attempt) and closes the store if the writer opened it. Never throws. */
  close(): FlushResult {
    if (this.#closed) return { ok: true, written: 0, rejected: 0, backlog: 0, error: null };
    if (this.#flushTimer) clearInterval(this.#flushTimer);
    if (this.#retentionTimer) clearTimeout(this.#retentionTimer);
    this.#flushTimer = this.#retentionTimer = null;
    this.#retentionBehind = false;
    const last = this.flush();
    this.#closed = true;
    if (!last.ok && last.backlog > 0) {
      this.#emit('error', 'history store closed with rows that could not be written', { rows: last.backlog, error: last.error });
    }
    if (this.#ownsStore) {
      try {
        this.store.close();
      } catch {
        // already reported through the flush
      }
    }
    return last;
  }
}

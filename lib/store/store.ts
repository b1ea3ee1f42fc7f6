// The history database: one better-sqlite3 connection, its prepared statements
// and the API's queries. better-sqlite3 is synchronous: the thread that owns a
// Store blocks while a statement runs. The daemon's single writer (StoreWriter)
// batches one transaction per second; readers in another thread open their own
// `readonly` Store (WAL lets them read while the writer commits).
import type { Database, Statement } from 'better-sqlite3';
import type { FlowRecord } from '../flows/records.js';
import { StoreError } from './errors.js';
import { openDatabase } from './open.js';
import {
  flowsNextCursor,
  historyResult,
  planFlows,
  planHistory,
  planSourceStats,
  planTopTalkers,
  toFlowRecord,
  type FlowRow,
} from './queries.js';
import { Retention } from './retention.js';
import { schemaVersion } from './schema.js';
import type {
  FlowPage,
  FlowQuery,
  HistoryQuery,
  HistoryResult,
  RetentionOptions,
  RetentionResult,
  SampleRow,
  SourceStatsQuery,
  SourceStatsRow,
  StoreOptions,
  TopTalker,
  TopTalkersQuery,
  WriteBatch,
  WriteResult,
} from './types.js';
import { Writes, type RowSink } from './writes.js';

export interface ResolvedStoreOptions {
  samplesHours: number;
  retentionDays: number;
  readonly: boolean;
  busyTimeoutMs: number;
}

function resolveOptions(options: StoreOptions): ResolvedStoreOptions {
  const { samplesHours = 24, retentionDays = 30, readonly = false, busyTimeoutMs = 5000 } = options;
  if (typeof samplesHours !== 'number' || !(samplesHours > 0) || samplesHours > 24 * 366) {
    throw new RangeError(`samplesHours must be a number of hours > 0, got ${String(samplesHours)}`);
  }
  if (typeof retentionDays !== 'number' || !(retentionDays > 0) || retentionDays > 36600) {
    throw new RangeError(`retentionDays must be a number of days > 0, got ${String(retentionDays)}`);
  }
  if (!Number.isInteger(busyTimeoutMs) || busyTimeoutMs < 0) throw new RangeError(`busyTimeoutMs must be an integer ≥ 0, got ${busyTimeoutMs}`);
  return { samplesHours, retentionDays, readonly: readonly === true, busyTimeoutMs };
}

export class Store {
  readonly path: string;
  readonly options: Readonly<ResolvedStoreOptions>;
  readonly #db: Database;
  readonly #writes: Writes | null;
  readonly #retention: Retention | null;
  readonly #statements = new Map<string, Statement>();
  #closed = false;

  private constructor(path: string, db: Database, options: ResolvedStoreOptions) {
    this.path = path;
    this.#db = db;
    this.options = Object.freeze(options);
    this.#writes = options.readonly ? null : new Writes(db);
    this.#retention = options.readonly ? null : new Retention(db, options);
  }

  /**
   * Opens (creating it and its directory when needed) and upgrades the
   * database. Throws a StoreError (`store_open_failed`, `store_readonly`,
   * `store_corrupt`, `store_schema_newer`) whose message names the path and
   * the fix; RangeError for bad options.
   */
  static open(path: string, options: StoreOptions = {}): Store {
    if (typeof path !== 'string' || path.length === 0) throw new TypeError('path must be a non-empty string');
    const resolved = resolveOptions(options);
    return new Store(path, openDatabase(path, resolved), resolved);
  }

  get schemaVersion(): number {
    return schemaVersion(this.#open());
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * The connection, for modules that keep their own tables in the same file
   * (API sessions, alerts); they create them idempotently. Main thread only.
   */
  get database(): Database {
    return this.#open();
  }

  #open(): Database {
    if (this.#closed) throw new StoreError('store_closed', this.path, `the history store ${this.path} is closed`);
    return this.#db;
  }

  #writable(): Writes {
    this.#open();
    if (!this.#writes) throw new StoreError('store_readonly', this.path, `the history store ${this.path} was opened read-only`);
    return this.#writes;
  }

  #statement(sql: string): Statement {
    let s = this.#statements.get(sql);
    if (!s) {
      s = this.#open().prepare(sql);
      // a handful of shapes (one per combination of filters); never unbounded
      if (this.#statements.size < 256) this.#statements.set(sql, s);
    }
    return s;
  }

  // ------------------------------------------------------------------ writes

  /**
   * Writes everything in one transaction: samples (upserts that add, with
   * their minute rollups), flow records, source stats. Invalid rows are skipped
   * and counted; a database failure (SQLITE_FULL, READONLY, IOERR, BUSY ...)
   * rolls the whole batch back and throws.
   */
  write(batch: WriteBatch): WriteResult {
    return this.writeChunks({
      samples: batch.samples ? [batch.samples] : [],
      flows: batch.flows ? [batch.flows] : [],
      sourceStats: batch.sourceStats ? [batch.sourceStats] : [],
    });
  }

  /** write() over lists of arrays (the writer's queues), without concatenating them. */
  writeChunks(chunks: { samples: ReadonlyArray<readonly SampleRow[]>; flows: ReadonlyArray<readonly FlowRecord[]>; sourceStats: ReadonlyArray<readonly SourceStatsRow[]> }): WriteResult {
    const writes = this.#writable();
    const sink: RowSink = { written: 0, rejected: 0, firstRejection: null };
    this.#db.transaction(() => {
      for (const rows of chunks.samples) writes.samples(Array.isArray(rows) ? rows : [], sink);
      for (const rows of chunks.flows) writes.flows(Array.isArray(rows) ? rows : [], sink);
      for (const rows of chunks.sourceStats) writes.sourceStats(Array.isArray(rows) ? rows : [], sink);
    })();
    return sink;
  }

  insertSamples(rows: readonly SampleRow[]): WriteResult {
    return this.write({ samples: rows });
  }

  insertFlows(records: readonly FlowRecord[]): WriteResult {
    return this.write({ flows: records });
  }

  insertSourceStats(rows: readonly SourceStatsRow[]): WriteResult {
    return this.write({ sourceStats: rows });
  }

  /** Deletes what is older than the limits in steps of maxRowsPerStep rows, then gives free pages back to the file system. */
  runRetention(options: RetentionOptions = {}): RetentionResult {
    this.#writable();
    return this.#retention!.run(options);
  }

  // ----------------------------------------------------------------- queries

  /** Time series per class; see planHistory for how the step and table are chosen. */
  history(query: HistoryQuery): HistoryResult {
    const plan = planHistory(query, this.options.samplesHours, query.now ?? Date.now() / 1000);
    return historyResult(plan, this.#statement(plan.sql).all(plan.params) as never);
  }

  /** One page of flow records overlapping [from, to), newest first unless order 'asc'. */
  flows(query: FlowQuery): FlowPage {
    const plan = planFlows(query, this.#maxSpanNs());
    const rows = this.#statement(plan.sql).safeIntegers(true).all(plan.params) as FlowRow[];
    const page = rows.slice(0, plan.limit).map(toFlowRecord);
    return { flows: page, next_cursor: flowsNextCursor(rows, plan.limit) };
  }

  /** Hosts by bytes sent + received over the flow records overlapping [from, to). */
  topTalkers(query: TopTalkersQuery): TopTalker[] {
    const plan = planTopTalkers(query, this.#maxSpanNs());
    return this.#statement(plan.sql).all(plan.params) as TopTalker[];
  }

  /** Capture-source counters (cumulative) recorded in [from, to), oldest first, at most 100 000 rows. */
  sourceStats(query: SourceStatsQuery): SourceStatsRow[] {
    const plan = planSourceStats(query);
    return this.#statement(plan.sql).all(plan.params) as SourceStatsRow[];
  }

  #maxSpanNs(): bigint {
    const row = this.#statement("SELECT value FROM meta WHERE key = 'flow_max_span_ns'").safeIntegers(true).get() as { value: bigint } | undefined;
    return row?.value ?? 0n;
  }

  /** PRAGMA integrity_check: 'ok' or the problems found. */
  integrityCheck(): string {
    const rows = this.#open().pragma('integrity_check') as Array<{ integrity_check: string }>;
    return rows.map((r) => r.integrity_check).join('\n');
  }

  /** Closes the connection (idempotent). The last connection's close checkpoints the WAL into the file. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#statements.clear();
    if (!this.#db.readonly) {
      try {
        this.#db.pragma('optimize'); // cheap, keeps the planner's statistics for the indexes current
      } catch {
        // a full or read-only disk must not stop the close
      }
    }
    this.#db.close();
  }
}

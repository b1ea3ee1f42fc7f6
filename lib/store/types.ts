// Rows that go into the store and what its queries return. Plain data only, so
// they cross a worker_thread boundary by structured clone unchanged.
import type { FlowRecord } from '../flows/records.js';
// classes.js only (not the index): the store needs the names, not the Windows machinery
import { CLASS_NAMES, type ClassName } from '../stats/classes.js';
import type { SampleRow } from '../stats/index.js';

// Samples are the stats module's rows as it emits them when a second closes.
export type { ClassName, SampleRow };

/** The sample classes (lib/stats CLASS_NAMES under the name the store used first; kept for importers). */
export const SAMPLE_CLASSES = CLASS_NAMES;
export type SampleClass = ClassName;

/** Cumulative capture-source counters at `ts` (a later row for the same (ts, source) replaces it). */
export interface SourceStatsRow {
  ts: number;
  source: number;
  name: string;
  packets: number;
  bytes: number;
  kernel_drops: number;
  if_drops: number;
  ring_drops: number;
}

export interface StoreOptions {
  /** Hours of per-second samples kept. Default 24. */
  samplesHours?: number;
  /** Days of per-minute rollups, flows and source stats kept. Default 30. */
  retentionDays?: number;
  /** Open an existing, up-to-date database for queries only (e.g. a second connection in another thread). */
  readonly?: boolean;
  /** How long a statement waits for another connection's lock, ms. Default 5000. */
  busyTimeoutMs?: number;
}

export interface WriteBatch {
  samples?: readonly SampleRow[];
  flows?: readonly FlowRecord[];
  sourceStats?: readonly SourceStatsRow[];
}

export interface WriteResult {
  /** Rows stored (samples count once; their minute rollups are maintained in the same transaction). */
  written: number;
  /** Rows skipped because a field was invalid (never retried). */
  rejected: number;
  /** The first rejected row's reason, for the log. */
  firstRejection: string | null;
}

export interface HistoryQuery {
  /** Unix seconds, inclusive; widened down to a whole step. */
  from: number;
  /** Unix seconds, exclusive. */
  to: number;
  /** Seconds per point. Default: automatic (1 s up to 1 h, then 60 s and larger for at most ~1440 points). */
  step?: number;
  source?: number;
  cls?: ClassName;
  /** "Now" for the samples-retention boundary, unix seconds. Default: the wall clock. */
  now?: number;
}

export interface HistoryPoint {
  /** Start of the step, unix seconds. */
  ts: number;
  packets: number;
  bytes: number;
  /** packets / step. */
  pps: number;
  /** bytes * 8 / step. */
  bps: number;
}

export interface HistoryResult {
  /** First bucket start (from rounded down to the step). */
  from: number;
  to: number;
  /** Seconds per point actually used. */
  step: number;
  /** Which table answered: per-second samples or per-minute rollups. */
  resolution: 'second' | 'minute';
  /** Points per class in time order; steps without packets are absent. */
  series: Partial<Record<ClassName, HistoryPoint[]>>;
}

export interface FlowQuery {
  /** Unix seconds: records whose [first_ns, last_ns] overlaps [from, to]. */
  from: number;
  to: number;
  /** Either endpoint equals this address (IPv4 or IPv6). */
  ip?: string;
  /** Either endpoint inside this prefix ("10.0.0.0/8", "2001:db8::/32"). */
  cidr?: string;
  /** Either port equals this. */
  port?: number;
  proto?: number;
  /** bytes_c2s + bytes_s2c at least this. */
  minBytes?: number;
  source?: number;
  /** 1..1000, default 100. */
  limit?: number;
  /** next_cursor of the previous page. */
  cursor?: string | null;
  /** By last_ns: 'desc' (newest first, default) or 'asc'. */
  order?: 'asc' | 'desc';
}

export interface FlowPage {
  flows: FlowRecord[];
  /** Opaque; null on the last page. */
  next_cursor: string | null;
}

export interface TopTalkersQuery {
  from: number;
  to: number;
  /** 1..1000, default 10. */
  limit?: number;
  source?: number;
}

export interface TopTalker {
  ip: string;
  /** bytes_sent + bytes_received. */
  bytes: number;
  bytes_sent: number;
  bytes_received: number;
  packets: number;
  /** Flow records the host appears in. */
  flows: number;
}

export interface SourceStatsQuery {
  from: number;
  to: number;
  source?: number;
}

export interface RetentionOptions {
  /** Rows deleted per transaction. Default 5000. */
  maxRowsPerStep?: number;
  /** Delete transactions before returning (the writer uses a few per tick). Default unlimited. */
  maxSteps?: number;
  /** Free pages returned to the file system per call (PRAGMA incremental_vacuum(N)). Default 2048 (8 MiB). */
  vacuumPages?: number;
  /** Unix seconds. Default: the wall clock. */
  now?: number;
}

export interface RetentionResult {
  deleted: { samples: number; rollups: number; flows: number; source_stats: number };
  /** Transactions used. */
  steps: number;
  /** Nothing older than the limits is left. */
  done: boolean;
  /** Pages given back by incremental_vacuum. */
  vacuumed_pages: number;
}

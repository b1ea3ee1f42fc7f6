// Prepared insert statements and the per-row checks in front of them. A row
// with a bad field is rejected alone (counted, never retried); any other
// failure aborts the caller's transaction so that the whole batch is retried.
import type { Database, Statement } from 'better-sqlite3';
import { END_REASON_NAMES, FLOW_STATE_NAMES, type FlowRecord } from '../flows/records.js';
import { parseAddress } from './address.js';
import { sqliteCode } from './errors.js';
import { CLASS_NAMES } from '../stats/classes.js';
import type { SampleRow, SourceStatsRow } from './types.js';

const INT64_MAX = (1n << 63n) - 1n;
const NS_TEXT = /^\d{1,19}$/;
const CLASSES = new Set<string>(CLASS_NAMES);
const STATES = new Set<string>(FLOW_STATE_NAMES);
const END_REASONS = new Set<string>(END_REASON_NAMES);

const uint = (v: unknown, max = Number.MAX_SAFE_INTEGER): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max;
const text = (v: unknown, max: number): v is string => typeof v === 'string' && v.length <= max;

function nsValue(v: unknown): bigint | null {
  if (typeof v !== 'string' || !NS_TEXT.test(v)) return null;
  const n = BigInt(v);
  return n <= INT64_MAX ? n : null;
}

export function checkSample(r: SampleRow): string | null {
  if (r === null || typeof r !== 'object') return 'sample row is not an object';
  if (!uint(r.ts) || !uint(r.source, 65535)) return 'sample ts/source must be non-negative integers (source ≤ 65535)';
  if (!CLASSES.has(r.cls)) return `sample cls must be one of ${CLASS_NAMES.join(', ')}`;
  if (!uint(r.packets) || !uint(r.bytes)) return 'sample packets/bytes must be non-negative safe integers';
  return null;
}

export function checkSourceStats(r: SourceStatsRow): string | null {
  if (r === null || typeof r !== 'object') return 'source stats row is not an object';
  if (!uint(r.ts) || !uint(r.source, 65535) || !text(r.name, 256)) return 'source stats ts/source/name invalid';
  for (const k of ['packets', 'bytes', 'kernel_drops', 'if_drops', 'ring_drops'] as const) {
    if (!uint(r[k])) return `source stats ${k} must be a non-negative safe integer`;
  }
  return null;
}

/** Bound parameters of one flow row, or the reason it is rejected. */
interface FlowParams {
  params: unknown[];
  span: bigint;
}

export function flowParams(r: FlowRecord): FlowParams | string {
  if (r === null || typeof r !== 'object') return 'flow record is not an object';
  if (!text(r.community_id, 128)) return 'flow community_id must be a string';
  if (!uint(r.source, 65535) || !uint(r.vlan, 4095) || !uint(r.proto, 255)) return 'flow source/vlan/proto out of range';
  if (!uint(r.src_port, 65535) || !uint(r.dst_port, 65535)) return 'flow ports out of range';
  const src = parseAddress(r.src_ip);
  const dst = parseAddress(r.dst_ip);
  if (!src || !dst) return 'flow src_ip/dst_ip is not an IPv4 or IPv6 address';
  // Exact: the decimal strings become int64 through BigInt, once per record.
  const first = nsValue(r.first_ns);
  const last = nsValue(r.last_ns);
  if (first === null || last === null || last < first) return 'flow first_ns/last_ns must be decimal ns strings with first ≤ last';
  if (!uint(r.packets_c2s) || !uint(r.bytes_c2s) || !uint(r.packets_s2c) || !uint(r.bytes_s2c)) return 'flow counters must be non-negative safe integers';
  if (!uint(r.tcp_flags, 0xffff)) return 'flow tcp_flags out of range';
  if (!STATES.has(r.state)) return `flow state must be one of ${FLOW_STATE_NAMES.join(', ')}`;
  if (r.end_reason !== null && !END_REASONS.has(r.end_reason)) return `flow end_reason must be null or one of ${END_REASON_NAMES.join(', ')}`;
  return {
    params: [
      r.community_id, r.source, r.vlan, r.proto, r.src_ip, r.src_port, r.dst_ip, r.dst_port, first, last,
      r.packets_c2s, r.bytes_c2s, r.packets_s2c, r.bytes_s2c, r.tcp_flags, r.state, r.end_reason, src, dst,
    ],
    span: last - first,
  };
}

/** A bad value that SQLite or the binding refuses: the row's fault, not the database's. */
function isRowError(error: unknown): boolean {
  if (error instanceof TypeError || error instanceof RangeError) return true;
  const code = sqliteCode(error);
  return code.startsWith('SQLITE_CONSTRAINT') || code === 'SQLITE_MISMATCH' || code === 'SQLITE_TOOBIG';
}

export interface RowSink {
  written: number;
  rejected: number;
  firstRejection: string | null;
}

/** The write statements of one connection. Call the insert methods inside a transaction. */
export class Writes {
  readonly #sample: Statement;
  readonly #rollup: Statement;
  readonly #flow: Statement;
  readonly #stats: Statement;
  readonly #setSpan: Statement;

  constructor(db: Database) {
    // Upserts add: a second delivered twice (or split across flushes) sums, as the rollup of its minute does.
    this.#sample = db.prepare(
      'INSERT INTO samples (ts, source, cls, packets, bytes) VALUES (?, ?, ?, ?, ?) ' +
        'ON CONFLICT (ts, source, cls) DO UPDATE SET packets = packets + excluded.packets, bytes = bytes + excluded.bytes',
    );
    this.#rollup = db.prepare(
      'INSERT INTO rollups (ts, source, cls, packets, bytes) VALUES (?, ?, ?, ?, ?) ' +
        'ON CONFLICT (ts, source, cls) DO UPDATE SET packets = packets + excluded.packets, bytes = bytes + excluded.bytes',
    );
    this.#flow = db.prepare(
      'INSERT INTO flows (community_id, source, vlan, proto, src_ip, src_port, dst_ip, dst_port, first_ns, last_ns, ' +
        'packets_c2s, bytes_c2s, packets_s2c, bytes_s2c, tcp_flags, state, end_reason, src_addr, dst_addr) ' +
        'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.#stats = db.prepare(
      'INSERT OR REPLACE INTO source_stats (ts, source, name, packets, bytes, kernel_drops, if_drops, ring_drops) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    // One statement per batch (not per row) keeps the longest record span, which bounds flow range queries.
    this.#setSpan = db.prepare("UPDATE meta SET value = @span WHERE key = 'flow_max_span_ns' AND value < @span");
  }

  #reject(sink: RowSink, reason: string): void {
    sink.rejected++;
    sink.firstRejection ??= reason;
  }

  #run(sink: RowSink, run: () => void): boolean {
    try {
      run();
      return true;
    } catch (error) {
      if (!isRowError(error)) throw error;
      this.#reject(sink, error instanceof Error ? error.message : String(error));
      return false;
    }
  }

  samples(rows: readonly SampleRow[], sink: RowSink): void {
    for (const r of rows) {
      const bad = checkSample(r);
      if (bad) {
        this.#reject(sink, bad);
        continue;
      }
      const ok = this.#run(sink, () => {
        this.#sample.run(r.ts, r.source, r.cls, r.packets, r.bytes);
        this.#rollup.run(r.ts - (r.ts % 60), r.source, r.cls, r.packets, r.bytes);
      });
      if (ok) sink.written++;
    }
  }

  flows(records: readonly FlowRecord[], sink: RowSink): void {
    let span = -1n;
    for (const r of records) {
      const p = flowParams(r);
      if (typeof p === 'string') {
        this.#reject(sink, p);
        continue;
      }
      if (this.#run(sink, () => this.#flow.run(p.params))) {
        sink.written++;
        if (p.span > span) span = p.span;
      }
    }
    if (span >= 0n) this.#setSpan.run({ span });
  }

  sourceStats(rows: readonly SourceStatsRow[], sink: RowSink): void {
    for (const r of rows) {
      const bad = checkSourceStats(r);
      if (bad) {
        this.#reject(sink, bad);
        continue;
      }
      const ok = this.#run(sink, () => this.#stats.run(r.ts, r.source, r.name, r.packets, r.bytes, r.kernel_drops, r.if_drops, r.ring_drops));
      if (ok) sink.written++;
    }
  }
}

// The API's read queries as SQL text + parameters (so a test can EXPLAIN the
// exact statement) and the conversion of result rows. Every query is bounded by
// an index range: samples/rollups by their (ts, ...) primary key, flows by
// last_ns or by the 16-byte address indexes.
import type { FlowRecord } from '../flows/records.js';
import { parseAddress, parseCidr } from './address.js';
import { CLASS_NAMES, type ClassName } from '../stats/classes.js';
import {
  type FlowQuery,
  type HistoryPoint,
  type HistoryQuery,
  type HistoryResult,
  type SourceStatsQuery,
  type TopTalkersQuery,
} from './types.js';

export interface Sql {
  sql: string;
  params: Record<string, unknown>;
}

const INT64_MAX = (1n << 63n) - 1n;
/** Largest unix second whose nanoseconds fit in int64 (year 2262). */
const MAX_SECONDS = 9_223_372_036;
/** Points per history series before an explicit step is refused. */
const MAX_POINTS = 100_000;
/** Points an automatic step aims at for ranges over an hour (a day of minutes). */
const AUTO_POINTS = 1440;
export const MAX_FLOW_LIMIT = 1000;

function checkRange(q: { from: unknown; to: unknown }): { from: number; to: number } {
  const { from, to } = q;
  if (typeof from !== 'number' || !Number.isFinite(from) || from < 0 || from > MAX_SECONDS) {
    throw new RangeError(`from must be unix seconds (0..${MAX_SECONDS}), got ${String(from)}`);
  }
  if (typeof to !== 'number' || !Number.isFinite(to) || to <= from || to > MAX_SECONDS) {
    throw new RangeError(`to must be unix seconds after from (≤ ${MAX_SECONDS}), got ${String(to)}`);
  }
  return { from, to };
}

function checkUint(name: string, v: unknown, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) throw new RangeError(`${name} must be an integer 0..${max}, got ${String(v)}`);
  return v;
}

/** Unix seconds (fractions to the microsecond) → int64 nanoseconds. */
export function secondsToNs(seconds: number): bigint {
  return BigInt(Math.round(seconds * 1e6)) * 1000n;
}

// ---------------------------------------------------------------- history

export interface HistoryPlan extends Sql {
  step: number;
  resolution: 'second' | 'minute';
  from: number;
  to: number;
}

/**
 * Chooses the table and step: raw seconds when the range is ≤ 1 h or a step
 * under 60 s is asked for, per-minute rollups otherwise (steps then round up
 * to whole minutes), and rollups whenever the range reaches back past the
 * samples retention boundary (those seconds may already be deleted).
 */
export function planHistory(q: HistoryQuery, samplesHours: number, nowSeconds: number): HistoryPlan {
  const range = checkRange(q);
  const span = range.to - range.from;
  let step: number;
  if (q.step === undefined) {
    step = span <= 3600 ? 1 : 60 * Math.ceil(span / 60 / AUTO_POINTS);
  } else {
    step = checkUint('step', q.step, 366 * 86400);
    if (step === 0) throw new RangeError('step must be at least 1 second');
  }
  const samplesFrom = nowSeconds - samplesHours * 3600;
  let resolution: 'second' | 'minute' = step < 60 && range.from >= samplesFrom ? 'second' : 'minute';
  if (resolution === 'minute') step = Math.max(60, 60 * Math.ceil(step / 60));
  const from = Math.floor(range.from / step) * step;
  const to = Math.ceil(range.to / step) * step;
  if ((to - from) / step > MAX_POINTS) throw new RangeError(`step ${step} s gives more than ${MAX_POINTS} points for this range; use a larger step`);

  const params: Record<string, unknown> = { step, from, to };
  let where = 'ts >= @from AND ts < @to';
  if (q.source !== undefined) {
    params.source = checkUint('source', q.source, 65535);
    where += ' AND source = @source';
  }
  if (q.cls !== undefined) {
    if (!(CLASS_NAMES as readonly string[]).includes(q.cls)) throw new RangeError(`cls must be one of ${CLASS_NAMES.join(', ')}`);
    params.cls = q.cls;
    where += ' AND cls = @cls';
  }
  const table = resolution === 'second' ? 'samples' : 'rollups';
  const sql =
    `SELECT ts - ts % @step AS bucket, cls, sum(packets) AS packets, sum(bytes) AS bytes FROM ${table} ` +
    `WHERE ${where} GROUP BY bucket, cls ORDER BY bucket`;
  return { sql, params, step, resolution, from, to };
}

export function historyResult(plan: HistoryPlan, rows: Array<{ bucket: number; cls: ClassName; packets: number; bytes: number }>): HistoryResult {
  const series: Partial<Record<ClassName, HistoryPoint[]>> = {};
  for (const r of rows) {
    const point = { ts: r.bucket, packets: r.packets, bytes: r.bytes, pps: r.packets / plan.step, bps: (r.bytes * 8) / plan.step };
    (series[r.cls] ??= []).push(point);
  }
  return { from: plan.from, to: plan.to, step: plan.step, resolution: plan.resolution, series };
}

// ---------------------------------------------------------------- flows

const FLOW_COLUMNS =
  'id, community_id, source, vlan, proto, src_ip, src_port, dst_ip, dst_port, first_ns, last_ns, ' +
  'packets_c2s, bytes_c2s, packets_s2c, bytes_s2c, tcp_flags, state, end_reason';

/**
 * Records whose [first_ns, last_ns] overlaps [from, to). No record spans more
 * than meta.flow_max_span_ns, so last_ns < to + max span: the last_ns range is
 * bounded on both sides and never runs to the end of the table.
 */
function flowRangeWhere(from: number, to: number, maxSpanNs: bigint, params: Record<string, unknown>): string {
  const fromNs = secondsToNs(from);
  const toNs = secondsToNs(to);
  let untilNs = toNs + maxSpanNs;
  if (untilNs > INT64_MAX) untilNs = INT64_MAX;
  params.from_ns = fromNs;
  params.to_ns = toNs;
  params.until_ns = untilNs;
  return 'last_ns >= @from_ns AND last_ns <= @until_ns AND first_ns < @to_ns';
}

function encodeCursor(lastNs: bigint, id: bigint): string {
  return Buffer.from(`${lastNs}.${id}`).toString('base64url');
}

function decodeCursor(cursor: string): { lastNs: bigint; id: bigint } {
  const text = typeof cursor === 'string' && cursor.length <= 64 ? Buffer.from(cursor, 'base64url').toString() : '';
  const m = /^(\d{1,19})\.(\d{1,19})$/.exec(text);
  if (!m) throw new RangeError('cursor is not a next_cursor returned by a previous page');
  return { lastNs: BigInt(m[1]!), id: BigInt(m[2]!) };
}

export interface FlowsPlan extends Sql {
  limit: number;
}

export function planFlows(q: FlowQuery, maxSpanNs: bigint): FlowsPlan {
  const { from, to } = checkRange(q);
  const limit = q.limit === undefined ? 100 : checkUint('limit', q.limit, MAX_FLOW_LIMIT);
  if (limit === 0) throw new RangeError(`limit must be 1..${MAX_FLOW_LIMIT}`);
  const order = q.order ?? 'desc';
  if (order !== 'asc' && order !== 'desc') throw new RangeError("order must be 'asc' or 'desc'");
  const params: Record<string, unknown> = {};
  const where = [flowRangeWhere(from, to, maxSpanNs, params)];
  if (q.ip !== undefined) {
    const addr = parseAddress(q.ip);
    if (!addr) throw new RangeError(`ip must be an IPv4 or IPv6 address, got ${JSON.stringify(q.ip)}`);
    params.ip = addr;
    where.push('(src_addr = @ip OR dst_addr = @ip)');
  }
  if (q.cidr !== undefined) {
    const range = parseCidr(q.cidr);
    if (!range) throw new RangeError(`cidr must be an address/prefix such as 10.0.0.0/8 or 2001:db8::/32, got ${JSON.stringify(q.cidr)}`);
    params.lo = range.lo;
    params.hi = range.hi;
    where.push('(src_addr BETWEEN @lo AND @hi OR dst_addr BETWEEN @lo AND @hi)');
  }
  if (q.port !== undefined) {
    params.port = checkUint('port', q.port, 65535);
    where.push('(src_port = @port OR dst_port = @port)');
  }
  if (q.proto !== undefined) {
    params.proto = checkUint('proto', q.proto, 255);
    where.push('proto = @proto');
  }
  if (q.minBytes !== undefined) {
    params.min_bytes = checkUint('minBytes', q.minBytes, Number.MAX_SAFE_INTEGER);
    where.push('bytes_c2s + bytes_s2c >= @min_bytes');
  }
  if (q.source !== undefined) {
    params.source = checkUint('source', q.source, 65535);
    where.push('source = @source');
  }
  if (q.cursor !== undefined && q.cursor !== null) {
    const c = decodeCursor(q.cursor);
    params.c_ns = c.lastNs;
    params.c_id = c.id;
    // keyset: strictly after the previous page's last (last_ns, id) in this order
    where.push(order === 'desc' ? '(last_ns, id) < (@c_ns, @c_id)' : '(last_ns, id) > (@c_ns, @c_id)');
  }
  params.limit = limit + 1; // one extra row says whether there is a next page
  const dir = order === 'desc' ? 'DESC' : 'ASC';
  const sql = `SELECT ${FLOW_COLUMNS} FROM flows WHERE ${where.join(' AND ')} ORDER BY last_ns ${dir}, id ${dir} LIMIT @limit`;
  return { sql, params, limit };
}

/** Row read with safeIntegers (every INTEGER a bigint). */
export interface FlowRow {
  id: bigint;
  community_id: string;
  source: bigint;
  vlan: bigint;
  proto: bigint;
  src_ip: string;
  src_port: bigint;
  dst_ip: string;
  dst_port: bigint;
  first_ns: bigint;
  last_ns: bigint;
  packets_c2s: bigint;
  bytes_c2s: bigint;
  packets_s2c: bigint;
  bytes_s2c: bigint;
  tcp_flags: bigint;
  state: FlowRecord['state'];
  end_reason: FlowRecord['end_reason'];
}

/** Back to the record exactly as written: DESIGN §7 key order, ns as decimal strings. */
export function toFlowRecord(r: FlowRow): FlowRecord {
  return {
    community_id: r.community_id,
    source: Number(r.source),
    vlan: Number(r.vlan),
    proto: Number(r.proto),
    src_ip: r.src_ip,
    src_port: Number(r.src_port),
    dst_ip: r.dst_ip,
    dst_port: Number(r.dst_port),
    first_ns: r.first_ns.toString(),
    last_ns: r.last_ns.toString(),
    packets_c2s: Number(r.packets_c2s),
    bytes_c2s: Number(r.bytes_c2s),
    packets_s2c: Number(r.packets_s2c),
    bytes_s2c: Number(r.bytes_s2c),
    tcp_flags: Number(r.tcp_flags),
    state: r.state,
    end_reason: r.end_reason,
  };
}

export function flowsNextCursor(rows: FlowRow[], limit: number): string | null {
  if (rows.length <= limit) return null;
  const last = rows[limit - 1]!;
  return encodeCursor(last.last_ns, last.id);
}

// ---------------------------------------------------------------- top talkers

export function planTopTalkers(q: TopTalkersQuery, maxSpanNs: bigint): Sql {
  const { from, to } = checkRange(q);
  const params: Record<string, unknown> = {};
  let where = flowRangeWhere(from, to, maxSpanNs, params);
  if (q.source !== undefined) {
    params.source = checkUint('source', q.source, 65535);
    where += ' AND source = @source';
  }
  const limit = q.limit === undefined ? 10 : checkUint('limit', q.limit, MAX_FLOW_LIMIT);
  if (limit === 0) throw new RangeError(`limit must be 1..${MAX_FLOW_LIMIT}`);
  params.limit = limit;
  // Each record counts for both endpoints: the initiator sent c2s and received s2c, the responder the reverse.
  const sql =
    'SELECT ip, sum(sent) + sum(recv) AS bytes, sum(sent) AS bytes_sent, sum(recv) AS bytes_received, sum(pk) AS packets, count(*) AS flows FROM (' +
    `SELECT src_ip AS ip, bytes_c2s AS sent, bytes_s2c AS recv, packets_c2s + packets_s2c AS pk FROM flows WHERE ${where} ` +
    'UNION ALL ' +
    `SELECT dst_ip AS ip, bytes_s2c AS sent, bytes_c2s AS recv, packets_c2s + packets_s2c AS pk FROM flows WHERE ${where}` +
    ') GROUP BY ip ORDER BY bytes DESC, ip LIMIT @limit';
  return { sql, params };
}

// ---------------------------------------------------------------- source stats

export function planSourceStats(q: SourceStatsQuery): Sql {
  const { from, to } = checkRange(q);
  const params: Record<string, unknown> = { from: Math.floor(from), to: Math.ceil(to) };
  let where = 'ts >= @from AND ts < @to';
  if (q.source !== undefined) {
    params.source = checkUint('source', q.source, 65535);
    where += ' AND source = @source';
  }
  return {
    sql: `SELECT ts, source, name, packets, bytes, kernel_drops, if_drops, ring_drops FROM source_stats WHERE ${where} ORDER BY ts, source LIMIT 100000`,
    params,
  };
}

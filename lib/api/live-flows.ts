// Live flows for /api/flows: one copy of the open flows is fetched from the
// daemon (at most `scanLimit`, shared by concurrent requests) and kept until
// the next snapshot or `ttlMs`, whichever comes first; each sort order is
// computed once per copy. A request then filters and pages over the sorted
// copy: O(open flows) per request, never the whole table in a response.
//
// Paging is by offset or by cursor (keyset: the sort value and the flow key of
// the last row). Live flows change between pages — a flow whose bytes grow may
// move past the cursor — so pages of a live view are a best effort, as in any
// live table.
import { formatAddress } from '../capture/format.js';
import type { DaemonView } from '../daemon/view.js';
import type { FlowRecord, FlowState } from '../flows/records.js';
import { parseAddress, type AddressRange } from '../store/address.js';
import { ApiError } from './errors.js';

export const FLOW_SORTS = ['bytes', 'packets', 'rate', 'age'] as const;
export type FlowSort = (typeof FLOW_SORTS)[number];
export type SortOrder = 'asc' | 'desc';

/** A flow record plus totals the API adds (live and ended flows alike). */
export interface FlowView extends FlowRecord {
  bytes: number;
  packets: number;
  /** last - first, seconds. */
  duration_s: number;
  /** bytes × 8 / max(duration, 1 s): short flows are not shown as absurd rates. */
  bps: number;
}

export interface FlowFilter {
  /** Canonical text (as records spell addresses). */
  ip?: string;
  cidr?: AddressRange;
  port?: number;
  proto?: number;
  state?: FlowState;
  source?: number;
  minBytes?: number;
}

interface Item {
  view: FlowView;
  key: string;
  first: number;
  src?: Buffer | null;
  dst?: Buffer | null;
}

/** "1767225600123456789" → 1767225600.123456789 (to ~0.1 µs; exact integers would exceed 2^53). */
export function nsToSeconds(ns: string): number {
  return ns.length > 9 ? Number(ns.slice(0, -9)) + Number(ns.slice(-9)) / 1e9 : Number(ns) / 1e9;
}

export function flowView(r: FlowRecord): FlowView {
  const bytes = r.bytes_c2s + r.bytes_s2c;
  const duration = Math.max(0, nsToSeconds(r.last_ns) - nsToSeconds(r.first_ns));
  return {
    ...r,
    bytes,
    packets: r.packets_c2s + r.packets_s2c,
    duration_s: Math.round(duration * 1e6) / 1e6,
    bps: Math.round(((bytes * 8) / Math.max(duration, 1)) * 1000) / 1000,
  };
}

/** Canonical spelling of an address (as in flow records), or null. */
export function canonicalAddress(text: string): string | null {
  const bytes = parseAddress(text);
  return bytes ? formatAddress(bytes) : null;
}

function sortValue(item: Item, sort: FlowSort): number {
  switch (sort) {
    case 'bytes':
      return item.view.bytes;
    case 'packets':
      return item.view.packets;
    case 'rate':
      return item.view.bps;
    case 'age':
      return -item.first; // older = larger age
  }
}

interface Position {
  value: number;
  key: string;
}

function compare(a: Position, b: Position, dir: number): number {
  if (a.value !== b.value) return dir * (a.value - b.value);
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

export function encodeCursor(sort: FlowSort, order: SortOrder, at: Position): string {
  return Buffer.from(JSON.stringify([sort, order, at.value, at.key])).toString('base64url');
}

export function decodeCursor(cursor: string, sort: FlowSort, order: SortOrder): Position {
  let parsed: unknown;
  try {
    parsed = cursor.length <= 1024 ? JSON.parse(Buffer.from(cursor, 'base64url').toString()) : null;
  } catch {
    parsed = null;
  }
  if (!Array.isArray(parsed) || parsed.length !== 4 || typeof parsed[2] !== 'number' || typeof parsed[3] !== 'string') {
    throw new ApiError('invalid_query', 'cursor: not a next_cursor returned by a previous page');
  }
  if (parsed[0] !== sort || parsed[1] !== order) {
    throw new ApiError('invalid_query', `cursor: it belongs to sort=${String(parsed[0])}&order=${String(parsed[1])}; keep the same sort and order while paging`);
  }
  return { value: parsed[2], key: parsed[3] };
}

function matches(item: Item, f: FlowFilter): boolean {
  const r = item.view;
  if (f.source !== undefined && r.source !== f.source) return false;
  if (f.proto !== undefined && r.proto !== f.proto) return false;
  if (f.port !== undefined && r.src_port !== f.port && r.dst_port !== f.port) return false;
  if (f.state !== undefined && r.state !== f.state) return false;
  if (f.minBytes !== undefined && r.bytes < f.minBytes) return false;
  if (f.ip !== undefined && r.src_ip !== f.ip && r.dst_ip !== f.ip) return false;
  if (f.cidr !== undefined) {
    const { lo, hi } = f.cidr;
    const src = (item.src ??= parseAddress(r.src_ip));
    const dst = (item.dst ??= parseAddress(r.dst_ip));
    const inside = (a: Buffer | null) => a !== null && a.compare(lo) >= 0 && a.compare(hi) <= 0;
    if (!inside(src) && !inside(dst)) return false;
  }
  return true;
}

export interface LivePageQuery {
  filter: FlowFilter;
  sort: FlowSort;
  order: SortOrder;
  limit: number;
  offset?: number;
  cursor?: string;
}

export interface LivePage {
  flows: FlowView[];
  /** Flows matching the filters (before paging). */
  total: number;
  offset: number | null;
  next_cursor: string | null;
  /** True when more flows were open than the API scans (scanLimit). */
  truncated: boolean;
}

interface Copy {
  items: Item[];
  truncated: boolean;
  fetchedAt: number;
  sorted: Map<string, Item[]>;
}

export interface LiveFlowsOptions {
  /** Open flows fetched per copy. Default 100 000. */
  scanLimit?: number;
  /** A copy is reused for at most this long, ms (and never past the next snapshot). Default 1000. */
  ttlMs?: number;
}

export class LiveFlows {
  readonly #view: DaemonView;
  readonly #scanLimit: number;
  readonly #ttlMs: number;
  #copy: Copy | null = null;
  #pending: Promise<Copy> | null = null;
  readonly #onSnapshot = () => {
    this.#copy = null;
  };

  constructor(view: DaemonView, options: LiveFlowsOptions = {}) {
    this.#view = view;
    this.#scanLimit = options.scanLimit ?? 100_000;
    this.#ttlMs = options.ttlMs ?? 1000;
    if (!Number.isInteger(this.#scanLimit) || this.#scanLimit < 1) throw new RangeError(`liveFlows.scanLimit: expected an integer ≥ 1, got ${String(options.scanLimit)}`);
    view.on('snapshot', this.#onSnapshot);
  }

  close(): void {
    this.#view.off('snapshot', this.#onSnapshot);
    this.#copy = null;
  }

  async page(q: LivePageQuery): Promise<LivePage> {
    const copy = await this.#current();
    const sorted = this.#sorted(copy, q.sort, q.order);
    const dir = q.order === 'desc' ? -1 : 1;
    let start = 0;
    if (q.cursor !== undefined) {
      const at = decodeCursor(q.cursor, q.sort, q.order);
      // first index strictly after the cursor position
      let lo = 0;
      let hi = sorted.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        const it = sorted[mid]!;
        if (compare({ value: sortValue(it, q.sort), key: it.key }, at, dir) <= 0) lo = mid + 1;
        else hi = mid;
      }
      start = lo;
    }
    const skip = q.offset ?? 0;
    const page: Item[] = [];
    let total = 0;
    let more = false;
    const unfiltered = Object.values(q.filter).every((v) => v === undefined);
    if (unfiltered) {
      total = sorted.length;
      const from = q.cursor !== undefined ? start : skip;
      page.push(...sorted.slice(from, from + q.limit));
      more = from + q.limit < sorted.length;
    } else {
      let seen = 0; // matches at or after `start`
      for (let i = 0; i < sorted.length; i++) {
        const it = sorted[i]!;
        if (!matches(it, q.filter)) continue;
        total++;
        if (i < start) continue;
        if (seen >= skip && page.length < q.limit) page.push(it);
        else if (page.length >= q.limit) more = true;
        seen++;
      }
    }
    const last = page[page.length - 1];
    return {
      flows: page.map((it) => it.view),
      total,
      offset: q.cursor !== undefined ? null : skip,
      next_cursor: more && last ? encodeCursor(q.sort, q.order, { value: sortValue(last, q.sort), key: last.key }) : null,
      truncated: copy.truncated,
    };
  }

  #sorted(copy: Copy, sort: FlowSort, order: SortOrder): Item[] {
    const id = `${sort}:${order}`;
    let s = copy.sorted.get(id);
    if (!s) {
      const dir = order === 'desc' ? -1 : 1;
      const keyed = copy.items.map((it) => ({ it, value: sortValue(it, sort), key: it.key }));
      keyed.sort((a, b) => compare(a, b, dir));
      s = keyed.map((k) => k.it);
      copy.sorted.set(id, s);
    }
    return s;
  }

  async #current(): Promise<Copy> {
    const c = this.#copy;
    if (c && performance.now() - c.fetchedAt < this.#ttlMs) return c;
    this.#pending ??= this.#fetch().finally(() => {
      this.#pending = null;
    });
    return this.#pending;
  }

  async #fetch(): Promise<Copy> {
    const records = await this.#view.liveFlows({ limit: this.#scanLimit });
    const items = records.map((r) => ({
      view: flowView(r),
      key: `${r.source}|${r.vlan}|${r.proto}|${r.src_ip}|${r.src_port}|${r.dst_ip}|${r.dst_port}`,
      first: nsToSeconds(r.first_ns),
    }));
    const copy: Copy = { items, truncated: records.length >= this.#scanLimit, fetchedAt: performance.now(), sorted: new Map() };
    if (this.#ttlMs > 0) this.#copy = copy;
    return copy;
  }
}

// Rolling windows (DESIGN §6): per-second buckets per (source, class), packets
// and bytes over each configured window, and top talkers (hosts and flows by
// bytes) with bounded memory.
//
// Time. A packet counts in the second floor(its timestamp). One second is open
// (being filled); windows cover CLOSED seconds only, so the 1 s window is the
// last complete second and a window of w seconds is [open - w, open - 1]. A
// packet from a later second closes every second before it; `advance(now)` does
// the same from a clock (packet time for replays, wall time for live sources, so
// windows decay when the wire goes quiet). A packet older than the open second
// (reordered capture) counts in the open second: never dropped. Idle seconds
// count as zero; a jump forward by more than the longest window clears it all.
// rate = total over the window ÷ its length, whatever part of it had traffic.
//
// Memory. Counters: one ring of `longest window` per-second buckets × sources
// seen × 6 classes × (packets, bytes), plus the open second. Source ids are
// mapped to dense indices in order of appearance, so arrays grow with the number
// of sources, not the highest id. Top talkers: per open second one SpaceSaving
// table of hosts (key: the 16 address bytes) and one of flows (key: source,
// VLAN, protocol and both endpoints in canonical order, probed from the parser's
// flow hash), each capped; when a second closes its heaviest `keep` entries go
// to a CandidateRing (keep = min(cap, CANDIDATE_BUDGET / longest window)), and
// a window's top N merges its seconds' candidates. See candidates.ts and
// space-saving.ts for the exactness guarantee; every entry reports `error`.
//
// Per packet (ingest) only typed arrays are touched: no objects, strings, Maps
// or closures. Objects appear once per closed second (onSecond rows) and in
// snapshot(), which is computed once per closed second and cached.
//
// Top talkers fed by a flow table (Pipeline). ingest() adds every packet to the
// top-talker tables. A Pipeline instead counts with countRun() and lets its
// FlowTable sum each flow's packets per second: before a second closes,
// `beforeClose` asks it to hand over those sums (addFlowSecond: the flow and
// both its hosts, once per flow and second), and rows that belong to no flow
// come one by one (addRowWithoutFlow). Same keys, same seconds, same guarantee
// (weighted Space-Saving), but one table update per flow and second instead of
// per packet: where flows carry several packets a second, most of the cost.
import type { Batch } from '../capture/batch.js';
import { formatAddress } from '../capture/format.js';
import { FRAG, L3, LAYER } from '../capture/layout.js';
import { CandidateRing, type TopEntries } from './candidates.js';
import { CLASS_COUNT, CLASS_NAMES, CLS, type ClassName } from './classes.js';
import { FLOW_WORDS, HOST_WORDS, SpaceSaving } from './space-saving.js';

export interface SampleRow {
  /** The (closed) second, unix. */
  ts: number;
  source: number;
  cls: ClassName;
  packets: number;
  bytes: number;
}

export interface Rate {
  packets: number;
  bytes: number;
  /** packets ÷ window length. */
  pps: number;
  /** Bits per second: bytes × 8 ÷ window length. */
  bps: number;
}

/** A host by bytes sent + received (each packet counts for both its addresses, once if they are equal). */
export interface TopHost {
  ip: string;
  bytes: number;
  packets: number;
  /** The true bytes lie within ±error of `bytes`; 0 = exact (see candidates.ts). */
  error: number;
}

/**
 * A flow by bytes in both directions. Endpoints in canonical order: `a` is the
 * endpoint with the lower address (16 bytes in network order, IPv4 as
 * v4-mapped), then the lower port. ICMP has ports 0 (all ICMP between two hosts
 * is one entry), as have other protocols without ports. Keyed like FlowTable's flows: the
 * same 5-tuple from two sources or on two VLANs is two entries.
 */
export interface TopFlow {
  source: number;
  vlan: number;
  proto: number;
  a_ip: string;
  a_port: number;
  b_ip: string;
  b_port: number;
  bytes: number;
  packets: number;
  /** The true bytes lie within ±error of `bytes`; 0 = exact. */
  error: number;
}

export interface WindowStats extends Rate {
  /** Window length, seconds. */
  window: number;
  classes: Record<ClassName, Rate>;
  /** Every source seen so far, by source id. */
  sources: Array<{ source: number } & Rate>;
  top_hosts: TopHost[];
  top_flows: TopFlow[];
}

export interface StatsSnapshot {
  /** Unix second just after the last closed second (= the open second); 0 before any time was seen. */
  time: number;
  /** One entry per configured window, in configuration order. */
  windows: WindowStats[];
}

export interface WindowsOptions {
  /** Window lengths in seconds: unique integers 1..3600. Default [1, 10, 60]. */
  windows?: number[];
  /** Entries in each top list, 1..1000. Default 10. */
  topN?: number;
  /**
   * Top-talker bound k for hosts, 1..2^20. Default 4096. Counts are exact while
   * no second has more than k distinct hosts; beyond that every host with more
   * than 1/(k+1) of a second's bytes is still kept (see space-saving.ts).
   * Memory: 2k entries for the open second, k per second of the longest window
   * (fewer when CANDIDATE_BUDGET / longest window is smaller).
   */
  maxHostsPerSecond?: number;
  /** The same bound for flows. Default 4096. */
  maxFlowsPerSecond?: number;
  /**
   * Called once per closed second (within the longest window of the previous
   * one; a longer jump skips the empty seconds) with its rows for the (source,
   * class) pairs that had packets, maybe none, and the second itself.
   */
  onSecond?: (rows: SampleRow[], second: number) => void;
  /** Mixed into table slots so crafted addresses cannot target them; fixed by tests. */
  hashSeed?: number;
}

export const DEFAULT_WINDOWS: readonly number[] = [1, 10, 60];
export const DEFAULT_TOP_N = 10;
export const DEFAULT_MAX_PER_SECOND = 4096;
export const MAX_WINDOW = 3600;
/**
 * Candidate entries kept over the whole ring, per kind (hosts, flows): ~11 MB of
 * hosts and ~19 MB of flows when every second is saturated. With the default
 * windows (longest 60 s) all 4096 entries of every second fit.
 */
export const CANDIDATE_BUDGET = 2 ** 18;

/** Latest second accepted as a time (any later packet time counts as late). */
const MAX_SEC = Number.MAX_SAFE_INTEGER;
/** Counters per (source, class): packets, bytes. */
const PER_SOURCE = CLASS_COUNT * 2;
const IP_TCP = 6;
const IP_UDP = 17;
const IP_ICMP = 1;
const IP_ICMPV6 = 58;
/**
 * Hashes are cut to 30 bits: V8 keeps such integers unboxed (Smi) when they
 * cross a call, 32-bit ones get a heap allocation per call.
 */
const HASH_MASK = 0x3fffffff;
const IP_BITS = LAYER.ipv4 | LAYER.ipv6;

export class Windows {
  readonly topN: number;
  readonly maxHostsPerSecond: number;
  readonly maxFlowsPerSecond: number;
  onSecond: ((rows: SampleRow[], second: number) => void) | null;

  #windows: number[];
  /** Ring length in seconds = the longest window. */
  #ring: number;
  /** The open second, -1 before any packet or advance(). */
  #open = -1;

  // sources: dense index by id, ids by dense index, ascending-id order of dense indices
  readonly #dense = new Int32Array(65536).fill(-1);
  #ids: number[] = [];
  #order: number[] = [];
  #sourceCap = 4;
  /** The open second: [dense source][class][packets, bytes]. */
  #cur: Float64Array;
  /** Closed seconds: [second % ring][dense source][class][packets, bytes]. */
  #buckets: Float64Array;

  readonly #hosts: SpaceSaving;
  readonly #flows: SpaceSaving;
  #hostRing: CandidateRing;
  #flowRing: CandidateRing;
  readonly #hostSeed: number;
  #cache: StatsSnapshot | null = null;
  /** Called before the open second closes, while its top-talker tables still take adds (see the header). */
  beforeClose: (() => void) | null = null;

  constructor(options: WindowsOptions = {}) {
    const windows = checkWindows(options.windows ?? [...DEFAULT_WINDOWS]);
    this.topN = checkInt('topN', options.topN ?? DEFAULT_TOP_N, 1, 1000);
    this.maxHostsPerSecond = checkInt('maxHostsPerSecond', options.maxHostsPerSecond ?? DEFAULT_MAX_PER_SECOND, 1, 2 ** 20);
    this.maxFlowsPerSecond = checkInt('maxFlowsPerSecond', options.maxFlowsPerSecond ?? DEFAULT_MAX_PER_SECOND, 1, 2 ** 20);
    this.onSecond = options.onSecond ?? null;
    const seed = (options.hashSeed ?? Math.random() * 2 ** 32) >>> 0;
    this.#hostSeed = Math.imul(seed ^ 0x5bd1e995, 0x85ebca6b) & HASH_MASK;
    this.#hosts = new SpaceSaving(this.maxHostsPerSecond, HOST_WORDS, seed);
    this.#flows = new SpaceSaving(this.maxFlowsPerSecond, FLOW_WORDS, seed);
    this.#windows = windows;
    this.#ring = Math.max(...windows);
    this.#cur = new Float64Array(this.#sourceCap * PER_SOURCE);
    this.#buckets = new Float64Array(this.#ring * this.#sourceCap * PER_SOURCE);
    this.#hostRing = new CandidateRing(this.#ring, keepFor(this.maxHostsPerSecond, this.#ring), HOST_WORDS);
    this.#flowRing = new CandidateRing(this.#ring, keepFor(this.maxFlowsPerSecond, this.#ring), FLOW_WORDS);
  }

  /** The configured window lengths, in configuration order. */
  get windows(): readonly number[] {
    return this.#windows;
  }

  /** The open second (-1 before any packet or advance()). */
  get openSecond(): number {
    return this.#open;
  }

  /** Rows the top-talker tables could not take (crafted hash collisions past the probe limit). */
  get skipped(): { hosts: number; flows: number } {
    return { hosts: this.#hosts.skipped, flows: this.#flows.skipped };
  }

  /** Accounts every row of `batch` (a later second first closes the seconds before it). */
  ingest(batch: Batch): void {
    const rows = batch.rows;
    // Runs of rows that belong to the open second (or are late) go through three
    // small loops (counters, hosts, flows): small functions that V8 optimizes
    // and inlines better than one big loop. A row of a later second ends the
    // run and closes the seconds before it.
    let i = 0;
    while (i < rows) {
      const sec = batch.tsSec[i]!;
      if (sec >= this.#open + 1 && sec <= MAX_SEC) this.#closeUntil(Math.floor(sec));
      const end = this.#count(batch, i, rows);
      this.#addHosts(batch, i, end);
      this.#addFlows(batch, i, end);
      i = end;
    }
  }

  /**
   * Like ingest() for the rows from `from` up to the first row of a later
   * second, but without top talkers: the caller feeds them (see the header).
   * Returns where it stopped.
   */
  countRun(batch: Batch, from: number): number {
    const sec = batch.tsSec[from]!;
    if (sec >= this.#open + 1 && sec <= MAX_SEC) this.#closeUntil(Math.floor(sec));
    return this.#count(batch, from, batch.rows);
  }

  /**
   * Adds one flow's packets and bytes of the open second to the top flows
   * and to both its hosts. words[loOff..+3] and words[hiOff..+3] are its
   * endpoint addresses in canonical order (lower first) with the matching
   * ports; h is the parser's flow hash. ICMP is keyed without ports here.
   * hiFirst: the second's first packet came from hi; its host goes in first,
   * as ingest() would add it (ties in the top lists go to the first added).
   */
  addFlowSecond(
    h: number, words: Uint32Array, loOff: number, hiOff: number,
    loPort: number, hiPort: number, source: number, vlan: number, proto: number, bytes: number, packets: number, hiFirst: boolean,
  ): void {
    if (hiFirst) addHostPair(this.#hosts, this.#hostSeed, words, hiOff, words, loOff, bytes, packets);
    else addHostPair(this.#hosts, this.#hostSeed, words, loOff, words, hiOff, bytes, packets);
    if (proto === IP_ICMP || proto === IP_ICMPV6) loPort = hiPort = 0;
    this.#flows.addFlow(h & HASH_MASK, words, loOff, words, hiOff, loPort, hiPort, source, vlan, proto, bytes, packets);
  }

  /** Adds row i to the top talkers as ingest() would: for rows that belong to no flow (fragments, malformed headers). */
  addRowWithoutFlow(batch: Batch, i: number): void {
    this.#addHosts(batch, i, i + 1);
    this.#addFlows(batch, i, i + 1);
  }

  /** Counts rows from..(the first of a later second, or to) per (source, class); returns where it stopped. */
  #count(batch: Batch, from: number, to: number): number {
    const { tsSec, sourceId, layers, l3, ipProto, frag, wireLen } = batch;
    const dense = this.#dense;
    const open = this.#open;
    let cur = this.#cur;
    for (let i = from; i < to; i++) {
      const sec = tsSec[i]!;
      // A later second ends the run. (Written so that it matches ingest()'s test
      // for any value: fractions floor, NaN and times past MAX_SEC count as late.)
      if (sec >= open + 1 && sec <= MAX_SEC) return i;
      const sid = sourceId[i]!;
      let d = dense[sid]!;
      if (d < 0) {
        d = this.#addSource(sid);
        cur = this.#cur;
      }
      const wire = wireLen[i]!;
      const base = d * PER_SOURCE;
      const l3v = l3[i]!;
      let pc: number = CLS.other;
      if (l3v === L3.ipv4 || l3v === L3.ipv6) {
        const ic = l3v === L3.ipv4 ? CLS.ipv4 : CLS.ipv6;
        cur[base + ic * 2]++;
        cur[base + ic * 2 + 1] += wire;
        // The protocol field counts only if the IP header decoded; non-first
        // fragments carry no L4 header (see classes.ts).
        if ((layers[i]! & IP_BITS) !== 0 && (frag[i]! & (FRAG.fragment | FRAG.first)) !== FRAG.fragment) {
          const p = ipProto[i]!;
          pc = p === IP_TCP ? CLS.tcp : p === IP_UDP ? CLS.udp : p === IP_ICMP || p === IP_ICMPV6 ? CLS.icmp : CLS.other;
        }
      }
      cur[base + pc * 2]++;
      cur[base + pc * 2 + 1] += wire;
    }
    return to;
  }

  /** Each IP row counts for its source and its destination address (once if they are equal). */
  #addHosts(batch: Batch, from: number, to: number): void {
    const { layers, wireLen, srcAddr, dstAddr } = batch;
    const hosts = this.#hosts;
    const seed = this.#hostSeed;
    for (let i = from; i < to; i++) {
      if ((layers[i]! & IP_BITS) === 0) continue;
      addHostPair(hosts, seed, srcAddr, i * 4, dstAddr, i * 4, wireLen[i]!, 1);
    }
  }

  /** IP rows with their L4 header (not non-first fragments, not TCP/UDP whose header did not parse), as FlowTable keys them. */
  #addFlows(batch: Batch, from: number, to: number): void {
    const { sourceId, layers, ipProto, frag, wireLen, srcAddr, dstAddr, srcPort, dstPort, flowHash, vlan } = batch;
    const flows = this.#flows;
    for (let i = from; i < to; i++) {
      const lay = layers[i]!;
      if ((lay & IP_BITS) === 0 || (frag[i]! & (FRAG.fragment | FRAG.first)) === FRAG.fragment) continue;
      const p = ipProto[i]!;
      // Ports as the parser's flow hash takes them (ICMP: none), so equal keys hash equal.
      let sport = srcPort[i]!;
      let dport = dstPort[i]!;
      if (p === IP_TCP) {
        if ((lay & LAYER.tcp) === 0) continue; // ports of a header that did not parse are not trustworthy
      } else if (p === IP_UDP) {
        if ((lay & LAYER.udp) === 0) continue;
      } else if (p === IP_ICMP || p === IP_ICMPV6) {
        sport = dport = 0;
      }
      const so = i * 4;
      // Canonical order on the stored words (any total order works for a key).
      let c = srcAddr[so]! - dstAddr[so]!;
      if (c === 0) {
        c = srcAddr[so + 1]! - dstAddr[so + 1]!;
        if (c === 0) {
          c = srcAddr[so + 2]! - dstAddr[so + 2]!;
          if (c === 0) {
            c = srcAddr[so + 3]! - dstAddr[so + 3]!;
            if (c === 0) c = sport - dport;
          }
        }
      }
      const h = flowHash[i]! & HASH_MASK;
      if (c <= 0) flows.addFlow(h, srcAddr, so, dstAddr, so, sport, dport, sourceId[i]!, vlan[i]!, p, wireLen[i]!, 1);
      else flows.addFlow(h, dstAddr, so, srcAddr, so, dport, sport, sourceId[i]!, vlan[i]!, p, wireLen[i]!, 1);
    }
  }

  /** Closes every second before floor(nowSec). */
  advance(nowSec: number): void {
    if (typeof nowSec !== 'number' || !(nowSec >= 0 && nowSec <= MAX_SEC)) {
      throw new RangeError(`nowSec: expected a finite number of unix seconds ≥ 0, got ${String(nowSec)}`);
    }
    this.#closeUntil(Math.floor(nowSec));
  }

  /** Rates and top talkers of every window (plain data, frozen, shared until the next second closes). */
  snapshot(): StatsSnapshot {
    if (this.#cache) return this.#cache;
    const open = this.#open;
    const snap: StatsSnapshot = { time: open < 0 ? 0 : open, windows: this.#windows.map((w) => this.#window(w)) };
    this.#cache = deepFreeze(snap);
    return snap;
  }

  /** Changes the windows live (config reload); closed seconds within the new longest window are kept. */
  setWindows(windows: number[]): void {
    const next = checkWindows(windows);
    const ring = Math.max(...next);
    this.#windows = next;
    this.#cache = null;
    if (ring === this.#ring) return;
    const old = this.#ring;
    const stride = this.#sourceCap * PER_SOURCE;
    const buckets = new Float64Array(ring * stride);
    const hostRing = new CandidateRing(ring, keepFor(this.maxHostsPerSecond, ring), HOST_WORDS);
    const flowRing = new CandidateRing(ring, keepFor(this.maxFlowsPerSecond, ring), FLOW_WORDS);
    if (this.#open >= 0) {
      for (let s = this.#open - Math.min(old, ring); s < this.#open; s++) {
        if (s < 0) continue;
        buckets.set(this.#buckets.subarray((s % old) * stride, (s % old + 1) * stride), (s % ring) * stride);
        hostRing.copyFrom(this.#hostRing, s % old, s % ring);
        flowRing.copyFrom(this.#flowRing, s % old, s % ring);
      }
    }
    this.#ring = ring;
    this.#buckets = buckets;
    this.#hostRing = hostRing;
    this.#flowRing = flowRing;
  }

  // ── closing seconds ──

  /** Makes `target` the open second, closing the ones before it. */
  #closeUntil(target: number): void {
    const open = this.#open;
    if (target <= open) return;
    if (open < 0) {
      this.#open = target; // the first second seen: nothing to close
      return;
    }
    this.#cache = null;
    this.#closeOpen(target);
    const last = target - 1;
    if (last - open >= this.#ring) {
      // Every window now lies in the idle gap: just clear.
      this.#buckets.fill(0);
      this.#hostRing.clearAll();
      this.#flowRing.clearAll();
      this.#open = target;
      this.#cache = null;
      return;
    }
    const stride = this.#sourceCap * PER_SOURCE;
    for (let s = open + 1; s <= last; s++) {
      const slot = s % this.#ring;
      this.#buckets.fill(0, slot * stride, (slot + 1) * stride);
      this.#hostRing.clear(slot);
      this.#flowRing.clear(slot);
      this.#open = s + 1;
      this.#cache = null;
      this.onSecond?.([], s);
    }
    this.#open = target;
    this.#cache = null;
  }

  /** Moves the open second into the ring and emits its rows. */
  #closeOpen(next: number): void {
    this.beforeClose?.();
    const sec = this.#open;
    const slot = sec % this.#ring;
    const stride = this.#sourceCap * PER_SOURCE;
    const cur = this.#cur;
    this.#buckets.set(cur, slot * stride);
    this.#hostRing.store(slot, this.#hosts);
    this.#flowRing.store(slot, this.#flows);
    this.#hosts.reset();
    this.#flows.reset();
    const rows: SampleRow[] = [];
    if (this.onSecond) {
      for (const d of this.#order) {
        for (let c = 0; c < CLASS_COUNT; c++) {
          const packets = cur[d * PER_SOURCE + c * 2]!;
          if (packets > 0) rows.push({ ts: sec, source: this.#ids[d]!, cls: CLASS_NAMES[c]!, packets, bytes: cur[d * PER_SOURCE + c * 2 + 1]! });
        }
      }
    }
    cur.fill(0);
    // The callback sees the state after the close (its second is in the windows).
    this.#open = Math.min(next, sec + 1);
    this.#cache = null;
    if (this.onSecond) this.onSecond(rows, sec);
  }

  #addSource(sid: number): number {
    const d = this.#ids.length;
    if (d === this.#sourceCap) {
      // Re-lay the counters for twice the sources (rare: once per doubling).
      const oldStride = this.#sourceCap * PER_SOURCE;
      this.#sourceCap *= 2;
      const stride = this.#sourceCap * PER_SOURCE;
      const cur = new Float64Array(stride);
      cur.set(this.#cur);
      const buckets = new Float64Array(this.#ring * stride);
      for (let slot = 0; slot < this.#ring; slot++) {
        buckets.set(this.#buckets.subarray(slot * oldStride, (slot + 1) * oldStride), slot * stride);
      }
      this.#cur = cur;
      this.#buckets = buckets;
    }
    this.#dense[sid] = d;
    this.#ids.push(sid);
    this.#order = this.#ids.map((_, k) => k).sort((a, b) => this.#ids[a]! - this.#ids[b]!);
    this.#cache = null;
    return d;
  }



  // ── snapshot ──

  #window(w: number): WindowStats {
    const stride = this.#sourceCap * PER_SOURCE;
    const sums = new Float64Array(stride);
    const open = this.#open;
    if (open >= 0) {
      for (let s = Math.max(0, open - w); s < open; s++) {
        const b = (s % this.#ring) * stride;
        for (let k = 0; k < stride; k++) sums[k] += this.#buckets[b + k]!;
      }
    }
    const classTotals = new Float64Array(PER_SOURCE);
    const sources = this.#order.map((d) => {
      let packets = 0;
      let bytes = 0;
      for (let c = 0; c < CLASS_COUNT; c++) {
        classTotals[c * 2] += sums[d * PER_SOURCE + c * 2]!;
        classTotals[c * 2 + 1] += sums[d * PER_SOURCE + c * 2 + 1]!;
        if (c >= CLS.tcp) {
          packets += sums[d * PER_SOURCE + c * 2]!;
          bytes += sums[d * PER_SOURCE + c * 2 + 1]!;
        }
      }
      return { source: this.#ids[d]!, ...rate(packets, bytes, w) };
    });
    const classes = {} as Record<ClassName, Rate>;
    let packets = 0;
    let bytes = 0;
    CLASS_NAMES.forEach((name, c) => {
      classes[name] = rate(classTotals[c * 2]!, classTotals[c * 2 + 1]!, w);
      if (c >= CLS.tcp) {
        packets += classTotals[c * 2]!;
        bytes += classTotals[c * 2 + 1]!;
      }
    });
    const first = Math.max(0, open - w);
    const length = open < 0 ? 0 : open - first;
    return {
      window: w,
      ...rate(packets, bytes, w),
      classes,
      sources,
      top_hosts: topHosts(this.#hostRing.top(first, length, this.topN)),
      top_flows: topFlows(this.#flowRing.top(first, length, this.topN)),
    };
  }
}

/** Candidates kept per second for a ring of `ring` seconds. */
function keepFor(cap: number, ring: number): number {
  return Math.max(1, Math.min(cap, Math.floor(CANDIDATE_BUDGET / ring)));
}

/** Adds the traffic to host a[ao..ao+3] first, then to host b[bo..bo+3] unless it is the same address. */
function addHostPair(
  hosts: SpaceSaving, seed: number, a: Uint32Array, ao: number, b: Uint32Array, bo: number, bytes: number, packets: number,
): void {
  const ha = hostHash(a, ao, seed);
  const hb = hostHash(b, bo, seed);
  hosts.addHost(ha, a, ao, bytes, packets);
  if (ha !== hb || a[ao] !== b[bo] || a[ao + 1] !== b[bo + 1] || a[ao + 2] !== b[bo + 2] || a[ao + 3] !== b[bo + 3]) {
    hosts.addHost(hb, b, bo, bytes, packets);
  }
}

/**
 * Seeded hash of the 4 address words at a[o..o+3]: multiply-rotate rounds and
 * murmur3's finalizer. 30 bits, so the value stays a small integer (no boxing
 * when it is passed to a call that is not inlined).
 */
function hostHash(a: Uint32Array, o: number, seed: number): number {
  let h = seed ^ Math.imul(a[o]!, 0xcc9e2d51);
  h = Math.imul((h << 13) | (h >>> 19), 5) ^ Math.imul(a[o + 1]!, 0x1b873593);
  h = Math.imul((h << 13) | (h >>> 19), 5) ^ Math.imul(a[o + 2]!, 0xcc9e2d51);
  h = Math.imul((h << 13) | (h >>> 19), 5) ^ Math.imul(a[o + 3]!, 0x1b873593);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h & HASH_MASK;
}

function rate(packets: number, bytes: number, w: number): Rate {
  return { packets, bytes, pps: packets / w, bps: (bytes * 8) / w };
}

function topHosts(t: TopEntries): TopHost[] {
  const bytes = new Uint8Array(t.keys.buffer);
  const out: TopHost[] = [];
  for (let i = 0; i < t.n; i++) out.push({ ip: formatAddress(bytes, i * 16), bytes: t.bytes[i]!, packets: t.packets[i]!, error: t.error[i]! });
  return out;
}

function topFlows(t: TopEntries): TopFlow[] {
  const bytes = new Uint8Array(t.keys.buffer);
  const out: TopFlow[] = [];
  for (let i = 0; i < t.n; i++) {
    const k = i * FLOW_WORDS;
    const lo = k * 4;
    const hi = lo + 16;
    const ports = t.keys[k + 8]!;
    const meta = t.keys[k + 9]!;
    // Documented order: lower address (network byte order), then lower port.
    let c = 0;
    for (let b = 0; b < 16 && c === 0; b++) c = bytes[lo + b]! - bytes[hi + b]!;
    if (c === 0) c = (ports >>> 16) - (ports & 0xffff);
    const [aOff, aPort, bOff, bPort] = c <= 0 ? [lo, ports >>> 16, hi, ports & 0xffff] : [hi, ports & 0xffff, lo, ports >>> 16];
    out.push({
      source: meta >>> 16,
      vlan: meta & 0xffff,
      proto: t.keys[k + 10]!,
      a_ip: formatAddress(bytes, aOff),
      a_port: aPort,
      b_ip: formatAddress(bytes, bOff),
      b_port: bPort,
      bytes: t.bytes[i]!,
      packets: t.packets[i]!,
      error: t.error[i]!,
    });
  }
  return out;
}

function checkInt(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name}: expected an integer from ${min} to ${max}, got ${String(value)}`);
  }
  return value;
}

function checkWindows(windows: unknown): number[] {
  if (!Array.isArray(windows) || windows.length === 0) {
    throw new RangeError(`windows: expected a non-empty array of seconds, got ${String(windows)}`);
  }
  const out = windows.map((w, i) => checkInt(`windows[${i}]`, w, 1, MAX_WINDOW));
  if (new Set(out).size !== out.length) throw new RangeError(`windows: expected unique lengths, got [${out.join(', ')}]`);
  return out;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

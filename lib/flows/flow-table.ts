// Bidirectional flow table (DESIGN §6). The per-packet work runs in the
// addon's FlowCore (native/flows/flow_core.hpp), called once per run of rows:
// in JavaScript it took ~60 % of the pipeline thread in a 1 M-flow replay, and
// compiled, with prefetching, it takes half as long (bench/RESULTS.md §4,
// session 7). This class owns the API, validation,
// records and snapshots, and reads the core's memory through typed views.
// Objects appear only when a record is emitted (flow end, active report) or a
// snapshot is asked for.
//
// Memory: one pool of `maxFlows` fixed-size entries (STRIDE bytes), mapped once
// (untouched pages cost no RSS, so pre-sizing is free until used and growth
// never pauses the pipeline; huge pages when the kernel allows). Fresh ids are
// used in order, and a worker thread backs the pool with memory a little ahead
// of them, so creating flows never waits for the kernel to zero pages. Plus an
// index of 2^k ≥ 2·maxFlows Int32 slots (load ≤ 0.5) probed linearly from the
// parser's flow hash. Deletion is by backward shift, so there are no tombstones.
//
// Expiry: one doubly linked LRU list per timeout class. Within a class every
// flow has the same idle timeout, so the list head is always the next to
// expire and the least recently seen flow overall is one of the 7 heads.
//
// Records: the core copies each ended (or reported) flow's entry to a queue,
// only while someone listens (onRecord), and this class builds the records
// when the queue is full or the call returns.
//
// Per-second sums (only with a `secondSink`, i.e. in a Pipeline): the first
// packet of a flow since the last flushSeconds() copies the flow's key into a
// dense list (the entry is in cache then) and stamps the entry with the list
// position; later packets add to that position's packets and bytes.
// flushSeconds() (the Pipeline calls it just before a second closes) hands
// the list to the sink in one sequential pass: reading the entries themselves
// there would miss the cache once per flow. A flow that ends keeps its list
// position, so a reused id starts a new one. A full list is handed over early
// (the sink then gets a flow twice in a second, which it sums). Top talkers
// then cost one update per flow and second instead of one per packet.
import type { Batch } from '../capture/batch.js';
import { loadAddon } from '../capture/binding.js';
import { formatAddress } from '../capture/format.js';
import type { NativeFlowCore } from '../capture/native-types.js';
import { communityId, ICMP_COUNTERPARTS } from './community-id.js';
import { END_REASON_NAMES, FLOW_STATE_NAMES, nsString, type FlowRecord } from './records.js';
import { BIT } from './tcp-state.js';
import { classTimeouts, resolveTimeouts, TIMEOUT_CLASS_COUNT, type FlowTimeouts } from './timeouts.js';

export interface FlowTableOptions {
  /** Most flows held at once; when full the least recently seen flow is evicted. Default 1,000,000. */
  maxFlows?: number;
  timeouts?: Partial<FlowTimeouts>;
  /** Community ID seed (0 unless every tool you correlate with uses another). */
  communityIdSeed?: number;
  /** Mixed into slot selection so crafted hash values cannot target slots; fixed by tests. */
  hashSeed?: number;
  /** Called with each record when a flow ends or is reported by the active timeout. */
  onRecord?: (record: FlowRecord) => void;
}

/** Receives each flow's packets and bytes per second (see the header); Windows is one. */
export interface FlowSecondSink {
  /**
   * One flow's packets and bytes since the last flushSeconds(). words[loOff..+3]
   * and words[hiOff..+3] are its addresses in canonical order (lower first),
   * with the matching ports (ICMP: type and counterpart); h is the parser's
   * flow hash cut to 30 bits. hiFirst: the period's first packet came from
   * the hi endpoint (so a sink can list hosts in the order packets named them).
   */
  addFlowSecond(
    h: number, words: Uint32Array, loOff: number, hiOff: number,
    loPort: number, hiPort: number, source: number, vlan: number, proto: number, bytes: number, packets: number, hiFirst: boolean,
  ): void;
  /** An IP row the table accounts to no flow (non-first fragment, malformed L4 header, probe limit). */
  addRowWithoutFlow(batch: Batch, i: number): void;
}

export interface FlowTableStats {
  /** Flows in the table now. */
  active: number;
  /** Flows started, by protocol class (icmp includes ICMPv6), as the replay summary's `flows`. */
  created: { total: number; tcp: number; udp: number; icmp: number; other: number };
  ended: number;
  /** Flows pushed out because the table was full. */
  evicted: number;
  /** Records emitted by the active timeout. */
  activeReports: number;
  /** Rows not accounted to any flow, by why. */
  skipped: { non_ip: number; fragment: number; malformed: number; probe_limit: number };
}

const DEFAULT_MAX_FLOWS = 1_000_000;
const NIL = -1;

/**
 * Bytes per flow (FlowEntry in native/flows/flow_core.hpp, which asserts these
 * offsets). Array-of-structs: a lookup on a table far bigger than the CPU
 * caches then misses on 2 cache lines, not ~20. The key fills the first 64 bytes.
 */
const STRIDE = 128;
const W32 = STRIDE / 4;
const W64 = STRIDE / 8;
const W16 = STRIDE / 2;
// u32 words
/** loPort << 16 | hiPort (ICMP: type and counterpart-or-code, Community ID style). */
const O_PORTS = 1;
/** sourceId << 16 | vlan. */
const O_META = 2;
/** 8 words: the canonical "lo" endpoint address, then "hi" (batch word layout). */
const O_ADDR = 4;
const O_FIRST_NSEC = 12;
const O_LAST_NSEC = 13;
const O_PKT_C2S = 14;
const O_PKT_S2C = 15;
/** In the ended queue's copies: END_REASON. */
const O_END_REASON = 29;
// bytes 12..15 (word 3)
const O_PROTO = 12;
/** BIT flags: initiator side, TCP handshake/teardown progress, IPv6. */
const O_BITS = 13;
const O_STATE = 14;
// f64 (second cache line); bytes are f64 as they may pass 2^32 within one active period
const O_FIRST_SEC = 8;
const O_LAST_SEC = 9;
const O_BYTES_C2S = 10;
const O_BYTES_S2C = 11;
// i32 LRU link, u16 TCP flags
const O_NEXT = 25;
const O_TCP_FLAGS = 52;
/** Dense list of per-second sums: words per flow (30-bit hash, lo address, hi address, ports, meta, protocol | HI_FIRST). */
const SEC_WORDS = 12;
const SEC_ADDR = 1;
const SEC_PORTS = 9;
const SEC_META = 10;
const SEC_PROTO = 11;
/** In the protocol word: the period's first packet came from the hi endpoint. */
const HI_FIRST = 0x100;

// Slots of the core's counters (enum Counter in flow_core.hpp).
const C_TCP = 0, C_UDP = 1, C_ICMP = 2, C_OTHER = 3, C_ENDED = 4, C_EVICTED = 5, C_ACTIVE_REPORTS = 6;
const C_SKIP_NON_IP = 7, C_SKIP_FRAGMENT = 8, C_SKIP_MALFORMED = 9, C_SKIP_PROBE = 10, C_SIZE = 11, C_CLOCK = 12;

/** Entry views over one buffer (the pool, or the ended queue). */
interface EntryViews {
  u8: Uint8Array;
  u16: Uint16Array;
  u32: Uint32Array;
  f64: Float64Array;
}

function entryViews(buffer: ArrayBuffer): EntryViews {
  return { u8: new Uint8Array(buffer), u16: new Uint16Array(buffer), u32: new Uint32Array(buffer), f64: new Float64Array(buffer) };
}

export class FlowTable {
  readonly maxFlows: number;
  #timeouts: Readonly<FlowTimeouts>;
  readonly communityIdSeed: number;
  #onRecord: ((record: FlowRecord) => void) | null = null;
  #secondSink: FlowSecondSink | null = null;

  readonly #core: NativeFlowCore;
  readonly #pool: EntryViews;
  readonly #ended: EntryViews;
  readonly #lists: Int32Array;
  readonly #counts: Float64Array;
  readonly #withoutFlow: Int32Array;
  readonly #secKeys: Uint32Array;
  readonly #secBytes: Float64Array;
  readonly #secPackets: Float64Array;
  /** The batch being ingested, for rows without a flow handed to the sink. */
  #batch: Batch | null = null;

  constructor(options: FlowTableOptions = {}) {
    const maxFlows = options.maxFlows ?? DEFAULT_MAX_FLOWS;
    if (!Number.isInteger(maxFlows) || maxFlows < 1 || maxFlows > 2 ** 28) {
      throw new RangeError(`maxFlows: expected an integer from 1 to ${2 ** 28}, got ${String(maxFlows)}`);
    }
    this.maxFlows = maxFlows;
    this.#timeouts = Object.freeze(resolveTimeouts(options.timeouts));
    this.communityIdSeed = options.communityIdSeed ?? 0;
    const hashSeed = (options.hashSeed ?? (Math.random() * 2 ** 32)) >>> 0;

    const core = new (loadAddon().FlowCore)(maxFlows, hashSeed, ICMP_COUNTERPARTS, (sumsFull) => this.#drain(sumsFull));
    this.#core = core;
    this.#pool = entryViews(core.pool);
    this.#ended = entryViews(core.ended);
    this.#lists = new Int32Array(core.lists);
    this.#counts = new Float64Array(core.counters);
    this.#withoutFlow = new Int32Array(core.withoutFlow);
    const cap = core.sumsCapacity;
    this.#secKeys = new Uint32Array(core.sums, 0, cap * SEC_WORDS);
    this.#secBytes = new Float64Array(core.sums, cap * SEC_WORDS * 4, cap);
    this.#secPackets = new Float64Array(core.sums, cap * SEC_WORDS * 4 + cap * 8, cap);
    this.#applyTimeouts();
    this.onRecord = options.onRecord ?? null;
  }

  /** Called with each record when a flow ends or is reported; null: no records are built. */
  get onRecord(): ((record: FlowRecord) => void) | null {
    return this.#onRecord;
  }

  set onRecord(fn: ((record: FlowRecord) => void) | null) {
    this.#onRecord = fn;
    this.#core.setKeep(fn !== null, this.#secondSink !== null);
  }

  /** Receives per-second sums of each flow (see the header); null: none are kept. */
  get secondSink(): FlowSecondSink | null {
    return this.#secondSink;
  }

  set secondSink(sink: FlowSecondSink | null) {
    this.#secondSink = sink;
    this.#core.setKeep(this.#onRecord !== null, sink !== null);
  }

  get timeouts(): Readonly<FlowTimeouts> {
    return this.#timeouts;
  }

  /**
   * Applies new timeouts to every flow, live (config reload). Each LRU list stays
   * ordered by deadline because all flows of a class share one timeout; flows now
   * past their new timeout end at the next sweep.
   */
  setTimeouts(timeouts: Partial<FlowTimeouts>): void {
    this.#timeouts = Object.freeze(resolveTimeouts(timeouts));
    this.#applyTimeouts();
  }

  #applyTimeouts(): void {
    this.#core.setTimeouts(classTimeouts(this.#timeouts), this.#timeouts.active);
  }

  /** Flows in the table now. */
  get size(): number {
    return this.#counts[C_SIZE]!;
  }

  /** The table's clock: the latest packet time seen, in seconds (-Infinity before any packet). */
  get clock(): number {
    return this.#counts[C_CLOCK]!;
  }

  get stats(): FlowTableStats {
    const c = this.#counts;
    return {
      active: c[C_SIZE]!,
      created: { total: c[C_TCP]! + c[C_UDP]! + c[C_ICMP]! + c[C_OTHER]!, tcp: c[C_TCP]!, udp: c[C_UDP]!, icmp: c[C_ICMP]!, other: c[C_OTHER]! },
      ended: c[C_ENDED]!,
      evicted: c[C_EVICTED]!,
      activeReports: c[C_ACTIVE_REPORTS]!,
      skipped: { non_ip: c[C_SKIP_NON_IP]!, fragment: c[C_SKIP_FRAGMENT]!, malformed: c[C_SKIP_MALFORMED]!, probe_limit: c[C_SKIP_PROBE]! },
    };
  }

  /** Accounts every row of `batch`. Records of flows that end meanwhile go to onRecord. */
  ingest(batch: Batch): void {
    this.ingestRange(batch, 0, batch.rows);
  }

  /** Accounts rows from .. to-1 of `batch`. */
  ingestRange(batch: Batch, from: number, to: number): void {
    this.#batch = batch;
    try {
      this.#core.ingest(batch.buffer, batch.capacity, from, to);
    } finally {
      this.#batch = null;
    }
  }

  /** Ends every flow idle longer than its timeout at packet time `now` (seconds). Returns how many. */
  expire(now: number = this.clock): number {
    return this.#core.expire(now);
  }

  /** Hands every per-second sum to the secondSink and starts new ones (see the header). */
  flushSeconds(): void {
    const sink = this.#secondSink;
    if (sink === null) return;
    const keys = this.#secKeys;
    const bytes = this.#secBytes;
    const packets = this.#secPackets;
    const count = this.#core.queued()[2];
    for (let k = 0; k < count; k++) {
      const w = k * SEC_WORDS;
      const ports = keys[w + SEC_PORTS]!;
      const meta = keys[w + SEC_META]!;
      sink.addFlowSecond(
        keys[w]!, keys, w + SEC_ADDR, w + SEC_ADDR + 4, ports >>> 16, ports & 0xffff, meta >>> 16, meta & 0xffff,
        keys[w + SEC_PROTO]! & 0xff, bytes[k]!, packets[k]!, (keys[w + SEC_PROTO]! & HI_FIRST) !== 0,
      );
    }
    this.#core.nextSecond();
  }

  /** Ends every flow (end of replay, daemon stop): reason `shutdown`, or fin/rst for finished TCP. */
  flush(): number {
    // Nobody reads records: every flow ends at once (ending them one by one
    // visits each entry and index slot in random order).
    if (!this.#onRecord) return this.#core.clear();
    return this.#core.flush();
  }

  /** Records of the live flows (end_reason null), least recently seen first per timeout class. For APIs, not per packet. */
  snapshot(limit = Infinity): FlowRecord[] {
    const out: FlowRecord[] = [];
    const next = this.#pool.u32;
    for (let c = 0; c < TIMEOUT_CLASS_COUNT && out.length < limit; c++) {
      for (let id = this.#lists[c]!; id !== NIL && out.length < limit; id = next[id * W32 + O_NEXT]! | 0) {
        out.push(this.#record(this.#pool, id, -1));
      }
    }
    return out;
  }

  /**
   * Called by the core when a queue is full, and when a call that queued
   * something returns: builds the ended flows' records, and hands the rows
   * without a flow to the sink, and the list of sums when a flow needs a
   * place in it and it is full (sumsFull).
   */
  #drain(sumsFull: boolean): void {
    const [ended, withoutFlow] = this.#core.queued();
    this.#core.resetQueues();
    const sink = this.#secondSink;
    if (sink !== null && this.#batch !== null) {
      for (let k = 0; k < withoutFlow; k++) sink.addRowWithoutFlow(this.#batch, this.#withoutFlow[k]!);
    }
    if (sumsFull) this.flushSeconds();
    const onRecord = this.#onRecord;
    if (onRecord === null || ended === 0) return;
    // Every record goes out even if a listener throws; the first error is rethrown.
    let failure: unknown = null;
    for (let k = 0; k < ended; k++) {
      try {
        onRecord(this.#record(this.#ended, k, this.#ended.u32[k * W32 + O_END_REASON]!));
      } catch (error) {
        failure ??= error;
      }
    }
    if (failure !== null) throw failure;
  }

  #record(v: EntryViews, id: number, reason: number): FlowRecord {
    const bits = v.u8[id * STRIDE + O_BITS]!;
    const initLo = (bits & BIT.initLo) !== 0;
    const ports = v.u32[id * W32 + O_PORTS]!;
    const loPort = ports >>> 16;
    const hiPort = ports & 0xffff;
    const a = id * STRIDE + O_ADDR * 4;
    const srcOff = initLo ? a : a + 16;
    const dstOff = initLo ? a + 16 : a;
    const proto = v.u8[id * STRIDE + O_PROTO]!;
    const srcPort = initLo ? loPort : hiPort;
    const dstPort = initLo ? hiPort : loPort;
    const bytes = v.u8;
    const meta = v.u32[id * W32 + O_META]!;
    return {
      community_id: communityId(proto, bytes, srcOff, bytes, dstOff, srcPort, dstPort, this.communityIdSeed, (bits & BIT.v6) !== 0),
      source: meta >>> 16,
      vlan: meta & 0xffff,
      proto,
      src_ip: formatAddress(bytes, srcOff),
      src_port: srcPort,
      dst_ip: formatAddress(bytes, dstOff),
      dst_port: dstPort,
      first_ns: nsString(v.f64[id * W64 + O_FIRST_SEC]!, v.u32[id * W32 + O_FIRST_NSEC]!),
      last_ns: nsString(v.f64[id * W64 + O_LAST_SEC]!, v.u32[id * W32 + O_LAST_NSEC]!),
      packets_c2s: v.u32[id * W32 + O_PKT_C2S]!,
      bytes_c2s: v.f64[id * W64 + O_BYTES_C2S]!,
      packets_s2c: v.u32[id * W32 + O_PKT_S2C]!,
      bytes_s2c: v.f64[id * W64 + O_BYTES_S2C]!,
      tcp_flags: v.u16[id * W16 + O_TCP_FLAGS]!,
      state: FLOW_STATE_NAMES[v.u8[id * STRIDE + O_STATE]!]!,
      end_reason: reason < 0 ? null : END_REASON_NAMES[reason]!,
    };
  }
}

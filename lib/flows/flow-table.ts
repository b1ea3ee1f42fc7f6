// Bidirectional flow table over typed arrays (DESIGN §6). Per packet it touches
// typed arrays only: no Map, no strings, no objects. Objects appear only when a
// record is emitted (flow end, active report) or a snapshot is asked for.
//
// Memory: one pool of `maxFlows` fixed-size entries (STRIDE bytes), allocated once
// (untouched pages of a big zeroed buffer cost no RSS, so pre-sizing is free
// until used and growth never pauses the pipeline; huge pages when the kernel
// allows, see capture/large-buffer.ts), plus an index of
// 2^k ≥ 2·maxFlows Int32 slots (load ≤ 0.5) probed linearly from the parser's
// flow hash. Deletion is by backward shift, so there are no tombstones.
//
// Expiry: one doubly linked LRU list per timeout class. Within a class every
// flow has the same idle timeout, so the list head is always the next to
// expire and the least recently seen flow overall is one of the 7 heads.
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
import { formatAddress } from '../capture/format.js';
import { largeBuffer } from '../capture/large-buffer.js';
import { FRAG, L3, LAYER } from '../capture/layout.js';
import { communityId, icmpCounterpart, PROTO_ICMP, PROTO_ICMPV6, PROTO_TCP, PROTO_UDP } from './community-id.js';
import {
  END_REASON,
  END_REASON_NAMES,
  FLOW_STATE,
  FLOW_STATE_NAMES,
  nsString,
  type FlowRecord,
} from './records.js';
import { BIT, tcpFirst, tcpNext, tcpStartsNewFlow } from './tcp-state.js';
import { classTimeouts, resolveTimeouts, TIMEOUT_CLASS, TIMEOUT_CLASS_COUNT, type FlowTimeouts } from './timeouts.js';

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
/**
 * Longest probe sequence. The parser's hash has no secret, so crafted traffic
 * could collide on all 32 bits; the cap keeps such packets cheap (they are
 * counted in skipped.probe_limit) instead of letting them slow everything.
 */
const MAX_PROBE = 256;
const NIL = -1;

/**
 * Bytes per flow. Array-of-structs, not one typed array per field: a lookup on
 * a table far bigger than the CPU caches then misses on 2 cache lines, not ~20.
 * The key (compared while probing) fills the first 64 bytes.
 */
const STRIDE = 128;
const W32 = STRIDE / 4;
const W64 = STRIDE / 8;
const W16 = STRIDE / 2;
// u32 words: key, then times and packet counters
const O_HASH = 0;
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
// bytes 12..15 (word 3)
const O_PROTO = 12;
/** BIT flags: initiator side, TCP handshake/teardown progress, IPv6. */
const O_BITS = 13;
const O_STATE = 14;
/** TIMEOUT_CLASS, i.e. which LRU list the flow is on. */
const O_CLS = 15;
// f64 (second cache line); bytes are f64 as they may pass 2^32 within one active period
const O_FIRST_SEC = 8;
const O_LAST_SEC = 9;
const O_BYTES_C2S = 10;
const O_BYTES_S2C = 11;
// i32 LRU links (next also chains the free list), u16 TCP flags
const O_PREV = 24;
const O_NEXT = 25;
const O_TCP_FLAGS = 52;
// per-second sums (secondSink): u32 generation of the stamp (0 = none) and position in the dense list
const O_SEC_GEN = 27;
const O_SEC_POS = 28;
/** Dense list of per-second sums: words per flow (30-bit hash, lo address, hi address, ports, meta, protocol | HI_FIRST). */
const SEC_WORDS = 12;
const SEC_ADDR = 1;
const SEC_PORTS = 9;
const SEC_META = 10;
const SEC_PROTO = 11;
/** In the protocol word: the period's first packet came from the hi endpoint. */
const HI_FIRST = 0x100;
/** Most flows in the dense list (8 MB) before it is handed over early. */
const SEC_MAX = 2 ** 17;
/** Flow hashes handed to the sink are cut to 30 bits: small integers pass calls unboxed. */
const HASH_30 = 0x3fffffff;

// Counter slots in `#counts`.
const C_TCP = 0, C_UDP = 1, C_ICMP = 2, C_OTHER = 3, C_ENDED = 4, C_EVICTED = 5, C_ACTIVE_REPORTS = 6;
const C_SKIP_NON_IP = 7, C_SKIP_FRAGMENT = 8, C_SKIP_MALFORMED = 9, C_SKIP_PROBE = 10;

export class FlowTable {
  readonly maxFlows: number;
  #timeouts: Readonly<FlowTimeouts>;
  readonly communityIdSeed: number;
  onRecord: ((record: FlowRecord) => void) | null;
  /** Receives per-second sums of each flow (see the header); null: none are kept. */
  secondSink: FlowSecondSink | null = null;

  // ── the flow pool: one ArrayBuffer, STRIDE bytes per flow, seen through four views ──
  readonly #u32: Uint32Array;
  readonly #i32: Int32Array;
  readonly #u16: Uint16Array;
  readonly #u8: Uint8Array;
  readonly #f64: Float64Array;

  // ── index and lists ──
  /** flow id + 1, 0 = empty. */
  readonly #slots: Int32Array;
  readonly #mask: number;
  readonly #shift: number;
  readonly #hashSeed: number;
  readonly #head = new Int32Array(TIMEOUT_CLASS_COUNT).fill(NIL);
  readonly #tail = new Int32Array(TIMEOUT_CLASS_COUNT).fill(NIL);
  #idle: Float64Array;
  #active: number;

  #size = 0;
  /** Ids below this have been used at least once; above it the pool is untouched. */
  #highWater = 0;
  #freeHead = NIL;
  /** Latest packet time seen (seconds, float): the table's clock. */
  #clock = -Infinity;
  #nextSweep = -Infinity;
  readonly #counts = new Float64Array(11);
  /** Written by #warm so its loads are not optimized away. */
  readonly #warmSink = new Int32Array(1);
  /** Generation of the per-second sums: entries stamped with it have a position in the list. Never 0. */
  #gen = 1;
  // the dense list of per-second sums: allocated whole at the first sum (zeroed
  // memory costs RSS only where written, so a quiet link uses a few pages)
  #secKeys = new Uint32Array(0);
  #secBytes = new Float64Array(0);
  #secPackets = new Float64Array(0);
  #secCount = 0;

  constructor(options: FlowTableOptions = {}) {
    const maxFlows = options.maxFlows ?? DEFAULT_MAX_FLOWS;
    if (!Number.isInteger(maxFlows) || maxFlows < 1 || maxFlows > 2 ** 28) {
      throw new RangeError(`maxFlows: expected an integer from 1 to ${2 ** 28}, got ${String(maxFlows)}`);
    }
    this.maxFlows = maxFlows;
    this.#timeouts = Object.freeze(resolveTimeouts(options.timeouts));
    this.#idle = classTimeouts(this.#timeouts);
    this.#active = this.#timeouts.active;
    this.communityIdSeed = options.communityIdSeed ?? 0;
    this.#hashSeed = (options.hashSeed ?? (Math.random() * 2 ** 32)) >>> 0;
    this.onRecord = options.onRecord ?? null;

    const n = maxFlows;
    const pool = largeBuffer(n * STRIDE);
    this.#u32 = new Uint32Array(pool);
    this.#i32 = new Int32Array(pool);
    this.#u16 = new Uint16Array(pool);
    this.#u8 = new Uint8Array(pool);
    this.#f64 = new Float64Array(pool);

    let bits = 4;
    while (2 ** bits < 2 * n) bits++;
    this.#slots = new Int32Array(largeBuffer(4 * 2 ** bits));
    this.#mask = 2 ** bits - 1;
    this.#shift = 32 - bits;
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
    this.#idle = classTimeouts(this.#timeouts);
    this.#active = this.#timeouts.active;
  }

  /** Flows in the table now. */
  get size(): number {
    return this.#size;
  }

  /** The table's clock: the latest packet time seen, in seconds (-Infinity before any packet). */
  get clock(): number {
    return this.#clock;
  }

  get stats(): FlowTableStats {
    const c = this.#counts;
    return {
      active: this.#size,
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
    const { layers, frag, ipProto, tsSec, tsNsec } = batch;
    this.#warm(batch.flowHash, from, to);
    for (let i = from; i < to; i++) {
      const lay = layers[i]!;
      if ((lay & (LAYER.ipv4 | LAYER.ipv6)) === 0) {
        this.#counts[C_SKIP_NON_IP]++;
        continue;
      }
      // Non-first fragments carry no ports: like tshark's TCP/UDP conversations
      // (ip.defragment off) they stay out of flows rather than forming port-0 flows.
      if ((frag[i]! & (FRAG.fragment | FRAG.first)) === FRAG.fragment) {
        this.#counts[C_SKIP_FRAGMENT]++;
        this.secondSink?.addRowWithoutFlow(batch, i);
        continue;
      }
      const proto = ipProto[i]!;
      // TCP/UDP/ICMP whose header did not parse have no trustworthy ports.
      if (
        (proto === PROTO_TCP && (lay & LAYER.tcp) === 0) ||
        (proto === PROTO_UDP && (lay & LAYER.udp) === 0) ||
        ((proto === PROTO_ICMP || proto === PROTO_ICMPV6) && (lay & (LAYER.icmp | LAYER.icmpv6)) === 0)
      ) {
        this.#counts[C_SKIP_MALFORMED]++;
        this.secondSink?.addRowWithoutFlow(batch, i);
        continue;
      }
      const t = tsSec[i]! + tsNsec[i]! * 1e-9;
      if (t > this.#clock) this.#clock = t;
      // Emit idle flows about once per second of packet time. Only *when* records
      // come out depends on this; their contents are decided at lookup (below).
      if (this.#clock >= this.#nextSweep) {
        this.expire(this.#clock);
        this.#nextSweep = this.#clock + 1;
      }
      this.#packet(batch, i, proto, t);
    }
  }

  /** Ends every flow idle longer than its timeout at packet time `now` (seconds). Returns how many. */
  expire(now: number = this.#clock): number {
    let n = 0;
    for (let c = 0; c < TIMEOUT_CLASS_COUNT; c++) {
      const timeout = this.#idle[c]!;
      for (let id = this.#head[c]!; id !== NIL && now - this.#lastT(id) > timeout; id = this.#head[c]!) {
        this.#end(id, this.#finalReason(id, END_REASON.idle));
        n++;
      }
    }
    return n;
  }

  /** Hands every per-second sum to the secondSink and starts new ones (see the header). */
  flushSeconds(): void {
    const sink = this.secondSink;
    if (sink === null) return;
    const keys = this.#secKeys;
    const bytes = this.#secBytes;
    const packets = this.#secPackets;
    for (let k = 0; k < this.#secCount; k++) {
      const w = k * SEC_WORDS;
      const ports = keys[w + SEC_PORTS]!;
      const meta = keys[w + SEC_META]!;
      sink.addFlowSecond(
        keys[w]!, keys, w + SEC_ADDR, w + SEC_ADDR + 4, ports >>> 16, ports & 0xffff, meta >>> 16, meta & 0xffff,
        keys[w + SEC_PROTO]! & 0xff, bytes[k]!, packets[k]!, (keys[w + SEC_PROTO]! & HI_FIRST) !== 0,
      );
    }
    this.#secCount = 0;
    this.#gen = this.#gen === 0xffffffff ? 1 : this.#gen + 1;
  }

  /** Ends every flow (end of replay, daemon stop): reason `shutdown`, or fin/rst for finished TCP. */
  flush(): number {
    if (!this.onRecord) return this.#clear();
    let n = 0;
    for (let c = 0; c < TIMEOUT_CLASS_COUNT; c++) {
      for (let id = this.#head[c]!; id !== NIL; id = this.#head[c]!) {
        this.#end(id, this.#finalReason(id, END_REASON.shutdown));
        n++;
      }
    }
    return n;
  }

  /**
   * flush() when nobody reads records: every flow ends at once. Ending them one
   * by one would visit each entry and index slot in random order (a replay
   * without --flows-out spent ~0.25 s of 2.8 s on it with 1 M flows).
   */
  #clear(): number {
    const n = this.#size;
    this.#counts[C_ENDED] += n;
    this.#slots.fill(0);
    this.#head.fill(NIL);
    this.#tail.fill(NIL);
    this.#freeHead = NIL;
    this.#highWater = 0; // entries are written whole on creation, so old contents need no wiping
    this.#size = 0;
    return n;
  }

  /** Records of the live flows (end_reason null), least recently seen first per timeout class. For APIs, not per packet. */
  snapshot(limit = Infinity): FlowRecord[] {
    const out: FlowRecord[] = [];
    for (let c = 0; c < TIMEOUT_CLASS_COUNT && out.length < limit; c++) {
      for (let id = this.#head[c]!; id !== NIL && out.length < limit; id = this.#i32[id * W32 + O_NEXT]!) out.push(this.#record(id, -1));
    }
    return out;
  }

  /**
   * Reads, for every row, its home slot and the flow entry there, in a loop that
   * does nothing else. The rows' loads are independent, so the CPU has many
   * cache misses in flight at once and the batch's slots and entries are in
   * cache when #packet needs them; one at a time inside #packet, each would be
   * a full memory round trip.
   */
  #warm(hashes: Uint32Array, from: number, to: number): void {
    const slots = this.#slots;
    const u32 = this.#u32;
    const i32 = this.#i32;
    let sink = 0;
    for (let i = from; i < to; i++) {
      const e = slots[this.#home(hashes[i]!)]!;
      if (e === 0) continue;
      const id = e - 1;
      // Both cache lines of the entry: the key, and the byte counters and LRU links.
      sink ^= u32[id * W32 + O_HASH]! ^ i32[id * W32 + O_PREV]!;
    }
    this.#warmSink[0] = sink;
  }

  // ── per packet ──

  #packet(batch: Batch, i: number, proto: number, t: number): void {
    const src = batch.srcAddr;
    const dst = batch.dstAddr;
    const so = i * 4;
    let sport = batch.srcPort[i]!;
    let dport = batch.dstPort[i]!;
    if (proto === PROTO_ICMP || proto === PROTO_ICMPV6) {
      // Community ID's port equivalents: echo request (8,0) and reply (0,8) become
      // mirror images of one key; one-way messages keep (type, code).
      const counterpart = icmpCounterpart(proto, sport);
      if (counterpart >= 0) dport = counterpart;
    }
    // Canonical order: the smaller (address words, port) endpoint is "lo". Any
    // total order works; it only has to be the same for both directions.
    let cmp = 0;
    for (let w = 0; w < 4 && cmp === 0; w++) cmp = src[so + w]! - dst[so + w]!;
    if (cmp === 0) cmp = sport - dport;
    const srcIsLo = cmp <= 0;
    const lo = srcIsLo ? src : dst;
    const hi = srcIsLo ? dst : src;
    const ports = (srcIsLo ? (sport << 16) | dport : (dport << 16) | sport) >>> 0;
    const meta = ((batch.sourceId[i]! << 16) | batch.vlan[i]!) >>> 0;
    const h = batch.flowHash[i]!;
    const flags = proto === PROTO_TCP ? batch.tcpFlags[i]! : 0;

    let id = this.#find(h, lo, hi, so, ports, meta, proto);
    if (id !== NIL) {
      const state = this.#u8[id * STRIDE + O_STATE]!;
      if (t - this.#lastT(id) > this.#idle[this.#u8[id * STRIDE + O_CLS]!]!) {
        // Idle for longer than its timeout (the sweep just hasn't run): the old flow is over.
        this.#end(id, this.#finalReason(id, END_REASON.idle));
        id = NIL;
      } else if (proto === PROTO_TCP && tcpStartsNewFlow(state, flags)) {
        this.#end(id, state === FLOW_STATE.reset ? END_REASON.rst : END_REASON.fin);
        id = NIL;
      } else if (t - this.#firstT(id) >= this.#active) {
        this.#report(id, batch.tsSec[i]!, batch.tsNsec[i]!);
      }
    }
    const wire = batch.wireLen[i]!;
    if (id === NIL) {
      this.#create(batch, i, h, lo, hi, so, ports, meta, proto, srcIsLo, flags, wire, sport, dport);
      return;
    }
    const bits = this.#u8[id * STRIDE + O_BITS]!;
    const c2s = ((bits & BIT.initLo) !== 0) === srcIsLo;
    if (c2s) {
      this.#u32[id * W32 + O_PKT_C2S]++;
      this.#f64[id * W64 + O_BYTES_C2S] += wire;
    } else {
      this.#u32[id * W32 + O_PKT_S2C]++;
      this.#f64[id * W64 + O_BYTES_S2C] += wire;
    }
    if (t >= this.#lastT(id)) {
      this.#f64[id * W64 + O_LAST_SEC] = batch.tsSec[i]!;
      this.#u32[id * W32 + O_LAST_NSEC] = batch.tsNsec[i]!;
    } else if (t < this.#firstT(id)) {
      this.#f64[id * W64 + O_FIRST_SEC] = batch.tsSec[i]!; // reordered capture: keep first ≤ last
      this.#u32[id * W32 + O_FIRST_NSEC] = batch.tsNsec[i]!;
    }
    if (proto === PROTO_TCP) {
      this.#u16[id * W16 + O_TCP_FLAGS] |= flags;
      const next = tcpNext(this.#u8[id * STRIDE + O_STATE]!, bits, flags, c2s);
      this.#u8[id * STRIDE + O_STATE] = next >>> 8;
      this.#u8[id * STRIDE + O_BITS] = next & 0xff;
    } else if (!c2s && this.#u8[id * STRIDE + O_STATE] === FLOW_STATE.new) {
      this.#u8[id * STRIDE + O_STATE] = FLOW_STATE.established; // the responder answered
    }
    if (this.secondSink !== null) {
      if (this.#u32[id * W32 + O_SEC_GEN] === this.#gen) {
        const k = this.#u32[id * W32 + O_SEC_POS]!;
        this.#secBytes[k] += wire;
        this.#secPackets[k]++;
      } else {
        this.#startSecond(id, wire, srcIsLo);
      }
    }
    this.#touch(id, this.#classOf(id));
  }

  /** Gives `id` a position in the dense list (a copy of its key, sums starting at one packet) and stamps it. */
  #startSecond(id: number, wire: number, srcIsLo: boolean): void {
    if (this.#secCount === this.#secBytes.length) this.#makeRoom();
    const k = this.#secCount++;
    const u32 = this.#u32;
    const keys = this.#secKeys;
    const w = k * SEC_WORDS;
    const e = id * W32;
    keys[w] = u32[e + O_HASH]! & HASH_30;
    for (let j = 0; j < 8; j++) keys[w + SEC_ADDR + j] = u32[e + O_ADDR + j]!;
    keys[w + SEC_PORTS] = u32[e + O_PORTS]!;
    keys[w + SEC_META] = u32[e + O_META]!;
    keys[w + SEC_PROTO] = this.#u8[id * STRIDE + O_PROTO]! | (srcIsLo ? 0 : HI_FIRST);
    this.#secBytes[k] = wire;
    this.#secPackets[k] = 1;
    u32[e + O_SEC_GEN] = this.#gen;
    u32[e + O_SEC_POS] = k;
  }

  /** Allocates the dense list at its first use; when it is full, hands it over early (flushSeconds). */
  #makeRoom(): void {
    if (this.#secBytes.length === 0) {
      this.#secKeys = new Uint32Array(SEC_MAX * SEC_WORDS);
      this.#secBytes = new Float64Array(SEC_MAX);
      this.#secPackets = new Float64Array(SEC_MAX);
    } else {
      this.flushSeconds();
    }
  }

  /** Flow id of the key, or NIL. */
  #find(h: number, lo: Uint32Array, hi: Uint32Array, o: number, ports: number, meta: number, proto: number): number {
    const slots = this.#slots;
    const addr = this.#u32;
    let s = this.#home(h);
    for (let probe = 0; probe < MAX_PROBE; probe++) {
      const e = slots[s]!;
      if (e === 0) return NIL;
      const id = e - 1;
      if (this.#u32[id * W32 + O_HASH] === h && this.#u32[id * W32 + O_PORTS] === ports && this.#u32[id * W32 + O_META] === meta && this.#u8[id * STRIDE + O_PROTO] === proto) {
        const a = id * W32 + O_ADDR;
        if (
          addr[a] === lo[o] && addr[a + 1] === lo[o + 1] && addr[a + 2] === lo[o + 2] && addr[a + 3] === lo[o + 3] &&
          addr[a + 4] === hi[o] && addr[a + 5] === hi[o + 1] && addr[a + 6] === hi[o + 2] && addr[a + 7] === hi[o + 3]
        ) {
          return id;
        }
      }
      s = (s + 1) & this.#mask;
    }
    return NIL;
  }

  #create(
    batch: Batch, i: number, h: number, lo: Uint32Array, hi: Uint32Array, o: number,
    ports: number, meta: number, proto: number, srcIsLo: boolean, flags: number, wire: number, sport: number, dport: number,
  ): void {
    if (this.#size >= this.maxFlows) {
      this.expire(this.#clock); // idle flows go first, so eviction happens only when all are live
      if (this.#size >= this.maxFlows) this.#evictOne();
    }
    const slot = this.#emptySlot(h);
    if (slot < 0) {
      this.#counts[C_SKIP_PROBE]++;
      this.secondSink?.addRowWithoutFlow(batch, i);
      return;
    }
    const id = this.#allocate();
    this.#slots[slot] = id + 1;
    this.#size++;

    const a = id * W32 + O_ADDR;
    for (let w = 0; w < 4; w++) {
      this.#u32[a + w] = lo[o + w]!;
      this.#u32[a + 4 + w] = hi[o + w]!;
    }
    this.#u32[id * W32 + O_PORTS] = ports;
    this.#u32[id * W32 + O_META] = meta;
    this.#u32[id * W32 + O_HASH] = h;
    this.#u8[id * STRIDE + O_PROTO] = proto;

    let state: number = FLOW_STATE.new;
    let bits = 0;
    let senderIsInitiator = true;
    if (proto === PROTO_TCP) {
      const first = tcpFirst(flags);
      state = (first >>> 8) & 0xff;
      bits = first & 0xff;
      senderIsInitiator = (first & (1 << 16)) === 0; // a SYN-ACK's receiver is the initiator
    }
    if (senderIsInitiator === srcIsLo) bits |= BIT.initLo;
    if (batch.l3[i] === L3.ipv6) bits |= BIT.v6;
    this.#u8[id * STRIDE + O_STATE] = state;
    this.#u8[id * STRIDE + O_BITS] = bits;
    this.#u16[id * W16 + O_TCP_FLAGS] = flags;
    this.#f64[id * W64 + O_FIRST_SEC] = this.#f64[id * W64 + O_LAST_SEC] = batch.tsSec[i]!;
    this.#u32[id * W32 + O_FIRST_NSEC] = this.#u32[id * W32 + O_LAST_NSEC] = batch.tsNsec[i]!;
    this.#u32[id * W32 + O_PKT_C2S] = senderIsInitiator ? 1 : 0;
    this.#f64[id * W64 + O_BYTES_C2S] = senderIsInitiator ? wire : 0;
    this.#u32[id * W32 + O_PKT_S2C] = senderIsInitiator ? 0 : 1;
    this.#f64[id * W64 + O_BYTES_S2C] = senderIsInitiator ? 0 : wire;

    if (proto === PROTO_TCP) this.#counts[C_TCP]++;
    else if (proto === PROTO_UDP) this.#counts[C_UDP]++;
    else if (proto === PROTO_ICMP || proto === PROTO_ICMPV6) this.#counts[C_ICMP]++;
    else this.#counts[C_OTHER]++;

    this.#u8[id * STRIDE + O_CLS] = this.#classFor(proto, state, sport, dport);
    this.#link(id, this.#u8[id * STRIDE + O_CLS]!);
    if (this.secondSink !== null) this.#startSecond(id, wire, srcIsLo);
  }

  // ── ending and reporting ──

  #finalReason(id: number, fallback: number): number {
    const state = this.#u8[id * STRIDE + O_STATE]!;
    if (state === FLOW_STATE.closed) return END_REASON.fin;
    if (state === FLOW_STATE.reset) return END_REASON.rst;
    return fallback;
  }

  #evictOne(): void {
    // The least recently seen flow is the oldest head among the class lists.
    let victim = NIL;
    let oldest = Infinity;
    for (let c = 0; c < TIMEOUT_CLASS_COUNT; c++) {
      const id = this.#head[c]!;
      if (id !== NIL && this.#lastT(id) < oldest) {
        oldest = this.#lastT(id);
        victim = id;
      }
    }
    this.#counts[C_EVICTED]++;
    this.#end(victim, END_REASON.evicted);
  }

  /** Emits an `active` record; the next period starts at the packet (sec, nsec) that triggered it, and the flow keeps its state. */
  #report(id: number, sec: number, nsec: number): void {
    this.#counts[C_ACTIVE_REPORTS]++;
    if (this.onRecord) this.onRecord(this.#record(id, END_REASON.active));
    this.#u32[id * W32 + O_PKT_C2S] = this.#u32[id * W32 + O_PKT_S2C] = 0;
    this.#f64[id * W64 + O_BYTES_C2S] = this.#f64[id * W64 + O_BYTES_S2C] = 0;
    this.#u16[id * W16 + O_TCP_FLAGS] = 0;
    this.#f64[id * W64 + O_FIRST_SEC] = sec;
    this.#u32[id * W32 + O_FIRST_NSEC] = nsec;
  }

  #end(id: number, reason: number): void {
    if (this.onRecord) this.onRecord(this.#record(id, reason));
    this.#counts[C_ENDED]++;
    this.#removeSlot(id);
    this.#unlink(id, this.#u8[id * STRIDE + O_CLS]!);
    this.#i32[id * W32 + O_NEXT] = this.#freeHead;
    this.#freeHead = id;
    this.#size--;
  }

  #record(id: number, reason: number): FlowRecord {
    const bits = this.#u8[id * STRIDE + O_BITS]!;
    const initLo = (bits & BIT.initLo) !== 0;
    const ports = this.#u32[id * W32 + O_PORTS]!;
    const loPort = ports >>> 16;
    const hiPort = ports & 0xffff;
    const a = id * STRIDE + O_ADDR * 4;
    const srcOff = initLo ? a : a + 16;
    const dstOff = initLo ? a + 16 : a;
    const proto = this.#u8[id * STRIDE + O_PROTO]!;
    const srcPort = initLo ? loPort : hiPort;
    const dstPort = initLo ? hiPort : loPort;
    const bytes = this.#u8;
    const meta = this.#u32[id * W32 + O_META]!;
    return {
      community_id: communityId(proto, bytes, srcOff, bytes, dstOff, srcPort, dstPort, this.communityIdSeed, (bits & BIT.v6) !== 0),
      source: meta >>> 16,
      vlan: meta & 0xffff,
      proto,
      src_ip: formatAddress(bytes, srcOff),
      src_port: srcPort,
      dst_ip: formatAddress(bytes, dstOff),
      dst_port: dstPort,
      first_ns: nsString(this.#f64[id * W64 + O_FIRST_SEC]!, this.#u32[id * W32 + O_FIRST_NSEC]!),
      last_ns: nsString(this.#f64[id * W64 + O_LAST_SEC]!, this.#u32[id * W32 + O_LAST_NSEC]!),
      packets_c2s: this.#u32[id * W32 + O_PKT_C2S]!,
      bytes_c2s: this.#f64[id * W64 + O_BYTES_C2S]!,
      packets_s2c: this.#u32[id * W32 + O_PKT_S2C]!,
      bytes_s2c: this.#f64[id * W64 + O_BYTES_S2C]!,
      tcp_flags: this.#u16[id * W16 + O_TCP_FLAGS]!,
      state: FLOW_STATE_NAMES[this.#u8[id * STRIDE + O_STATE]!]!,
      end_reason: reason < 0 ? null : END_REASON_NAMES[reason]!,
    };
  }

  // ── helpers ──

  #lastT(id: number): number {
    return this.#f64[id * W64 + O_LAST_SEC]! + this.#u32[id * W32 + O_LAST_NSEC]! * 1e-9;
  }

  #firstT(id: number): number {
    return this.#f64[id * W64 + O_FIRST_SEC]! + this.#u32[id * W32 + O_FIRST_NSEC]! * 1e-9;
  }

  #classFor(proto: number, state: number, portA: number, portB: number): number {
    if (proto === PROTO_TCP) {
      if (state === FLOW_STATE.new) return TIMEOUT_CLASS.tcp_half_open;
      if (state === FLOW_STATE.closed || state === FLOW_STATE.reset) return TIMEOUT_CLASS.tcp_closed;
      return TIMEOUT_CLASS.tcp_established;
    }
    if (proto === PROTO_UDP) return portA === 53 || portB === 53 ? TIMEOUT_CLASS.udp_dns : TIMEOUT_CLASS.udp;
    if (proto === PROTO_ICMP || proto === PROTO_ICMPV6) return TIMEOUT_CLASS.icmp;
    return TIMEOUT_CLASS.other;
  }

  #classOf(id: number): number {
    const ports = this.#u32[id * W32 + O_PORTS]!;
    return this.#classFor(this.#u8[id * STRIDE + O_PROTO]!, this.#u8[id * STRIDE + O_STATE]!, ports >>> 16, ports & 0xffff);
  }

  /** Fibonacci hashing of the parser's hash: the top bits of a multiply spread any input pattern. */
  #home(h: number): number {
    return Math.imul(h ^ this.#hashSeed, 0x9e3779b1) >>> this.#shift;
  }

  #emptySlot(h: number): number {
    let s = this.#home(h);
    for (let probe = 0; probe < MAX_PROBE; probe++) {
      if (this.#slots[s] === 0) return s;
      s = (s + 1) & this.#mask;
    }
    return -1;
  }

  /** Removes `id` from the index, shifting later entries of its run back (no tombstones). */
  #removeSlot(id: number): void {
    const slots = this.#slots;
    const mask = this.#mask;
    let i = this.#home(this.#u32[id * W32 + O_HASH]!);
    while (slots[i] !== id + 1) i = (i + 1) & mask;
    slots[i] = 0;
    for (let j = (i + 1) & mask; slots[j] !== 0; j = (j + 1) & mask) {
      const home = this.#home(this.#u32[(slots[j]! - 1) * W32 + O_HASH]!);
      // Move the entry at j into the hole at i unless its home lies cyclically in (i, j].
      if (((j - home) & mask) >= ((j - i) & mask)) {
        slots[i] = slots[j]!;
        slots[j] = 0;
        i = j;
      }
    }
  }

  #allocate(): number {
    if (this.#freeHead !== NIL) {
      const id = this.#freeHead;
      this.#freeHead = this.#i32[id * W32 + O_NEXT]!;
      return id;
    }
    return this.#highWater++; // fresh ids in order, so RSS grows with the live high-water mark
  }

  #link(id: number, c: number): void {
    const tail = this.#tail[c]!;
    this.#i32[id * W32 + O_PREV] = tail;
    this.#i32[id * W32 + O_NEXT] = NIL;
    if (tail === NIL) this.#head[c] = id;
    else this.#i32[tail * W32 + O_NEXT] = id;
    this.#tail[c] = id;
  }

  #unlink(id: number, c: number): void {
    const p = this.#i32[id * W32 + O_PREV]!;
    const n = this.#i32[id * W32 + O_NEXT]!;
    if (p === NIL) this.#head[c] = n;
    else this.#i32[p * W32 + O_NEXT] = n;
    if (n === NIL) this.#tail[c] = p;
    else this.#i32[n * W32 + O_PREV] = p;
  }

  /** Moves `id` to the most recent end of class `c`'s list. */
  #touch(id: number, c: number): void {
    const old = this.#u8[id * STRIDE + O_CLS]!;
    if (old === c && this.#tail[c] === id) return;
    this.#unlink(id, old);
    this.#u8[id * STRIDE + O_CLS] = c;
    this.#link(id, c);
  }
}

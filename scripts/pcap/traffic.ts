// Seeded traffic generation.
//
// An Engine holds many concurrent sessions (TCP connections, DNS lookups, NTP,
// pings, ARP, ...) in struct-of-arrays typed arrays and a time-ordered heap.
// next() advances the session whose next packet is earliest: each call fills
// engine.spec (a FrameSpec) with exactly one packet at engine.now (ns since
// the capture start). Sessions keep their own PRNG state, so what a session
// sends does not depend on how it interleaves with others; the whole stream is
// a pure function of the seed and the scenario.
//
// The engine also counts, from what it built, the layers of every frame
// (DESIGN §7 rule) and the flows of every session.

import {
  FrameSpec, PayloadPool, buildFrame, buildL4, sum16, tcpSynOptions, tcpTsOptions, tcpTsSackOptions,
  L3_ARP, L3_IPV4, L3_IPV6, L3_OTHER, ETHERTYPE_LLDP, ETHERTYPE_QINQ, ETHERTYPE_VLAN,
  IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_IGMP, IPPROTO_ESP, IPPROTO_FRAGMENT,
  IPPROTO_HOPOPTS, IPPROTO_DSTOPTS, IPPROTO_ROUTING,
  TCP_SYN, TCP_ACK, TCP_FIN, TCP_RST, TCP_PSH, put32, ipv4ToString,
} from './packets.js';
import { LINKTYPE_ETHERNET, LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2 } from './writer.js';
import {
  DNS_NAMES, HTTP_PATHS, dnsQuery, dnsResponse, httpRequest, httpResponseHeader, ntpPacket, syslogMessage,
  rtpHeader, lldpPdu, igmpReport, tlsRecordHeader, IPOPT_ROUTER_ALERT, IPOPT_RECORD_ROUTE,
} from './apps.js';

/** 2026-01-01T00:00:00Z */
export const START_SEC = 1767225600;
export const MS = 1e6;
export const US = 1e3;
export const SEC = 1e9;

// --- PRNG -----------------------------------------------------------------

/** mulberry32: 32-bit state, fast, good enough for traffic shapes. */
export class Rng {
  s: number;
  constructor(seed: number) { this.s = seed >>> 0; }
  u32(): number {
    const a = (this.s = (this.s + 0x6d2b79f5) | 0);
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) >>> 0;
  }
  /** [0, 1) */
  float(): number { return this.u32() / 4294967296; }
  /** integer in [0, n) */
  int(n: number): number { return Math.floor(this.float() * n); }
  /** integer in [lo, hi] */
  range(lo: number, hi: number): number { return lo + Math.floor(this.float() * (hi - lo + 1)); }
  chance(p: number): boolean { return this.float() < p; }
  /** exponential with the given mean */
  exp(mean: number): number { return -mean * Math.log(1 - this.float()); }
  /** log-uniform in [lo, hi] */
  logUniform(lo: number, hi: number): number { return Math.exp(Math.log(lo) + this.float() * (Math.log(hi) - Math.log(lo))); }
}

/** Mix a seed with a label (FNV-1a), for independent streams per file or purpose. */
export function deriveSeed(seed: number, label: string): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 16777619) >>> 0;
  return h;
}

// --- topology ---------------------------------------------------------------

export const GATEWAY_MAC = [0x02, 0x00, 0x00, 0x00, 0x00, 0x01];
export const SWITCH_MAC = [0x02, 0x00, 0x00, 0x00, 0xfe, 0x01];
const BROADCAST_MAC = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff];

/** Host table: MAC (the next hop's MAC for remote hosts), IPv4, IPv6, TTL as seen by the monitor. */
export class Hosts {
  n = 0;
  mac: Uint8Array;
  v4: Uint32Array;
  v6: Uint8Array;
  ttl: Uint8Array;
  local: Uint8Array;
  constructor(private cap = 64) {
    this.mac = new Uint8Array(cap * 6);
    this.v4 = new Uint32Array(cap);
    this.v6 = new Uint8Array(cap * 16);
    this.ttl = new Uint8Array(cap);
    this.local = new Uint8Array(cap);
  }
  add(mac: ArrayLike<number>, v4: number, v6: ArrayLike<number>, ttl: number, local: boolean): number {
    if (this.n === this.cap) {
      this.cap *= 2;
      const g = <T extends Uint8Array | Uint32Array>(a: T, k: number): T => {
        const b = new (a.constructor as new (n: number) => T)(this.cap * k); b.set(a); return b;
      };
      this.mac = g(this.mac, 6); this.v4 = g(this.v4, 1); this.v6 = g(this.v6, 16); this.ttl = g(this.ttl, 1); this.local = g(this.local, 1);
    }
    const i = this.n++;
    this.mac.set(Array.from(mac), i * 6);
    this.v4[i] = v4 >>> 0;
    this.v6.set(Array.from(v6), i * 16);
    this.ttl[i] = ttl;
    this.local[i] = local ? 1 : 0;
    return i;
  }
  v4str(i: number): string { return ipv4ToString(this.v4[i]); }
  v6str(i: number): string {
    const p: string[] = [];
    for (let k = 0; k < 16; k += 2) p.push(((this.v6[i * 16 + k] << 8) | this.v6[i * 16 + k + 1]).toString(16));
    return p.join(':');
  }
}

export function v4(a: number, b: number, c: number, d: number): number { return ((a << 24) | (b << 16) | (c << 8) | d) >>> 0; }

/** IPv6 address from 8 groups (missing groups are 0 in the middle as with "::"). */
export function v6(head: number[], tail: number[] = []): number[] {
  const g = [...head, ...new Array(8 - head.length - tail.length).fill(0), ...tail];
  const out: number[] = [];
  for (const x of g) out.push((x >> 8) & 255, x & 255);
  return out;
}

export interface Topology {
  hosts: Hosts;
  gateway: number;
  locals: number[];
  remotes: number[];
  /** Resolver and time server used by the scenarios. */
  dns: number;
  ntp: number;
  syslog: number;
}

/**
 * A LAN 10.0.0.0/24 + fd00::/64 behind gateway .1/::1 with `nLocal` hosts
 * (.10 upwards) and `nRemote` servers in documentation (or, past 700,
 * benchmarking) ranges. `nLocal` may exceed 240: hosts then spread over 10.0.0.0/8.
 */
/** 123 -> 0x123: decimal digits read as hex, so fd00::10 is the IPv6 twin of 10.0.0.10. */
function dh(n: number): number { return parseInt(String(n), 16); }

export function makeTopology(nLocal: number, nRemote: number, seed: number): Topology {
  const r = new Rng(deriveSeed(seed, 'topology'));
  const hosts = new Hosts(nLocal + nRemote + 8);
  const gateway = hosts.add(GATEWAY_MAC, v4(10, 0, 0, 1), v6([0xfd00], [1]), 64, true);
  const syslog = hosts.add([2, 0, 0x0a, 0, 0, 2], v4(10, 0, 0, 2), v6([0xfd00], [2]), 64, true);
  const locals: number[] = [];
  for (let k = 0; k < nLocal; k++) {
    const n = k + 10;
    const a = nLocal <= 240 ? v4(10, 0, 0, n) : (v4(10, 0, 0, 0) + (1 << 8) + n) >>> 0; // 10.0.1.10 ... for big counts
    const a6 = nLocal <= 240 ? v6([0xfd00], [dh(n)]) : v6([0xfd00], [(a >>> 16) & 0xffff, a & 0xffff]);
    locals.push(hosts.add([0x02, 0x00, (a >>> 24) & 255, (a >>> 16) & 255, (a >>> 8) & 255, a & 255], a, a6, 64, true));
  }
  const remotes: number[] = [];
  const nets = [v4(198, 51, 100, 0), v4(203, 0, 113, 0), v4(192, 0, 2, 0)];
  for (let k = 0; k < nRemote; k++) {
    let a: number;
    if (nRemote <= 700) a = (nets[k % 3] + 10 + Math.floor(k / 3)) >>> 0;
    else a = (v4(198, 18, 0, 0) + 256 + k) >>> 0; // RFC 2544 benchmarking range
    const ttl = r.chance(0.2) ? 128 - r.range(8, 20) : 64 - r.range(6, 14);
    const a6 = nRemote <= 700 ? v6([0x2001, 0xdb8, dh((a >>> 8) & 255)], [dh(a & 255)]) : v6([0x2001, 0xdb8, 0x18, (a >>> 16) & 255], [a & 0xffff]);
    remotes.push(hosts.add(GATEWAY_MAC, a, a6, ttl, false));
  }
  const ntp = hosts.add(GATEWAY_MAC, v4(192, 0, 2, 123), v6([0x2001, 0xdb8, 0x123], [0x123]), 57, false);
  return { hosts, gateway, locals, remotes, dns: gateway, ntp, syslog };
}

/** VLAN tag stacks a session can use (outermost first). Index 0: untagged. */
export const VLAN_STACKS: ReadonlyArray<ReadonlyArray<readonly [number, number]>> = [
  [],
  [[ETHERTYPE_VLAN, 10]],
  [[ETHERTYPE_VLAN, (5 << 13) | 20]],
  [[ETHERTYPE_QINQ, 100], [ETHERTYPE_VLAN, 10]],
  [[ETHERTYPE_QINQ, 100], [ETHERTYPE_VLAN, (3 << 13) | 20]],
  [[ETHERTYPE_QINQ, 200], [ETHERTYPE_VLAN, 30]],
  [[ETHERTYPE_VLAN, 30]],
];

/** IPv6 extension header chains a session can use. Index 0: none. */
export const V6_EXT_CHAINS: ReadonlyArray<ReadonlyArray<number>> = [
  [],
  [IPPROTO_HOPOPTS],
  [IPPROTO_DSTOPTS],
  [IPPROTO_HOPOPTS, IPPROTO_DSTOPTS, IPPROTO_ROUTING],
  [IPPROTO_ROUTING],
  [IPPROTO_HOPOPTS, IPPROTO_ROUTING, IPPROTO_DSTOPTS],
  [IPPROTO_FRAGMENT], // atomic fragment (RFC 6946): offset 0, M = 0
  [IPPROTO_HOPOPTS, IPPROTO_DSTOPTS],
];

// --- statistics --------------------------------------------------------------

export interface LayerCounts {
  ethernet: number; vlan: number; arp: number; ipv4: number; ipv6: number;
  tcp: number; udp: number; icmp: number; icmpv6: number; other: number;
}
export interface FlowCounts { tcp: number; udp: number; icmp: number; other: number }

export function newLayerCounts(): LayerCounts {
  return { ethernet: 0, vlan: 0, arp: 0, ipv4: 0, ipv6: 0, tcp: 0, udp: 0, icmp: 0, icmpv6: 0, other: 0 };
}

/** Count one frame's layers by the DESIGN §7 rule. */
export function countLayers(c: LayerCounts, s: FrameSpec): void {
  if (s.link === LINKTYPE_ETHERNET) {
    c.ethernet++;
    if (s.vlanCount > 0) c.vlan++;
  }
  switch (s.l3) {
    case L3_ARP: c.arp++; return;
    case L3_OTHER: c.other++; return;
    case L3_IPV4: c.ipv4++; if (s.fragOffset !== 0) return; break;
    case L3_IPV6: {
      c.ipv6++;
      for (let k = 0; k < s.v6extCount; k++) if (s.v6ext[k] === IPPROTO_FRAGMENT && s.fragOffset !== 0) return;
      break;
    }
  }
  switch (s.proto) {
    case IPPROTO_TCP: c.tcp++; break;
    case IPPROTO_UDP: c.udp++; break;
    case IPPROTO_ICMP: c.icmp++; break;
    case IPPROTO_ICMPV6: c.icmpv6++; break;
  }
}

// --- sessions ----------------------------------------------------------------

export const K_TCP = 0;
export const K_DNS = 1;
export const K_NTP = 2;
export const K_RTP = 3;
export const K_SYSLOG = 4;
export const K_PING = 5;
export const K_UDPFRAG = 6;
export const K_UNREACH = 7;
export const K_ARP = 8;
export const K_LLDP = 9;
export const K_IGMP = 10;
export const K_ESP = 11;
export const K_UDP_TINY = 12;

export const APP_HTTP = 0;
export const APP_TLS = 1;
export const APP_RAW = 2;

export const CLOSE_FIN_C = 0;
export const CLOSE_FIN_S = 1;
export const CLOSE_RST_C = 2;
export const CLOSE_RST_S = 3;
export const CLOSE_REFUSED = 4;

/** Session option flags. */
export const F_V6 = 1;
export const F_IPOPT = 2; // IPv4 Record Route on client packets
export const F_REVERSE_FRAGS = 4; // send fragments last first
export const F_GRATUITOUS = 8; // ARP: gratuitous announcement only
export const F_SACK = 16; // TCP: some ACKs carry a (D-)SACK block
export const F_UPLOAD = 32; // TCP: requests are uploads (20-80 KB) rather than small requests

export interface SessionInit {
  kind: number;
  cli: number;
  srv: number;
  flags?: number;
  vlan?: number;
  ext?: number;
  ifIdx?: number;
  /** Round-trip time in ns (default: 0.4 ms to local hosts, 20 ms to remote ones). */
  rtt?: number;
  sport?: number;
  cport?: number;
  /** TCP: application and close mode. */
  app?: number;
  close?: number;
  /** TCP: request/response rounds; others: number of exchanges/packets. */
  count?: number;
  /** TCP: mean response size; ping/frag: payload size; DNS: name index. */
  size?: number;
  /** Interval between exchanges in ns (NTP, ping, syslog, LLDP, IGMP). */
  interval?: number;
  /** DNS: query type (1 A, 28 AAAA) and rcode. */
  qtype?: number;
  rcode?: number;
}

// Session record layout: one 96-byte record per session, so stepping a
// session touches two cache lines instead of one per field (this matters with
// a million live sessions). Offsets are in units of each view's element size.
const W32 = 24;
const W16 = 48;
const W8 = 96;
const W64 = 12;
// u32 words 0-12
const O_RNG = 0;
const O_SEQ_C = 1;
const O_SEQ_S = 2;
const O_A = 3;
const O_B = 4;
const O_C = 5;
const O_D = 6;
const O_E = 7;
const O_ID = 8;
const O_TS_C = 9;
const O_TS_S = 10;
const O_CLI = 11;
const O_SRV = 12;
// bytes 52-59
const O_KIND = 52;
const O_PHASE = 53;
const O_VLAN = 54;
const O_EXT = 55;
const O_IF_IDX = 56;
const O_APP = 57;
const O_CLOSE = 58;
const O_FLAGS = 59;
// u16 30-33 (bytes 60-67)
const O_CPORT = 30;
const O_SPORT = 31;
const O_IP_ID_C = 32;
const O_IP_ID_S = 33;
// f64 9-10 (bytes 72-87)
const O_RTT = 9;
const O_INTERVAL = 10;

/**
 * Session table: records in one ArrayBuffer seen through four views, plus a
 * free list. Fields (see the O_* offsets): rng (PRNG state), seqC/seqS (TCP
 * sequence numbers or per-direction counters), a-e (kind state), id, tsC/tsS,
 * cli/srv (host indices), kind, phase, vlan (VLAN_STACKS index), ext
 * (V6_EXT_CHAINS index), ifIdx, app, close, flags, cport/sport, ipIdC/ipIdS,
 * rtt and interval (ns).
 */
export class Sessions {
  cap: number;
  u8!: Uint8Array;
  u16!: Uint16Array;
  u32!: Uint32Array;
  f64!: Float64Array;
  private freeList: Int32Array;
  private nFree = 0;
  used = 0;

  constructor(cap = 1024) {
    this.cap = cap;
    this.view(new ArrayBuffer(cap * W8));
    this.freeList = new Int32Array(cap);
  }

  private view(buf: ArrayBuffer): void {
    this.u8 = new Uint8Array(buf);
    this.u16 = new Uint16Array(buf);
    this.u32 = new Uint32Array(buf);
    this.f64 = new Float64Array(buf);
  }

  alloc(): number {
    if (this.nFree > 0) return this.freeList[--this.nFree];
    if (this.used === this.cap) this.grow();
    return this.used++;
  }

  free(i: number): void { this.freeList[this.nFree++] = i; }

  get live(): number { return this.used - this.nFree; }

  private grow(): void {
    const cap = this.cap * 2;
    const old = this.u8;
    this.view(new ArrayBuffer(cap * W8));
    this.u8.set(old);
    const fl = new Int32Array(cap);
    fl.set(this.freeList);
    this.freeList = fl;
    this.cap = cap;
  }
}

/**
 * 4-ary min-heap of (time, slot) in typed arrays: half the depth of a binary
 * heap, which matters with a million live sessions. Ties pop in a
 * deterministic order (a function of the operation sequence).
 */
export class TimeHeap {
  t: Float64Array;
  v: Int32Array;
  n = 0;
  constructor(cap = 1024) { this.t = new Float64Array(cap); this.v = new Int32Array(cap); }
  push(t: number, v: number): void {
    if (this.n === this.t.length) {
      const t2 = new Float64Array(this.n * 2); t2.set(this.t); this.t = t2;
      const v2 = new Int32Array(this.n * 2); v2.set(this.v); this.v = v2;
    }
    const T = this.t, V = this.v;
    let i = this.n++;
    while (i > 0) {
      const p = (i - 1) >> 2;
      if (T[p] <= t) break;
      T[i] = T[p]; V[i] = V[p]; i = p;
    }
    T[i] = t; V[i] = v;
  }
  /** Replace the top with (t, v) and restore order. */
  replaceTop(t: number, v: number): void { this.siftDown(0, t, v); }
  pop(): void {
    const n = --this.n;
    if (n > 0) this.siftDown(0, this.t[n], this.v[n]);
  }
  private siftDown(i: number, t: number, v: number): void {
    const T = this.t, V = this.v, n = this.n;
    for (;;) {
      const c0 = 4 * i + 1;
      if (c0 >= n) break;
      let c = c0;
      let m = T[c0];
      const end = c0 + 4 < n ? c0 + 4 : n;
      for (let k = c0 + 1; k < end; k++) if (T[k] < m) { m = T[k]; c = k; }
      if (m >= t) break;
      T[i] = m; V[i] = V[c]; i = c;
    }
    T[i] = t; V[i] = v;
  }
}

export interface EngineOptions {
  link?: number;
  seed: number;
  topology: Topology;
  /** Minimum-size frames only (IPv4, no TCP options, payloads that fit in 60 bytes). */
  small?: boolean;
  /** Keep the set of flow keys (fixtures: check they are distinct). */
  trackFlowKeys?: boolean;
  mtu?: number;
}

type StepFn = (e: Engine, i: number) => number;

/** Called when engine time reaches the next arrival; adds sessions and returns the next arrival time (Infinity: none). */
export type Spawner = (e: Engine, t: number) => number;

export class Engine {
  readonly S = new Sessions();
  readonly heap = new TimeHeap();
  readonly spec = new FrameSpec();
  readonly topo: Topology;
  readonly hosts: Hosts;
  readonly pool: PayloadPool;
  /** Per-session PRNG (its state is swapped in while the session steps). */
  readonly rng = new Rng(0);
  /** The engine's own PRNG (session seeds, spawners). */
  readonly grng: Rng;
  readonly small: boolean;
  readonly link: number;
  readonly mtu: number;
  /** Scratch for payload assembly, and for whole datagrams being fragmented. */
  readonly scratch = Buffer.alloc(70000);
  readonly fragBuf = Buffer.alloc(70000);
  readonly quoteBuf = Buffer.alloc(2048);
  readonly layers = newLayerCounts();
  readonly flows: FlowCounts = { tcp: 0, udp: 0, icmp: 0, other: 0 };
  readonly flowKeys: Set<string> | null;
  /** Extra counts: IPv4/IPv6 fragments emitted (first, non-first). */
  fragFirst = 0;
  fragNonFirst = 0;
  sessionsStarted = 0;
  packets = 0;
  /** Time (ns since START_SEC) and session slot of the packet in spec. */
  now = 0;
  cur = -1;
  spawner: Spawner | null = null;
  private readonly addFlowBound = (i: number, proto: number, pc: number, ps: number): void => this.addFlow(i, proto, pc, ps);
  spawnAt = Infinity;
  private portNext: Uint16Array;

  constructor(o: EngineOptions) {
    this.topo = o.topology;
    this.hosts = o.topology.hosts;
    this.grng = new Rng(deriveSeed(o.seed, 'engine'));
    this.pool = new PayloadPool(1 << 20, deriveSeed(o.seed, 'payload'));
    this.small = o.small ?? false;
    this.link = o.link ?? LINKTYPE_ETHERNET;
    this.mtu = o.mtu ?? 1500;
    this.flowKeys = o.trackFlowKeys ? new Set() : null;
    this.spec.link = this.link;
    this.portNext = new Uint16Array(this.hosts.n);
    for (let k = 0; k < this.portNext.length; k++) this.portNext[k] = this.grng.range(0, 28000);
  }

  setSpawner(fn: Spawner, firstAt: number): void { this.spawner = fn; this.spawnAt = firstAt; }

  /** Next ephemeral port for a client host (sequential per host, so 5-tuples stay distinct). */
  ephemeralPort(host: number): number {
    const p = this.portNext[host];
    this.portNext[host] = p + 1 >= 28232 ? 0 : p + 1;
    return 32768 + p;
  }

  /** Add a session whose first packet is at time t (ns). Returns its slot. */
  add(t: number, o: SessionInit): number {
    const S = this.S;
    const i = S.alloc();
    const k = o.kind;
    if ((k === K_ARP || k === K_LLDP) && this.link !== LINKTYPE_ETHERNET && this.link !== LINKTYPE_LINUX_SLL && this.link !== LINKTYPE_LINUX_SLL2) {
      throw new RangeError(`session kind ${k} needs a link layer that carries ARP/LLDP`);
    }
    const flags = o.flags ?? 0;
    const local = this.hosts.local[o.srv] === 1;
    S.u8[i * W8 + O_KIND] = k;
    S.u8[i * W8 + O_PHASE] = 0;
    S.u8[i * W8 + O_FLAGS] = flags;
    S.u8[i * W8 + O_VLAN] = this.link === LINKTYPE_ETHERNET ? (o.vlan ?? 0) : 0;
    S.u8[i * W8 + O_EXT] = flags & F_V6 ? (o.ext ?? 0) : 0;
    S.u8[i * W8 + O_IF_IDX] = o.ifIdx ?? 0;
    S.u8[i * W8 + O_APP] = o.app ?? APP_TLS;
    S.u8[i * W8 + O_CLOSE] = o.close ?? CLOSE_FIN_C;
    S.u32[i * W32 + O_CLI] = o.cli;
    S.u32[i * W32 + O_SRV] = o.srv;
    S.f64[i * W64 + O_RTT] = Math.round(o.rtt ?? (local ? 400 * US : 20 * MS));
    S.f64[i * W64 + O_INTERVAL] = Math.round(o.interval ?? SEC);
    const seed = this.grng.u32();
    S.u32[i * W32 + O_RNG] = seed;
    const r = this.rng;
    const saved = r.s;
    r.s = seed;
    S.u16[i * W16 + O_CPORT] = o.cport ?? this.ephemeralPort(o.cli);
    S.u16[i * W16 + O_SPORT] = o.sport ?? 0;
    S.u16[i * W16 + O_IP_ID_C] = r.u32() & 0xffff;
    S.u16[i * W16 + O_IP_ID_S] = r.u32() & 0xffff;
    S.u32[i * W32 + O_SEQ_C] = r.u32();
    S.u32[i * W32 + O_SEQ_S] = r.u32();
    S.u32[i * W32 + O_TS_C] = r.u32();
    S.u32[i * W32 + O_TS_S] = r.u32();
    S.u32[i * W32 + O_ID] = r.u32();
    S.u32[i * W32 + O_A] = 0; S.u32[i * W32 + O_B] = 0; S.u32[i * W32 + O_C] = 0; S.u32[i * W32 + O_D] = 0; S.u32[i * W32 + O_E] = 0;
    INIT[k](this, i, o);
    S.u32[i * W32 + O_RNG] = r.s;
    r.s = saved;
    this.registerFlows(i);
    this.sessionsStarted++;
    this.heap.push(Math.round(t), i);
    return i;
  }

  /**
   * Advance to the next packet: fills `spec`, sets `now` and `cur`.
   * Returns false when no session is left and no spawner has more.
   */
  next(): boolean {
    const heap = this.heap;
    for (;;) {
      if (this.spawner !== null && this.spawnAt <= (heap.n > 0 ? heap.t[0] : Infinity)) {
        this.spawnAt = this.spawner(this, this.spawnAt);
        if (this.spawnAt === Infinity) this.spawner = null;
        continue;
      }
      if (heap.n === 0) return false;
      const t = heap.t[0];
      const i = heap.v[0];
      this.now = t;
      this.cur = i;
      const S = this.S;
      this.spec.reset();
      this.rng.s = S.u32[i * W32 + O_RNG];
      const delay = STEP[S.u8[i * W8 + O_KIND]](this, i);
      S.u32[i * W32 + O_RNG] = this.rng.s;
      if (delay >= 0) heap.replaceTop(t + Math.max(1, Math.round(delay)), i);
      else { heap.pop(); S.free(i); }
      countLayers(this.layers, this.spec);
      this.packets++;
      return true;
    }
  }

  /** Capture interface (pcapng interface index) of the current packet's session. */
  ifIndex(): number { return this.S.u8[this.cur * W8 + O_IF_IDX]; }

  /** Build the current packet's frame into buf; returns its length. */
  build(buf: Uint8Array): number { return buildFrame(buf, this.spec); }

  // --- helpers used by the session kinds ---

  /** Link + IP addressing of session i in one direction. */
  endpoints(i: number, fromClient: boolean, proto: number): void {
    const S = this.S, H = this.hosts, s = this.spec;
    const a = fromClient ? S.u32[i * W32 + O_CLI] : S.u32[i * W32 + O_SRV];
    const b = fromClient ? S.u32[i * W32 + O_SRV] : S.u32[i * W32 + O_CLI];
    const m = H.mac;
    for (let k = 0; k < 6; k++) { s.srcMac[k] = m[a * 6 + k]; s.dstMac[k] = m[b * 6 + k]; }
    const vs = VLAN_STACKS[S.u8[i * W8 + O_VLAN]];
    s.vlanCount = vs.length;
    for (let k = 0; k < vs.length; k++) { s.vlanTpid[k] = vs[k][0]; s.vlanTci[k] = vs[k][1]; }
    s.pktType = fromClient ? 4 : 0;
    s.ifIndex = 2;
    s.proto = proto;
    s.ttl = H.ttl[a];
    if (S.u8[i * W8 + O_FLAGS] & F_V6) {
      s.l3 = L3_IPV6;
      const V = H.v6;
      for (let k = 0; k < 16; k++) { s.src[k] = V[a * 16 + k]; s.dst[k] = V[b * 16 + k]; }
      const ch = V6_EXT_CHAINS[S.u8[i * W8 + O_EXT]];
      s.v6extCount = ch.length;
      for (let k = 0; k < ch.length; k++) s.v6ext[k] = ch[k];
      s.fragId = S.u32[i * W32 + O_ID]; // used only by the atomic-fragment chain
      s.flowLabel = (S.u32[i * W32 + O_ID] ^ (fromClient ? 0 : 0x5555)) & 0xfffff;
    } else {
      s.l3 = L3_IPV4;
      put32(s.src, 0, H.v4[a]);
      put32(s.dst, 0, H.v4[b]);
      if (fromClient) { s.ipId = S.u16[i * W16 + O_IP_ID_C]; S.u16[i * W16 + O_IP_ID_C] = (S.u16[i * W16 + O_IP_ID_C] + 1) & 0xffff; }
      else { s.ipId = S.u16[i * W16 + O_IP_ID_S]; S.u16[i * W16 + O_IP_ID_S] = (S.u16[i * W16 + O_IP_ID_S] + 1) & 0xffff; }
      if (fromClient && (S.u8[i * W8 + O_FLAGS] & F_IPOPT)) s.ipOptions = IPOPT_RECORD_ROUTE;
    }
    s.sport = fromClient ? S.u16[i * W16 + O_CPORT] : S.u16[i * W16 + O_SPORT];
    s.dport = fromClient ? S.u16[i * W16 + O_SPORT] : S.u16[i * W16 + O_CPORT];
  }

  /** Payload: `prefix` bytes already in scratch, then `n` pool bytes. O(1) checksum for the pool part. */
  payload(prefix: number, n: number): void {
    const s = this.spec, pool = this.pool;
    let k = (this.rng.u32() % (pool.buf.length - 70000)) & ~1;
    if (prefix === 0) {
      s.payload = pool.buf; s.payloadOff = k; s.payloadLen = n; s.payloadSum = pool.sum(k, n);
      return;
    }
    if (prefix & 1) k++;
    const sc = this.scratch;
    if (n > 0) pool.buf.copy(sc, prefix, k, k + n);
    const odd = prefix & 1;
    let sum = sum16(sc, 0, prefix + (n > 0 ? odd : 0));
    if (n > odd) sum += pool.sum(k + odd, n - odd);
    s.payload = sc; s.payloadOff = 0; s.payloadLen = prefix + n; s.payloadSum = sum % 65535;
  }

  /** Payload entirely in scratch[0, n). */
  scratchPayload(n: number): void {
    const s = this.spec;
    s.payload = this.scratch; s.payloadOff = 0; s.payloadLen = n; s.payloadSum = -1;
  }

  /** Largest fragment payload for the session's IP version (multiple of 8). */
  fragPayload(i: number): number {
    if (this.S.u8[i * W8 + O_FLAGS] & F_V6) {
      let ext = 8;
      for (const c of V6_EXT_CHAINS[this.S.u8[i * W8 + O_EXT]]) {
        if (c === IPPROTO_FRAGMENT) throw new RangeError('cannot fragment a session that uses the atomic-fragment chain');
        ext += c === IPPROTO_ROUTING ? 24 : 8;
      }
      return (this.mtu - 40 - ext) & ~7;
    }
    return (this.mtu - 20) & ~7;
  }

  /**
   * Turn the fully described datagram in spec into fragment k of n (builds the
   * whole L4 datagram into fragBuf first). `ident` is the IPv4 ID / IPv6 fragment id.
   */
  fragment(k: number, per: number, ident: number): void {
    const s = this.spec;
    const len = buildL4(this.fragBuf, s);
    const off = k * per;
    s.raw = this.fragBuf; s.rawOff = off; s.rawLen = Math.min(per, len - off);
    s.fragOffset = off;
    s.mf = off + per < len;
    if (s.l3 === L3_IPV6) {
      s.v6ext[s.v6extCount++] = IPPROTO_FRAGMENT;
      s.fragId = ident;
    } else {
      s.df = false;
      s.ipId = ident & 0xffff;
    }
    if (off === 0) this.fragFirst++; else this.fragNonFirst++;
  }

  /** Count one flow of session i (and check its key is new when keys are tracked). */
  private addFlow(i: number, proto: number, pc: number, ps: number): void {
    const S = this.S;
    if (proto === IPPROTO_TCP) this.flows.tcp++;
    else if (proto === IPPROTO_UDP) this.flows.udp++;
    else if (proto === IPPROTO_ICMP || proto === IPPROTO_ICMPV6) this.flows.icmp++;
    else this.flows.other++;
    if (!this.flowKeys) return;
    const H = this.hosts;
    const v6f = (S.u8[i * W8 + O_FLAGS] & F_V6) !== 0;
    const ca = (v6f ? H.v6str(S.u32[i * W32 + O_CLI]) : H.v4str(S.u32[i * W32 + O_CLI])) + '/' + pc;
    const sa = (v6f ? H.v6str(S.u32[i * W32 + O_SRV]) : H.v4str(S.u32[i * W32 + O_SRV])) + '/' + ps;
    const vl = VLAN_STACKS[S.u8[i * W8 + O_VLAN]].map((x) => x[1] & 0xfff).join('.');
    const key = `${vl}|${proto}|${ca < sa ? ca + '|' + sa : sa + '|' + ca}`;
    if (this.flowKeys.has(key)) throw new Error(`duplicate flow key ${key} (session kind ${S.u8[i * W8 + O_KIND]})`);
    this.flowKeys.add(key);
  }

  private registerFlows(i: number): void {
    const S = this.S;
    const v6f = (S.u8[i * W8 + O_FLAGS] & F_V6) !== 0;
    const add = this.addFlowBound;
    const k = S.u8[i * W8 + O_KIND];
    const icmp = v6f ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
    switch (k) {
      case K_TCP: add(i, IPPROTO_TCP, S.u16[i * W16 + O_CPORT], S.u16[i * W16 + O_SPORT]); break;
      case K_DNS: case K_NTP: case K_RTP: case K_SYSLOG: case K_UDPFRAG: case K_UDP_TINY:
        add(i, IPPROTO_UDP, S.u16[i * W16 + O_CPORT], S.u16[i * W16 + O_SPORT]); break;
      case K_PING: add(i, icmp, v6f ? 128 : 8, v6f ? 129 : 0); break; // echo request/reply pair (Community ID style)
      case K_UNREACH:
        add(i, IPPROTO_UDP, S.u16[i * W16 + O_CPORT], S.u16[i * W16 + O_SPORT]);
        add(i, icmp, v6f ? 1 : 3, v6f ? 4 : 3);
        break;
      case K_IGMP: add(i, IPPROTO_IGMP, 0, 0); break;
      case K_ESP: add(i, IPPROTO_ESP, 0, 0); break;
      default: break; // ARP, LLDP: not IP flows
    }
  }
}

// --- session kinds ------------------------------------------------------------
// INIT[k](engine, slot, init) sets kind state; STEP[k](engine, slot) emits one
// packet into engine.spec and returns the delay (ns) to the session's next
// packet, or -1 when the session is over.

const nop = (): void => {};

// TCP phases
const T_SYN = 0, T_SYNACK = 1, T_ACK3 = 2, T_REQ = 3, T_REQACK = 4, T_RESP = 5, T_RESPACK = 6;
const T_FC1 = 7, T_FC2 = 8, T_FC3 = 9, T_FS1 = 10, T_FS2 = 11, T_FS3 = 12, T_RSTC = 13, T_RSTS = 14, T_REFUSED = 15;
// d bits: segments since last ACK (0-7), flight left (8-15), cwnd (16-23), first segment of message pending (24)
const D_FIRST = 1 << 24;

function tcpMss(e: Engine, i: number): number {
  if (e.small) return 6;
  return e.S.u8[i * W8 + O_FLAGS] & F_V6 ? 1428 : 1448;
}

function serGap(e: Engine, len: number): number {
  // ~100 Mbit/s bottleneck plus jitter: 80 ns per byte on the wire
  return (len + 66) * 80 + e.rng.int(2000);
}

function smallGap(e: Engine): number { return 20 * US + e.rng.int(200 * US); }

/** Write the HTTP request of the current round into scratch (a pure function of the session state). */
function httpText(e: Engine, i: number): number {
  const S = e.S;
  return httpRequest(e.scratch, 0, DNS_NAMES[S.u32[i * W32 + O_ID] % DNS_NAMES.length], HTTP_PATHS[((S.u32[i * W32 + O_ID] >>> 8) + S.u32[i * W32 + O_C]) % HTTP_PATHS.length]);
}

function startRequest(e: Engine, i: number): void {
  const S = e.S, r = e.rng;
  let n: number;
  if (e.small) n = r.range(1, 6);
  else if (S.u8[i * W8 + O_APP] === APP_HTTP) n = httpText(e, i);
  else n = S.u8[i * W8 + O_FLAGS] & F_UPLOAD ? r.range(20000, 80000) : r.range(120, 900);
  S.u32[i * W32 + O_A] = n;
  S.u32[i * W32 + O_D] = (S.u32[i * W32 + O_D] & 0x00ff0000) | D_FIRST | (((S.u32[i * W32 + O_D] >>> 16) & 255) << 8);
}

function startResponse(e: Engine, i: number): void {
  const S = e.S, r = e.rng;
  let n: number;
  if (e.small) n = r.range(1, 6) * r.range(1, 3);
  else {
    const mean = S.u32[i * W32 + O_B];
    n = Math.max(1, Math.round(r.logUniform(mean / 8, mean * 2)));
    if (S.u8[i * W8 + O_APP] === APP_HTTP) { S.u32[i * W32 + O_E] = n; n += httpResponseHeader(null, 0, n); }
  }
  S.u32[i * W32 + O_A] = n;
  S.u32[i * W32 + O_D] = (S.u32[i * W32 + O_D] & 0x00ff0000) | D_FIRST | (((S.u32[i * W32 + O_D] >>> 16) & 255) << 8);
}

/** Fill spec with one TCP segment of session i. */
function tcpSeg(e: Engine, i: number, fromClient: boolean, flags: number, len: number): void {
  const S = e.S, s = e.spec;
  e.endpoints(i, fromClient, IPPROTO_TCP);
  s.tcpFlags = flags;
  s.seq = fromClient ? S.u32[i * W32 + O_SEQ_C] : S.u32[i * W32 + O_SEQ_S];
  s.ack = flags & TCP_ACK ? (fromClient ? S.u32[i * W32 + O_SEQ_S] : S.u32[i * W32 + O_SEQ_C]) : 0;
  const syn = (flags & TCP_SYN) !== 0;
  s.window = syn ? (fromClient ? 64240 : 65160) : fromClient ? 501 : 509;
  if (!e.small) {
    const ms = Math.floor(e.now / MS);
    const rttMs = Math.floor(S.f64[i * W64 + O_RTT] / MS);
    const tsval = ((fromClient ? S.u32[i * W32 + O_TS_C] : S.u32[i * W32 + O_TS_S]) + ms) >>> 0;
    const tsecr = (flags & TCP_ACK) ? (((fromClient ? S.u32[i * W32 + O_TS_S] : S.u32[i * W32 + O_TS_C]) + Math.max(0, ms - rttMs)) >>> 0) : 0;
    if (syn) tcpSynOptions(s, fromClient ? 1460 : (S.u8[i * W8 + O_FLAGS] & F_V6 ? 1440 : 1460), tsval, tsecr, 7);
    else if ((S.u8[i * W8 + O_FLAGS] & F_SACK) && fromClient && len === 0 && S.u8[i * W8 + O_PHASE] === T_RESPACK && e.rng.chance(0.3)) {
      // a D-SACK block (RFC 2883): the last segment arrived twice
      tcpTsSackOptions(s, tsval, tsecr, (S.u32[i * W32 + O_SEQ_S] - tcpMss(e, i)) >>> 0, S.u32[i * W32 + O_SEQ_S]);
    } else tcpTsOptions(s, tsval, tsecr);
  }
  if (len > 0) {
    const first = (S.u32[i * W32 + O_D] & D_FIRST) !== 0;
    S.u32[i * W32 + O_D] &= ~D_FIRST;
    const app = e.small ? APP_RAW : S.u8[i * W8 + O_APP];
    if (app === APP_HTTP && first) {
      if (fromClient) {
        // request text: rebuilt from the same choices startRequest made
        e.scratchPayload(len);
      } else {
        const h = httpResponseHeader(e.scratch, 0, S.u32[i * W32 + O_E]);
        e.payload(h, len - h);
      }
    } else if (app === APP_TLS && len > 5) {
      tlsRecordHeader(e.scratch, 0, len - 5);
      e.payload(5, len - 5);
    } else {
      e.payload(0, len);
    }
  }
  const adv = len + (syn ? 1 : 0) + ((flags & TCP_FIN) ? 1 : 0);
  if (fromClient) S.u32[i * W32 + O_SEQ_C] = (S.u32[i * W32 + O_SEQ_C] + adv) >>> 0;
  else S.u32[i * W32 + O_SEQ_S] = (S.u32[i * W32 + O_SEQ_S] + adv) >>> 0;
}

function initTcp(e: Engine, i: number, o: SessionInit): void {
  const S = e.S;
  S.u16[i * W16 + O_SPORT] = o.sport ?? (S.u8[i * W8 + O_APP] === APP_HTTP ? 80 : 443);
  S.u32[i * W32 + O_B] = o.size ?? 8000;
  S.u32[i * W32 + O_C] = Math.max(0, (o.count ?? 1) - 1);
  S.u32[i * W32 + O_D] = 10 << 16;
}

function stepTcp(e: Engine, i: number): number {
  const S = e.S, R = S.f64[i * W64 + O_RTT];
  switch (S.u8[i * W8 + O_PHASE]) {
    case T_SYN:
      tcpSeg(e, i, true, TCP_SYN, 0);
      S.u8[i * W8 + O_PHASE] = S.u8[i * W8 + O_CLOSE] === CLOSE_REFUSED ? T_REFUSED : T_SYNACK;
      return R;
    case T_REFUSED: {
      tcpSeg(e, i, false, TCP_RST | TCP_ACK, 0);
      e.spec.seq = 0; e.spec.window = 0; e.spec.tcpOptLen = 0;
      return -1;
    }
    case T_SYNACK:
      tcpSeg(e, i, false, TCP_SYN | TCP_ACK, 0);
      S.u8[i * W8 + O_PHASE] = T_ACK3;
      return smallGap(e);
    case T_ACK3: {
      tcpSeg(e, i, true, TCP_ACK, 0);
      S.u8[i * W8 + O_PHASE] = T_REQ;
      startRequest(e, i);
      return 30 * US + e.rng.int(100 * US);
    }
    case T_REQ: {
      const mss = tcpMss(e, i);
      const d = S.u32[i * W32 + O_D];
      // rebuild the request text (other sessions may have used scratch since startRequest)
      if (S.u8[i * W8 + O_APP] === APP_HTTP && !e.small && (d & D_FIRST)) httpText(e, i);
      const len = Math.min(S.u32[i * W32 + O_A], mss);
      S.u32[i * W32 + O_A] -= len;
      tcpSeg(e, i, true, TCP_ACK | (S.u32[i * W32 + O_A] === 0 ? TCP_PSH : 0), len);
      let flight = (d >>> 8) & 255;
      flight = flight > 0 ? flight - 1 : 0;
      S.u32[i * W32 + O_D] = (S.u32[i * W32 + O_D] & ~0xff00) | (flight << 8);
      if (S.u32[i * W32 + O_A] === 0) {
        S.u8[i * W8 + O_PHASE] = T_RESP;
        startResponse(e, i);
        return R + 200 * US + e.rng.int(2 * MS);
      }
      if (flight === 0) { S.u8[i * W8 + O_PHASE] = T_REQACK; return R; }
      return serGap(e, len);
    }
    case T_REQACK: {
      tcpSeg(e, i, false, TCP_ACK, 0);
      const cwnd = Math.min(((S.u32[i * W32 + O_D] >>> 16) & 255) * 2, 64);
      S.u32[i * W32 + O_D] = (S.u32[i * W32 + O_D] & D_FIRST) | (cwnd << 16) | (cwnd << 8);
      S.u8[i * W8 + O_PHASE] = T_REQ;
      return smallGap(e);
    }
    case T_RESP: {
      const mss = tcpMss(e, i);
      const len = Math.min(S.u32[i * W32 + O_A], mss);
      S.u32[i * W32 + O_A] -= len;
      tcpSeg(e, i, false, TCP_ACK | (S.u32[i * W32 + O_A] === 0 ? TCP_PSH : 0), len);
      const d = S.u32[i * W32 + O_D];
      const since = (d & 255) + 1;
      let flight = (d >>> 8) & 255;
      flight = flight > 0 ? flight - 1 : 0;
      S.u32[i * W32 + O_D] = (d & ~0xffff) | (flight << 8) | since;
      if (since >= 2 || S.u32[i * W32 + O_A] === 0 || flight === 0) { S.u8[i * W8 + O_PHASE] = T_RESPACK; return 15 * US + e.rng.int(40 * US); }
      return serGap(e, len);
    }
    case T_RESPACK: {
      tcpSeg(e, i, true, TCP_ACK, 0);
      let d = S.u32[i * W32 + O_D] & ~255;
      if (S.u32[i * W32 + O_A] === 0) {
        if (S.u32[i * W32 + O_C] > 0) {
          S.u32[i * W32 + O_C]--;
          S.u8[i * W8 + O_PHASE] = T_REQ;
          startRequest(e, i);
          return Math.min(e.rng.exp(300 * MS), 5 * SEC) + R;
        }
        switch (S.u8[i * W8 + O_CLOSE]) {
          case CLOSE_FIN_C: S.u8[i * W8 + O_PHASE] = T_FC1; return e.rng.exp(50 * MS) + 100 * US;
          case CLOSE_FIN_S: S.u8[i * W8 + O_PHASE] = T_FS1; return 100 * US + e.rng.int(MS);
          case CLOSE_RST_C: S.u8[i * W8 + O_PHASE] = T_RSTC; return e.rng.exp(200 * MS) + 100 * US;
          default: S.u8[i * W8 + O_PHASE] = T_RSTS; return R + e.rng.int(5 * MS);
        }
      }
      S.u8[i * W8 + O_PHASE] = T_RESP;
      if (((d >>> 8) & 255) === 0) {
        // flight done: the next one (twice as large) arrives one RTT later
        const cwnd = Math.min(((d >>> 16) & 255) * 2, 64);
        S.u32[i * W32 + O_D] = (d & ~0xffff00) | (cwnd << 16) | (cwnd << 8);
        return R;
      }
      S.u32[i * W32 + O_D] = d;
      return 40 * US + e.rng.int(80 * US);
    }
    case T_FC1: tcpSeg(e, i, true, TCP_FIN | TCP_ACK, 0); S.u8[i * W8 + O_PHASE] = T_FC2; return R;
    case T_FC2: tcpSeg(e, i, false, TCP_FIN | TCP_ACK, 0); S.u8[i * W8 + O_PHASE] = T_FC3; return smallGap(e);
    case T_FC3: tcpSeg(e, i, true, TCP_ACK, 0); return -1;
    case T_FS1: tcpSeg(e, i, false, TCP_FIN | TCP_ACK, 0); S.u8[i * W8 + O_PHASE] = T_FS2; return smallGap(e);
    case T_FS2: tcpSeg(e, i, true, TCP_FIN | TCP_ACK, 0); S.u8[i * W8 + O_PHASE] = T_FS3; return R;
    case T_FS3: tcpSeg(e, i, false, TCP_ACK, 0); return -1;
    case T_RSTC: tcpSeg(e, i, true, TCP_RST | TCP_ACK, 0); e.spec.window = 0; return -1;
    case T_RSTS: tcpSeg(e, i, false, TCP_RST, 0); e.spec.ack = 0; e.spec.window = 0; e.spec.tcpOptLen = 0; return -1;
    default: throw new Error(`bad tcp phase ${S.u8[i * W8 + O_PHASE]}`);
  }
}

// DNS: a = name index, b = qtype, c = rcode, d = 1 if the first query gets no answer (retransmitted)
function initDns(e: Engine, i: number, o: SessionInit): void {
  const S = e.S, r = e.rng;
  S.u16[i * W16 + O_SPORT] = o.sport ?? 53;
  S.u32[i * W32 + O_A] = o.size ?? r.int(DNS_NAMES.length);
  S.u32[i * W32 + O_B] = o.qtype ?? (S.u8[i * W8 + O_FLAGS] & F_V6 ? 28 : 1);
  S.u32[i * W32 + O_C] = o.rcode ?? 0;
  S.u32[i * W32 + O_D] = o.count === 2 ? 1 : 0;
}

function stepDns(e: Engine, i: number): number {
  const S = e.S, H = e.hosts, topo = e.topo;
  const name = DNS_NAMES[S.u32[i * W32 + O_A] % DNS_NAMES.length];
  const txid = S.u32[i * W32 + O_ID] & 0xffff;
  if (S.u8[i * W8 + O_PHASE] === 0) {
    e.endpoints(i, true, IPPROTO_UDP);
    e.scratchPayload(dnsQuery(e.scratch, 0, txid, name, S.u32[i * W32 + O_B]));
    if (S.u32[i * W32 + O_D] === 1) { S.u32[i * W32 + O_D] = 0; return SEC; } // lost; retransmitted after 1 s
    S.u8[i * W8 + O_PHASE] = 1;
    return S.f64[i * W64 + O_RTT] + e.rng.int(300 * US);
  }
  e.endpoints(i, false, IPPROTO_UDP);
  const aaaa = S.u32[i * W32 + O_B] === 28;
  const nAns = 1 + (S.u32[i * W32 + O_A] & 1);
  const alen = aaaa ? 16 : 4;
  const addrs = e.quoteBuf;
  for (let k = 0; k < nAns; k++) {
    const h = topo.remotes[(S.u32[i * W32 + O_A] * 7 + k) % topo.remotes.length];
    if (aaaa) for (let x = 0; x < 16; x++) addrs[k * 16 + x] = H.v6[h * 16 + x];
    else put32(addrs, k * alen, H.v4[h]);
  }
  e.scratchPayload(dnsResponse(e.scratch, 0, txid, name, S.u32[i * W32 + O_B], S.u32[i * W32 + O_C], addrs, nAns, 300));
  return -1;
}

// NTP / generic request-response UDP: a = exchanges left
function initNtp(e: Engine, i: number, o: SessionInit): void {
  e.S.u16[i * W16 + O_SPORT] = o.sport ?? 123;
  e.S.u32[i * W32 + O_A] = o.count ?? 1;
}

function stepNtp(e: Engine, i: number): number {
  const S = e.S;
  const t = e.now;
  const sec = START_SEC + Math.floor(t / SEC);
  const ns = t % SEC;
  if (S.u8[i * W8 + O_PHASE] === 0) {
    e.endpoints(i, true, IPPROTO_UDP);
    e.scratchPayload(ntpPacket(e.scratch, 0, false, sec, ns));
    S.u8[i * W8 + O_PHASE] = 1;
    return S.f64[i * W64 + O_RTT] + e.rng.int(100 * US);
  }
  e.endpoints(i, false, IPPROTO_UDP);
  e.scratchPayload(ntpPacket(e.scratch, 0, true, sec, ns));
  S.u8[i * W8 + O_PHASE] = 0;
  if (--S.u32[i * W32 + O_A] === 0) return -1;
  return S.f64[i * W64 + O_INTERVAL] + e.rng.int(MS) - S.f64[i * W64 + O_RTT];
}

// RTP: a = packets left (both directions), seqC/seqS = RTP seqs, tsC/tsS = RTP timestamps, id = SSRC
function initRtp(e: Engine, i: number, o: SessionInit): void {
  const S = e.S;
  S.u16[i * W16 + O_SPORT] = o.sport ?? (16384 + 2 * e.rng.int(8000));
  S.u16[i * W16 + O_CPORT] = o.cport ?? (16384 + 2 * e.rng.int(8000));
  S.u32[i * W32 + O_A] = o.count ?? 100;
  S.f64[i * W64 + O_INTERVAL] = Math.round(o.interval ?? 20 * MS);
}

function stepRtp(e: Engine, i: number): number {
  const S = e.S;
  const fromClient = S.u8[i * W8 + O_PHASE] === 0;
  e.endpoints(i, fromClient, IPPROTO_UDP);
  e.spec.tos = 0xb8; // EF
  const seq = fromClient ? S.u32[i * W32 + O_SEQ_C] : S.u32[i * W32 + O_SEQ_S];
  const ts = fromClient ? S.u32[i * W32 + O_TS_C] : S.u32[i * W32 + O_TS_S];
  const h = rtpHeader(e.scratch, 0, seq, ts, fromClient ? S.u32[i * W32 + O_ID] : ~S.u32[i * W32 + O_ID], false);
  e.payload(h, 160);
  if (fromClient) { S.u32[i * W32 + O_SEQ_C] = (seq + 1) & 0xffff; S.u32[i * W32 + O_TS_C] = (ts + 160) >>> 0; }
  else { S.u32[i * W32 + O_SEQ_S] = (seq + 1) & 0xffff; S.u32[i * W32 + O_TS_S] = (ts + 160) >>> 0; }
  S.u8[i * W8 + O_PHASE] ^= 1;
  if (--S.u32[i * W32 + O_A] === 0) return -1;
  return S.f64[i * W64 + O_INTERVAL] / 2 + e.rng.int(2 * MS) - MS;
}

// syslog: one-way messages; a = messages left
function initSyslog(e: Engine, i: number, o: SessionInit): void {
  e.S.u16[i * W16 + O_SPORT] = o.sport ?? 514;
  e.S.u32[i * W32 + O_A] = o.count ?? 3;
}

function stepSyslog(e: Engine, i: number): number {
  const S = e.S;
  e.endpoints(i, true, IPPROTO_UDP);
  e.spec.df = false;
  const sec = START_SEC + Math.floor(e.now / SEC);
  e.scratchPayload(syslogMessage(e.scratch, 0, sec, `host${S.u32[i * W32 + O_CLI]}`, S.u32[i * W32 + O_ID] + S.u32[i * W32 + O_A]));
  if (--S.u32[i * W32 + O_A] === 0) return -1;
  return e.rng.exp(S.f64[i * W64 + O_INTERVAL]);
}

// ICMP/ICMPv6 echo: a = pings left, b = payload size, c = fragment index, d = sequence
function initPing(e: Engine, i: number, o: SessionInit): void {
  const S = e.S;
  S.u32[i * W32 + O_A] = o.count ?? 3;
  S.u32[i * W32 + O_B] = e.small ? 18 : (o.size ?? 56);
  S.u32[i * W32 + O_D] = 1;
  S.u32[i * W32 + O_ID] &= 0xffff;
}

function pingSpec(e: Engine, i: number, fromClient: boolean): void {
  const S = e.S, s = e.spec;
  const v6f = (S.u8[i * W8 + O_FLAGS] & F_V6) !== 0;
  e.endpoints(i, fromClient, v6f ? IPPROTO_ICMPV6 : IPPROTO_ICMP);
  s.icmpType = v6f ? (fromClient ? 128 : 129) : (fromClient ? 8 : 0);
  s.icmpCode = 0;
  s.icmpRest = ((S.u32[i * W32 + O_ID] & 0xffff) << 16) | (S.u32[i * W32 + O_D] & 0xffff);
  // Linux ping payload: 16-byte timeval of the request, then 0x10, 0x11, ...
  const n = S.u32[i * W32 + O_B];
  const sc = e.scratch;
  const sentNs = fromClient ? e.now : e.now - S.f64[i * W64 + O_RTT];
  const sec = START_SEC + Math.floor(sentNs / SEC);
  const usec = Math.floor((sentNs % SEC) / US);
  for (let k = 0; k < n; k++) sc[k] = (0x10 + k) & 255;
  if (n >= 16) {
    sc.writeUInt32LE(sec, 0); sc.writeUInt32LE(0, 4); sc.writeUInt32LE(usec, 8); sc.writeUInt32LE(0, 12);
  }
  e.scratchPayload(n);
}

function stepPing(e: Engine, i: number): number {
  const S = e.S;
  const fromClient = S.u8[i * W8 + O_PHASE] === 0;
  pingSpec(e, i, fromClient);
  const per = e.fragPayload(i);
  const l4 = 8 + S.u32[i * W32 + O_B];
  if (l4 > per) {
    const nf = Math.ceil(l4 / per);
    const k = S.u32[i * W32 + O_C];
    e.fragment(k, per, fragIdent(e, i, fromClient));
    if (k + 1 < nf) { S.u32[i * W32 + O_C]++; return serGap(e, per); }
    S.u32[i * W32 + O_C] = 0;
  }
  if (fromClient) { S.u8[i * W8 + O_PHASE] = 1; return S.f64[i * W64 + O_RTT] + e.rng.int(200 * US); }
  S.u8[i * W8 + O_PHASE] = 0;
  S.u32[i * W32 + O_D]++;
  if (--S.u32[i * W32 + O_A] === 0) return -1;
  return S.f64[i * W64 + O_INTERVAL] - S.f64[i * W64 + O_RTT] + e.rng.int(2 * MS);
}

/** IP ID / fragment id shared by all fragments of one datagram. */
function fragIdent(e: Engine, i: number, fromClient: boolean): number {
  const S = e.S;
  return (Math.imul(S.u32[i * W32 + O_ID] ^ (S.u32[i * W32 + O_D] << 1) ^ (fromClient ? 0 : 1), 0x9e3779b1) >>> 0) || 1;
}

// UDP echo (port 7) of a datagram larger than the MTU: fragmented both ways.
// b = payload size, c = fragment index
function initUdpFrag(e: Engine, i: number, o: SessionInit): void {
  e.S.u16[i * W16 + O_SPORT] = o.sport ?? 7;
  e.S.u32[i * W32 + O_B] = o.size ?? 3000;
}

function stepUdpFrag(e: Engine, i: number): number {
  const S = e.S;
  const fromClient = S.u8[i * W8 + O_PHASE] === 0;
  e.endpoints(i, fromClient, IPPROTO_UDP);
  // same bytes both ways (an echo): derive the pool offset from the session id
  const pool = e.pool;
  const off = (S.u32[i * W32 + O_ID] % (pool.buf.length - 70000)) & ~1;
  const s = e.spec;
  s.payload = pool.buf; s.payloadOff = off; s.payloadLen = S.u32[i * W32 + O_B]; s.payloadSum = pool.sum(off, S.u32[i * W32 + O_B]);
  const per = e.fragPayload(i);
  const nf = Math.ceil((8 + S.u32[i * W32 + O_B]) / per);
  const rev = fromClient && (S.u8[i * W8 + O_FLAGS] & F_REVERSE_FRAGS) !== 0;
  const k = rev ? nf - 1 - S.u32[i * W32 + O_C] : S.u32[i * W32 + O_C];
  e.fragment(k, per, fragIdent(e, i, fromClient));
  if (S.u32[i * W32 + O_C] + 1 < nf) { S.u32[i * W32 + O_C]++; return serGap(e, per); }
  S.u32[i * W32 + O_C] = 0;
  if (fromClient) { S.u8[i * W8 + O_PHASE] = 1; return S.f64[i * W64 + O_RTT] + e.rng.int(300 * US); }
  return -1;
}

// UDP probe to a closed port, answered by ICMP port unreachable
function initUnreach(e: Engine, i: number, o: SessionInit): void {
  e.S.u16[i * W16 + O_SPORT] = o.sport ?? 33434 + e.rng.int(64);
}

function stepUnreach(e: Engine, i: number): number {
  const S = e.S, s = e.spec;
  const v6f = (S.u8[i * W8 + O_FLAGS] & F_V6) !== 0;
  // the probe (rebuilt identically in the second step, to quote it)
  if (S.u8[i * W8 + O_PHASE] === 1) S.u16[i * W16 + O_IP_ID_C] = (S.u16[i * W16 + O_IP_ID_C] - 1) & 0xffff;
  e.endpoints(i, true, IPPROTO_UDP);
  s.ttl = 64;
  const sc = e.scratch;
  for (let k = 0; k < 32; k++) sc[k] = 0x40 + k;
  e.scratchPayload(32);
  if (S.u8[i * W8 + O_PHASE] === 0) { S.u8[i * W8 + O_PHASE] = 1; return S.f64[i * W64 + O_RTT] + e.rng.int(200 * US); }
  const link = s.link;
  s.link = 101; // build the probe as a bare IP packet to quote it
  const plen = buildFrame(e.quoteBuf, s);
  s.link = link;
  const quoted = v6f ? plen : 28; // IPv4: header + 8 bytes; IPv6: as much as fits (all of it)
  s.reset();
  e.endpoints(i, false, v6f ? IPPROTO_ICMPV6 : IPPROTO_ICMP);
  s.v6extCount = 0;
  s.icmpType = v6f ? 1 : 3;
  s.icmpCode = v6f ? 4 : 3;
  s.icmpRest = 0;
  s.df = false;
  s.payload = e.quoteBuf; s.payloadOff = 0; s.payloadLen = quoted; s.payloadSum = -1;
  return -1;
}

// ARP: request for the server's address, then the reply (or a gratuitous announcement)
function stepArp(e: Engine, i: number): number {
  const S = e.S, H = e.hosts, s = e.spec;
  const c = S.u32[i * W32 + O_CLI], t = S.u32[i * W32 + O_SRV];
  const fromClient = S.u8[i * W8 + O_PHASE] === 0;
  s.l3 = L3_ARP;
  const vs = VLAN_STACKS[S.u8[i * W8 + O_VLAN]];
  s.vlanCount = vs.length;
  for (let k = 0; k < vs.length; k++) { s.vlanTpid[k] = vs[k][0]; s.vlanTci[k] = vs[k][1]; }
  const gratuitous = (S.u8[i * W8 + O_FLAGS] & F_GRATUITOUS) !== 0;
  if (fromClient) {
    for (let k = 0; k < 6; k++) {
      s.srcMac[k] = H.mac[c * 6 + k]; s.dstMac[k] = BROADCAST_MAC[k];
      s.arpSha[k] = H.mac[c * 6 + k]; s.arpTha[k] = 0;
    }
    s.arpOp = 1;
    put32(s.arpSpa, 0, H.v4[c]);
    put32(s.arpTpa, 0, gratuitous ? H.v4[c] : H.v4[t]);
    s.pktType = 4;
    if (gratuitous) return -1;
    S.u8[i * W8 + O_PHASE] = 1;
    return 150 * US + e.rng.int(300 * US);
  }
  for (let k = 0; k < 6; k++) {
    s.srcMac[k] = H.mac[t * 6 + k]; s.dstMac[k] = H.mac[c * 6 + k];
    s.arpSha[k] = H.mac[t * 6 + k]; s.arpTha[k] = H.mac[c * 6 + k];
  }
  s.arpOp = 2;
  put32(s.arpSpa, 0, H.v4[t]);
  put32(s.arpTpa, 0, H.v4[c]);
  s.pktType = 0;
  return -1;
}

// LLDP from the switch: a = frames left
function initCount(e: Engine, i: number, o: SessionInit): void { e.S.u32[i * W32 + O_A] = o.count ?? 1; }

function stepLldp(e: Engine, i: number): number {
  const S = e.S, s = e.spec;
  s.l3 = L3_OTHER;
  s.etherType = ETHERTYPE_LLDP;
  for (let k = 0; k < 6; k++) s.srcMac[k] = SWITCH_MAC[k];
  s.dstMac.set([0x01, 0x80, 0xc2, 0x00, 0x00, 0x0e]);
  s.pktType = 2;
  const n = lldpPdu(e.scratch, 0, s.srcMac, `ge-0/0/${S.u32[i * W32 + O_CLI] % 48}`, 120);
  e.scratchPayload(n);
  if (--S.u32[i * W32 + O_A] === 0) return -1;
  return S.f64[i * W64 + O_INTERVAL];
}

// IGMPv2 membership report with Router Alert: id = group (239.255.255.250 by default)
function initIgmp(e: Engine, i: number, o: SessionInit): void {
  e.S.u32[i * W32 + O_A] = o.count ?? 1;
  e.S.u32[i * W32 + O_ID] = o.size ?? v4(239, 255, 255, 250);
}

function stepIgmp(e: Engine, i: number): number {
  const S = e.S, H = e.hosts, s = e.spec;
  e.endpoints(i, true, IPPROTO_IGMP);
  const g = S.u32[i * W32 + O_ID];
  put32(s.dst, 0, g);
  s.dstMac.set([0x01, 0x00, 0x5e, (g >>> 16) & 0x7f, (g >>> 8) & 255, g & 255]);
  for (let k = 0; k < 6; k++) s.srcMac[k] = H.mac[S.u32[i * W32 + O_CLI] * 6 + k];
  s.ttl = 1; s.tos = 0xc0; s.df = false;
  s.ipOptions = IPOPT_ROUTER_ALERT;
  s.pktType = 4;
  e.scratchPayload(igmpReport(e.scratch, 0, g));
  if (--S.u32[i * W32 + O_A] === 0) return -1;
  return S.f64[i * W64 + O_INTERVAL];
}

// ESP tunnel traffic: a = packets left; seqC/seqS = ESP sequence numbers; id = SPI;
// packets are interval/1 apart on average (default 30 ms)
function initEsp(e: Engine, i: number, o: SessionInit): void {
  const S = e.S;
  S.u32[i * W32 + O_A] = o.count ?? 6;
  S.f64[i * W64 + O_INTERVAL] = Math.round(o.interval ?? 30 * MS);
  S.u32[i * W32 + O_SEQ_C] = 1; S.u32[i * W32 + O_SEQ_S] = 1;
}

function stepEsp(e: Engine, i: number): number {
  const S = e.S, r = e.rng;
  const fromClient = S.u8[i * W8 + O_PHASE] === 0;
  e.endpoints(i, fromClient, IPPROTO_ESP);
  const sc = e.scratch;
  put32(sc, 0, fromClient ? S.u32[i * W32 + O_ID] : ~S.u32[i * W32 + O_ID]);
  put32(sc, 4, fromClient ? S.u32[i * W32 + O_SEQ_C]++ : S.u32[i * W32 + O_SEQ_S]++);
  e.payload(8, 16 * r.range(2, 40) + 12);
  S.u8[i * W8 + O_PHASE] = r.chance(0.5) ? 0 : 1;
  if (--S.u32[i * W32 + O_A] === 0) return -1;
  return r.exp(S.f64[i * W64 + O_INTERVAL]);
}

// Tiny UDP (minimum-size frames): a = packets left, alternating direction, NAT-T keepalive style
function initUdpTiny(e: Engine, i: number, o: SessionInit): void {
  e.S.u16[i * W16 + O_SPORT] = o.sport ?? 4500;
  e.S.u32[i * W32 + O_A] = o.count ?? 2;
}

function stepUdpTiny(e: Engine, i: number): number {
  const S = e.S;
  const fromClient = S.u8[i * W8 + O_PHASE] === 0;
  e.endpoints(i, fromClient, IPPROTO_UDP);
  e.payload(0, e.rng.range(1, 18));
  S.u8[i * W8 + O_PHASE] ^= 1;
  if (--S.u32[i * W32 + O_A] === 0) return -1;
  return fromClient ? S.f64[i * W64 + O_RTT] : S.f64[i * W64 + O_INTERVAL];
}

const INIT: Array<(e: Engine, i: number, o: SessionInit) => void> = [];
const STEP: StepFn[] = [];
INIT[K_TCP] = initTcp; STEP[K_TCP] = stepTcp;
INIT[K_DNS] = initDns; STEP[K_DNS] = stepDns;
INIT[K_NTP] = initNtp; STEP[K_NTP] = stepNtp;
INIT[K_RTP] = initRtp; STEP[K_RTP] = stepRtp;
INIT[K_SYSLOG] = initSyslog; STEP[K_SYSLOG] = stepSyslog;
INIT[K_PING] = initPing; STEP[K_PING] = stepPing;
INIT[K_UDPFRAG] = initUdpFrag; STEP[K_UDPFRAG] = stepUdpFrag;
INIT[K_UNREACH] = initUnreach; STEP[K_UNREACH] = stepUnreach;
INIT[K_ARP] = nop; STEP[K_ARP] = stepArp;
INIT[K_LLDP] = initCount; STEP[K_LLDP] = stepLldp;
INIT[K_IGMP] = initIgmp; STEP[K_IGMP] = stepIgmp;
INIT[K_ESP] = initEsp; STEP[K_ESP] = stepEsp;
INIT[K_UDP_TINY] = initUdpTiny; STEP[K_UDP_TINY] = stepUdpTiny;

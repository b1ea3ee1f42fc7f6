// The committed fixtures (fixtures/*.pcap*, fixtures/expected.json) and the
// demo capture: scenario definitions and the code that writes them.
//
// Everything is a pure function of the seed: regenerating gives identical
// bytes (test/unit/pcap-writer.test.ts checks it against the committed files).

import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import {
  openPcap, openPcapng, formatTs, type PacketWriter, type PcapngInterface,
  LINKTYPE_ETHERNET, LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2, LINKTYPE_RAW, LINKTYPE_NULL, LINKTYPE_LOOP,
} from './writer.js';
import {
  Engine, makeTopology, deriveSeed, START_SEC, MS, SEC, type Topology, type LayerCounts, type FlowCounts,
  K_TCP, K_DNS, K_NTP, K_RTP, K_SYSLOG, K_PING, K_UDPFRAG, K_UNREACH, K_ARP, K_LLDP, K_IGMP, K_ESP,
  APP_HTTP, APP_TLS, CLOSE_FIN_C, CLOSE_FIN_S, CLOSE_RST_C, CLOSE_RST_S, CLOSE_REFUSED,
  F_V6, F_IPOPT, F_REVERSE_FRAGS, F_GRATUITOUS, F_SACK,
} from './traffic.js';

export const DEFAULT_SEED = 20260101;

export interface Expected {
  format: 'pcap' | 'pcapng';
  link_type: number;
  /** 'mixed': pcapng whose interfaces differ (see note). */
  ts_resolution: 'us' | 'ns' | 'mixed';
  snaplen: number;
  packets: number;
  wire_bytes: number;
  cap_bytes: number;
  first_ts: string;
  last_ts: string;
  layers: LayerCounts;
  flows: FlowCounts & { total: number };
  extra: { truncated: number; fragments_first: number; fragments_nonfirst: number; sessions: number };
  file_bytes: number;
  sha256: string;
  note?: string;
}

type Scenario = (e: Engine, t: Topology) => void;

interface FixtureDef {
  file: string;
  format: 'pcap' | 'pcapng';
  link: number;
  nanos?: boolean;
  snaplen?: number;
  /** Scenario and the label its seed derives from (variants of one capture share it). */
  scenario: Scenario;
  seedLabel: string;
  interfaces?: PcapngInterface[];
  note?: string;
}

const ms = (x: number): number => x * MS;

/** Everything at once on Ethernet: the reference capture. */
const mixed: Scenario = (e, t) => {
  const L = t.locals, R = t.remotes, gw = t.gateway;
  e.add(ms(0), { kind: K_ARP, cli: L[0], srv: gw });
  e.add(ms(5), { kind: K_DNS, cli: L[0], srv: t.dns, size: 0 });
  e.add(ms(32), { kind: K_TCP, cli: L[0], srv: R[0], app: APP_HTTP, size: 3000, close: CLOSE_FIN_C });
  e.add(ms(40), { kind: K_ARP, cli: L[5], srv: L[5], flags: F_GRATUITOUS });
  e.add(ms(100), { kind: K_DNS, cli: L[1], srv: t.dns, flags: F_V6, size: 1 });
  e.add(ms(131), { kind: K_TCP, cli: L[1], srv: R[1], flags: F_V6 | F_SACK, size: 3000, count: 2, close: CLOSE_FIN_S });
  e.add(ms(300), { kind: K_TCP, cli: L[2], srv: R[2], size: 2000, close: CLOSE_RST_C });
  e.add(ms(500), { kind: K_TCP, cli: L[2], srv: R[3], sport: 8080, close: CLOSE_REFUSED });
  e.add(ms(700), { kind: K_DNS, cli: L[3], srv: t.dns, size: 2, rcode: 3, count: 2 });
  e.add(ms(1000), { kind: K_NTP, cli: L[3], srv: t.ntp, cport: 123, count: 2, interval: 4 * SEC });
  e.add(ms(1200), { kind: K_PING, cli: L[4], srv: R[4], count: 3 });
  e.add(ms(1210), { kind: K_PING, cli: L[4], srv: R[5], count: 3, flags: F_V6 });
  // the same 5-tuple on VLAN 10 and VLAN 20: two flows (the VLAN is part of the key)
  e.add(ms(1500), { kind: K_TCP, cli: L[5], srv: R[6], app: APP_HTTP, size: 2000, cport: 40000, vlan: 1, ifIdx: 1 });
  e.add(ms(1520), { kind: K_TCP, cli: L[5], srv: R[6], app: APP_HTTP, size: 2000, cport: 40000, vlan: 2, ifIdx: 1, close: CLOSE_RST_S });
  e.add(ms(1600), { kind: K_DNS, cli: L[6], srv: t.dns, vlan: 2, ifIdx: 1, size: 3 });
  e.add(ms(1650), { kind: K_ARP, cli: L[5], srv: gw, vlan: 1, ifIdx: 1 });
  e.add(ms(2000), { kind: K_UDPFRAG, cli: L[6], srv: R[7], size: 3000, flags: F_REVERSE_FRAGS });
  e.add(ms(2100), { kind: K_PING, cli: L[7], srv: R[7], count: 1, size: 2000 });
  e.add(ms(2500), { kind: K_UNREACH, cli: L[7], srv: R[8] });
  e.add(ms(2520), { kind: K_UNREACH, cli: L[7], srv: R[8], flags: F_V6 });
  e.add(ms(3000), { kind: K_LLDP, cli: 7, srv: 0, count: 2, interval: 20 * SEC });
  e.add(ms(3500), { kind: K_IGMP, cli: L[1], srv: gw });
  e.add(ms(4000), { kind: K_ESP, cli: L[2], srv: R[9], count: 8 });
  e.add(ms(4500), { kind: K_TCP, cli: L[3], srv: R[10], app: APP_HTTP, size: 1500, flags: F_IPOPT });
  e.add(ms(5000), { kind: K_TCP, cli: L[4], srv: R[11], flags: F_V6, ext: 3, size: 2000 });
  e.add(ms(5100), { kind: K_DNS, cli: L[5], srv: t.dns, flags: F_V6, ext: 2, size: 4 });
  e.add(ms(6000), { kind: K_RTP, cli: L[6], srv: R[12], count: 40 });
  e.add(ms(7000), { kind: K_SYSLOG, cli: L[0], srv: t.syslog, count: 3, interval: 2 * SEC });
  e.add(ms(8000), { kind: K_DNS, cli: L[1], srv: t.dns, size: 5 });
  e.add(ms(8020), { kind: K_TCP, cli: L[1], srv: R[13], size: 300, count: 5, close: CLOSE_FIN_C }); // chatty: small exchanges
  e.add(ms(8500), { kind: K_DNS, cli: L[2], srv: t.dns, size: 6 });
  e.add(ms(8600), { kind: K_DNS, cli: L[3], srv: t.dns, size: 7, flags: F_V6 });
  e.add(ms(8700), { kind: K_DNS, cli: L[4], srv: t.dns, size: 8 });
  e.add(ms(8800), { kind: K_DNS, cli: L[6], srv: t.dns, size: 9, vlan: 1, ifIdx: 1 });
  e.add(ms(10000), { kind: K_PING, cli: L[6], srv: R[16], count: 5 });
  e.add(ms(11000), { kind: K_TCP, cli: L[3], srv: R[17], app: APP_HTTP, size: 400, count: 3, close: CLOSE_FIN_S });
  e.add(ms(13000), { kind: K_TCP, cli: L[4], srv: R[18], flags: F_V6, size: 200, count: 2, close: CLOSE_RST_C });
  e.add(ms(9000), { kind: K_TCP, cli: L[2], srv: R[14], flags: F_V6, app: APP_HTTP, size: 2500, close: CLOSE_FIN_S });
  e.add(ms(12000), { kind: K_PING, cli: L[0], srv: gw, count: 2, rtt: 0.3 * MS });
  e.add(ms(15000), { kind: K_TCP, cli: L[7], srv: R[15], size: 1200, close: CLOSE_RST_S });
};

/** One host's view (Linux "any" captures): no VLANs, ARP included. */
const hostView: Scenario = (e, t) => {
  const L = t.locals, R = t.remotes, me = L[0];
  e.add(ms(0), { kind: K_ARP, cli: me, srv: t.gateway });
  e.add(ms(3), { kind: K_DNS, cli: me, srv: t.dns, size: 6 });
  e.add(ms(20), { kind: K_TCP, cli: me, srv: R[0], size: 3000, close: CLOSE_FIN_C });
  e.add(ms(50), { kind: K_DNS, cli: me, srv: t.dns, flags: F_V6, size: 7 });
  e.add(ms(80), { kind: K_TCP, cli: me, srv: R[1], flags: F_V6, app: APP_HTTP, size: 2500, close: CLOSE_FIN_S });
  e.add(ms(400), { kind: K_PING, cli: me, srv: R[2], count: 2 });
  e.add(ms(410), { kind: K_PING, cli: me, srv: R[3], count: 2, flags: F_V6 });
  e.add(ms(600), { kind: K_NTP, cli: me, srv: t.ntp, count: 1 });
  e.add(ms(700), { kind: K_UDPFRAG, cli: me, srv: R[4], size: 2500 });
  e.add(ms(800), { kind: K_UNREACH, cli: me, srv: R[5] });
  e.add(ms(900), { kind: K_TCP, cli: me, srv: R[6], sport: 22, close: CLOSE_REFUSED });
  e.add(ms(1000), { kind: K_ESP, cli: me, srv: R[7], count: 4 });
  e.add(ms(1200), { kind: K_TCP, cli: me, srv: R[8], size: 1500, close: CLOSE_RST_C });
};

/** IP only (raw, null, loop): no ARP/LLDP. */
const ipOnly: Scenario = (e, t) => {
  const L = t.locals, R = t.remotes;
  e.add(ms(0), { kind: K_DNS, cli: L[0], srv: t.dns, size: 8 });
  e.add(ms(20), { kind: K_TCP, cli: L[0], srv: R[0], size: 3000, close: CLOSE_FIN_C });
  e.add(ms(30), { kind: K_DNS, cli: L[1], srv: t.dns, flags: F_V6, size: 9 });
  e.add(ms(60), { kind: K_TCP, cli: L[1], srv: R[1], flags: F_V6, app: APP_HTTP, size: 2000, close: CLOSE_FIN_S });
  e.add(ms(300), { kind: K_PING, cli: L[2], srv: R[2], count: 2 });
  e.add(ms(310), { kind: K_PING, cli: L[2], srv: R[3], count: 2, flags: F_V6 });
  e.add(ms(500), { kind: K_UDPFRAG, cli: L[3], srv: R[4], size: 2000 });
  e.add(ms(600), { kind: K_UNREACH, cli: L[3], srv: R[5], flags: F_V6 });
  e.add(ms(700), { kind: K_NTP, cli: L[4], srv: t.ntp, count: 1 });
  e.add(ms(800), { kind: K_ESP, cli: L[4], srv: R[6], count: 4 });
  e.add(ms(900), { kind: K_TCP, cli: L[5], srv: R[7], close: CLOSE_REFUSED });
};

/** Service-provider trunk: 802.1ad S-tag + 802.1Q C-tag, plus single tags. */
const qinq: Scenario = (e, t) => {
  const L = t.locals, R = t.remotes;
  e.add(ms(0), { kind: K_ARP, cli: L[0], srv: t.gateway, vlan: 3 });
  e.add(ms(5), { kind: K_DNS, cli: L[0], srv: t.dns, vlan: 3, size: 10 });
  e.add(ms(30), { kind: K_TCP, cli: L[0], srv: R[0], vlan: 3, size: 3000 });
  e.add(ms(40), { kind: K_TCP, cli: L[1], srv: R[1], vlan: 4, flags: F_V6, size: 2500, close: CLOSE_FIN_S });
  e.add(ms(60), { kind: K_PING, cli: L[2], srv: R[2], vlan: 5, count: 2 });
  e.add(ms(80), { kind: K_DNS, cli: L[3], srv: t.dns, vlan: 5, flags: F_V6, size: 11 });
  e.add(ms(100), { kind: K_TCP, cli: L[4], srv: R[3], vlan: 1, app: APP_HTTP, size: 1500 });
  e.add(ms(120), { kind: K_TCP, cli: L[5], srv: R[4], vlan: 6, size: 1500, close: CLOSE_RST_C });
  e.add(ms(140), { kind: K_NTP, cli: L[6], srv: t.ntp, vlan: 4, count: 1 });
  e.add(ms(160), { kind: K_UNREACH, cli: L[7], srv: R[5], vlan: 3 });
  e.add(ms(300), { kind: K_UDPFRAG, cli: L[6], srv: R[6], vlan: 5, size: 2000 });
};

/** IPv6 extension header chains, atomic and real fragments. */
const ipv6Ext: Scenario = (e, t) => {
  const L = t.locals, R = t.remotes;
  e.add(ms(0), { kind: K_TCP, cli: L[0], srv: R[0], flags: F_V6, ext: 1, size: 2000 });
  e.add(ms(10), { kind: K_TCP, cli: L[1], srv: R[1], flags: F_V6, ext: 3, app: APP_HTTP, size: 1500, close: CLOSE_FIN_S });
  e.add(ms(20), { kind: K_DNS, cli: L[2], srv: t.dns, flags: F_V6, ext: 2, size: 0 });
  e.add(ms(30), { kind: K_DNS, cli: L[2], srv: t.dns, flags: F_V6, ext: 6, size: 1 }); // atomic fragments
  e.add(ms(40), { kind: K_PING, cli: L[3], srv: R[2], flags: F_V6, ext: 4, count: 2 });
  e.add(ms(50), { kind: K_PING, cli: L[3], srv: R[3], flags: F_V6, ext: 7, count: 1, size: 2000 }); // HBH+DST, then fragments
  e.add(ms(60), { kind: K_UDPFRAG, cli: L[4], srv: R[4], flags: F_V6, ext: 5, size: 3000 });
  e.add(ms(70), { kind: K_UDPFRAG, cli: L[5], srv: R[5], flags: F_V6 | F_REVERSE_FRAGS, size: 1600 });
  e.add(ms(80), { kind: K_TCP, cli: L[6], srv: R[6], flags: F_V6, ext: 6, size: 1000, close: CLOSE_RST_C });
  e.add(ms(90), { kind: K_UNREACH, cli: L[7], srv: R[7], flags: F_V6 });
  e.add(ms(100), { kind: K_NTP, cli: L[7], srv: t.ntp, flags: F_V6, ext: 2, count: 1 });
};

/** IPv4 and IPv6 fragments: in order, out of order, ICMP and UDP. */
const fragments: Scenario = (e, t) => {
  const L = t.locals, R = t.remotes;
  e.add(ms(0), { kind: K_UDPFRAG, cli: L[0], srv: R[0], size: 2000 });
  e.add(ms(20), { kind: K_UDPFRAG, cli: L[1], srv: R[1], size: 4000, flags: F_REVERSE_FRAGS });
  e.add(ms(40), { kind: K_PING, cli: L[2], srv: R[2], size: 1600, count: 2 });
  e.add(ms(60), { kind: K_UDPFRAG, cli: L[3], srv: R[3], size: 2000, flags: F_V6 });
  e.add(ms(80), { kind: K_PING, cli: L[4], srv: R[4], size: 3000, count: 1, flags: F_V6 });
  e.add(ms(100), { kind: K_UDPFRAG, cli: L[5], srv: R[5], size: 1600, vlan: 1 });
  e.add(ms(120), { kind: K_DNS, cli: L[6], srv: t.dns, size: 3 });
  e.add(ms(140), { kind: K_TCP, cli: L[6], srv: R[6], size: 1500 });
};

export const FIXTURES: FixtureDef[] = [
  { file: 'mixed.pcap', format: 'pcap', link: LINKTYPE_ETHERNET, scenario: mixed, seedLabel: 'mixed' },
  { file: 'mixed-ns.pcap', format: 'pcap', link: LINKTYPE_ETHERNET, nanos: true, scenario: mixed, seedLabel: 'mixed',
    note: 'same traffic as mixed.pcap, nanosecond timestamps' },
  { file: 'mixed.pcapng', format: 'pcapng', link: LINKTYPE_ETHERNET, scenario: mixed, seedLabel: 'mixed',
    interfaces: [{ name: 'eth0', nanos: true }, { name: 'eth1.trunk' }],
    note: 'same traffic as mixed.pcap; two interfaces: eth0 (if_tsresol=9, ns) and eth1.trunk (default us) carrying the VLAN-tagged sessions' },
  { file: 'snaplen-96.pcap', format: 'pcap', link: LINKTYPE_ETHERNET, snaplen: 96, scenario: mixed, seedLabel: 'mixed',
    note: 'same traffic as mixed.pcap captured with snaplen 96' },
  { file: 'vlan-qinq.pcap', format: 'pcap', link: LINKTYPE_ETHERNET, scenario: qinq, seedLabel: 'qinq',
    note: '802.1ad S-tag (0x88a8) + 802.1Q C-tag, and single 802.1Q tags' },
  { file: 'sll.pcap', format: 'pcap', link: LINKTYPE_LINUX_SLL, scenario: hostView, seedLabel: 'host' },
  { file: 'sll2.pcap', format: 'pcap', link: LINKTYPE_LINUX_SLL2, scenario: hostView, seedLabel: 'host' },
  { file: 'raw.pcap', format: 'pcap', link: LINKTYPE_RAW, scenario: ipOnly, seedLabel: 'ip' },
  { file: 'null.pcap', format: 'pcap', link: LINKTYPE_NULL, scenario: ipOnly, seedLabel: 'ip',
    note: 'AF in host (little-endian) order: 2 = IPv4, 24 = IPv6' },
  { file: 'loop.pcap', format: 'pcap', link: LINKTYPE_LOOP, scenario: ipOnly, seedLabel: 'ip',
    note: 'AF in network order: 2 = IPv4, 24 = IPv6' },
  { file: 'ipv6-ext.pcap', format: 'pcap', link: LINKTYPE_ETHERNET, nanos: true, scenario: ipv6Ext, seedLabel: 'ipv6-ext',
    note: 'hop-by-hop, destination options, routing (SRH, segments left 0), atomic fragments and fragments' },
  { file: 'fragments.pcap', format: 'pcap', link: LINKTYPE_ETHERNET, scenario: fragments, seedLabel: 'fragments',
    note: 'flows count sessions: non-first fragments carry no ports but belong to the session of their datagram' },
];

function toNs(sec: number, nsec: number): string { return formatTs(sec, nsec); }

/** Drive an engine to completion (or maxPackets) into a writer. */
export function pump(e: Engine, w: PacketWriter, maxPackets = Infinity, onProgress?: (n: number) => void): void {
  const buf = Buffer.alloc(70000);
  const every = 1 << 20;
  let n = 0;
  while (n < maxPackets && e.next()) {
    const len = e.build(buf);
    const t = e.now;
    const sec = Math.floor(t / SEC);
    w.writeFrom(START_SEC + sec, t - sec * SEC, buf, 0, len, undefined, e.ifIndex());
    n++;
    if (onProgress && (n & (every - 1)) === 0) onProgress(n);
  }
}

function describe(def: { format: 'pcap' | 'pcapng'; link: number; nanos?: boolean; snaplen?: number; note?: string; interfaces?: PcapngInterface[] },
  w: PacketWriter, e: Engine, file: string): Expected {
  const st = w.stats;
  const bytes = fs.readFileSync(file);
  const out: Expected = {
    format: def.format,
    link_type: def.link,
    ts_resolution: def.interfaces
      ? (def.interfaces.every((i) => i.nanos) ? 'ns' : def.interfaces.some((i) => i.nanos) ? 'mixed' : 'us')
      : def.nanos ? 'ns' : 'us',
    snaplen: def.snaplen ?? 262144,
    packets: st.packets,
    wire_bytes: st.wireBytes,
    cap_bytes: st.capBytes,
    first_ts: toNs(st.firstSec, st.firstNsec),
    last_ts: toNs(st.lastSec, st.lastNsec),
    layers: { ...e.layers },
    flows: { total: e.flows.tcp + e.flows.udp + e.flows.icmp + e.flows.other, ...e.flows },
    extra: { truncated: st.truncated, fragments_first: e.fragFirst, fragments_nonfirst: e.fragNonFirst, sessions: e.sessionsStarted },
    file_bytes: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
  };
  if (def.note) out.note = def.note;
  return out;
}

/** Write one fixture; returns its expected summary. */
export function writeFixture(def: FixtureDef, dir: string, seed = DEFAULT_SEED): Expected {
  const s = deriveSeed(seed, def.seedLabel);
  const topo = makeTopology(8, 24, s);
  const e = new Engine({ seed: s, topology: topo, link: def.link, trackFlowKeys: true });
  def.scenario(e, topo);
  const file = path.join(dir, def.file);
  const w = def.format === 'pcapng'
    ? openPcapng(file, {
      interfaces: (def.interfaces ?? [{ nanos: def.nanos }]).map((i) => ({ ...i, linkType: def.link, snaplen: def.snaplen })),
      userAppl: 'wirewatch gen-fixtures',
    })
    : openPcap(file, { linkType: def.link, snaplen: def.snaplen, nanos: def.nanos });
  pump(e, w);
  w.close();
  // first_ts/last_ts are what the file stores (the writer tracks each interface's precision)
  return describe({ ...def, interfaces: def.format === 'pcapng' ? def.interfaces ?? [{ nanos: def.nanos }] : undefined }, w, e, file);
}

// --- demo ------------------------------------------------------------------------

export interface DemoOptions { seed?: number; seconds?: number; snaplen?: number }

/**
 * A few minutes of a small office: 6 hosts (10.0.0.10-15, fd00::10-15) browsing
 * (DNS then 1-4 TLS/HTTP connections to the resolved server), bursts, a couple
 * of large downloads, a video call (RTP), NTP, pings from a monitor, syslog,
 * ARP refreshes, LLDP, IGMP and an IPsec tunnel. Snaplen 96 keeps the file small
 * while wire lengths (and so the rates) stay realistic.
 */
export function writeDemo(file: string, o: DemoOptions = {}): Expected {
  const seed = deriveSeed(o.seed ?? DEFAULT_SEED, 'demo');
  const seconds = o.seconds ?? 180;
  const snaplen = o.snaplen ?? 96;
  const topo = makeTopology(6, 30, seed);
  const e = new Engine({ seed, topology: topo, trackFlowKeys: true });
  const L = topo.locals, R = topo.remotes, gw = topo.gateway;
  const end = seconds * SEC;
  const g = e.grng;

  // background services
  L.forEach((h, k) => {
    e.add(ms(200 + 997 * k), { kind: K_NTP, cli: h, srv: topo.ntp, count: Math.max(1, Math.floor(seconds / 64)), interval: 64 * SEC });
    e.add(ms(50 + 311 * k), { kind: K_ARP, cli: h, srv: gw });
  });
  e.add(ms(500), { kind: K_PING, cli: L[0], srv: R[0], count: seconds - 2, interval: SEC });
  e.add(ms(700), { kind: K_PING, cli: L[0], srv: R[1], count: Math.floor(seconds / 2) - 1, interval: 2 * SEC, flags: F_V6 });
  e.add(ms(900), { kind: K_PING, cli: L[0], srv: gw, count: Math.floor(seconds / 5) - 1, interval: 5 * SEC, rtt: 0.3 * MS });
  e.add(ms(1000), { kind: K_LLDP, cli: 3, srv: 0, count: Math.floor(seconds / 30), interval: 30 * SEC });
  e.add(ms(1500), { kind: K_IGMP, cli: L[2], srv: gw, count: Math.floor(seconds / 60), interval: 60 * SEC });
  e.add(ms(2000), { kind: K_SYSLOG, cli: L[1], srv: topo.syslog, count: Math.floor(seconds / 3), interval: 3 * SEC });
  e.add(ms(2000), { kind: K_SYSLOG, cli: gw, srv: topo.syslog, count: Math.floor(seconds / 10), interval: 10 * SEC });
  // an IPsec tunnel: one long ESP flow
  e.add(ms(2500), { kind: K_ESP, cli: L[4], srv: R[3], count: Math.floor(seconds * 4), interval: 250 * MS });
  // video call: 30 s of RTP both ways at 50 packets/s each
  e.add(Math.min(40 * SEC, end / 4), { kind: K_RTP, cli: L[3], srv: R[2], count: 3000, interval: 20 * MS, rtt: 30 * MS });
  // large downloads
  const dls = [0.3, 0.55, 0.8];
  dls.forEach((f, k) => e.add(end * f, {
    kind: K_TCP, cli: L[(k + 1) % L.length], srv: R[10 + k], size: 1_500_000, flags: k === 1 ? F_V6 : 0, rtt: 25 * MS,
  }));

  // browsing and other short sessions, with bursts
  const rateAt = (t: number): number => {
    const s = t / SEC;
    const burst = (s > seconds * 0.33 && s < seconds * 0.4) || (s > seconds * 0.72 && s < seconds * 0.76);
    return burst ? 7 : 1.0;
  };
  let pageNo = 0;
  let probeNo = 0;
  e.setSpawner((eng, t) => {
    if (t >= end - 5 * SEC) return Infinity;
    const h = L[g.int(L.length)];
    const r = g.float();
    if (r < 0.82) {
      // page load: DNS, then connections to the answered server
      const v6f = g.chance(0.35) ? F_V6 : 0;
      const name = (pageNo++ * 5 + g.int(12)) % 12;
      const dnsRtt = (0.3 + g.float() * 0.5) * MS;
      eng.add(t, { kind: K_DNS, cli: h, srv: topo.dns, flags: v6f, size: name, rtt: dnsRtt });
      const srv = R[(name * 7) % R.length];
      const nConn = 1 + g.int(4);
      const rtt = (8 + g.float() * 70) * MS;
      for (let k = 0; k < nConn; k++) {
        const http = g.chance(0.15);
        eng.add(t + dnsRtt + (1 + 20 * k) * MS, {
          kind: K_TCP, cli: h, srv, flags: v6f | (g.chance(0.3) ? F_SACK : 0), rtt,
          app: http ? APP_HTTP : APP_TLS, size: Math.round(g.logUniform(800, 60000)), count: 1 + g.int(3),
          close: [CLOSE_FIN_C, CLOSE_FIN_S, CLOSE_RST_C, CLOSE_FIN_C][g.int(4)],
        });
      }
    } else if (r < 0.9) {
      eng.add(t, { kind: K_DNS, cli: h, srv: topo.dns, size: g.int(12), flags: g.chance(0.3) ? F_V6 : 0 });
    } else if (r < 0.95) {
      eng.add(t, { kind: K_TCP, cli: h, srv: R[g.int(R.length)], sport: [22, 3389, 8443][g.int(3)], close: CLOSE_REFUSED });
    } else if (r < 0.98) {
      // distinct (host, server, family) per probe: each ICMP error is its own flow
      const k = probeNo++;
      eng.add(t, { kind: K_UNREACH, cli: L[k % L.length], srv: R[(Math.floor(k / L.length) * 7 + 5) % R.length], flags: k & 1 ? F_V6 : 0 });
    } else {
      eng.add(t, { kind: K_DNS, cli: h, srv: topo.dns, size: g.int(12), rcode: 3, count: g.chance(0.3) ? 2 : 1 });
    }
    return t + Math.round(g.exp(SEC / rateAt(t)));
  }, 300 * MS);

  const w = openPcap(file, { linkType: LINKTYPE_ETHERNET, snaplen });
  pump(e, w);
  w.close();
  return describe({ format: 'pcap', link: LINKTYPE_ETHERNET, snaplen,
    note: `demo: ${seconds} s of a small office network, snaplen ${snaplen}` }, w, e, file);
}

/** Write every fixture (and the demo) into dir; returns expected.json's content. */
export function generateFixtures(dir: string, seed = DEFAULT_SEED, withDemo = true): Record<string, Expected> {
  fs.mkdirSync(dir, { recursive: true });
  const out: Record<string, Expected> = {};
  for (const def of FIXTURES) out[def.file] = writeFixture(def, dir, seed);
  if (withDemo) out['demo.pcap'] = writeDemo(path.join(dir, 'demo.pcap'), { seed });
  return out;
}

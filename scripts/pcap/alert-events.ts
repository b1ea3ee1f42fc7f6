// A capture with known alert events, for the alerts tests: hours of steady
// office traffic (4 IPv4 hosts and 1 IPv6 host in local networks talking to a
// fixed set of servers), then, after `steadyHours`, a new destination, a new
// port, a port scan, an IPv6 new destination and four uploads (volume spikes),
// then steady traffic again past the next full hour. With `events: false` the
// same steady traffic without the events (nothing should alert on it).
//
// Every time below is exact (packet time), so tests can say when each alert
// must fire. Seeded: the same options write the same bytes.
import {
  FrameSpec, buildFrame, L3_IPV4, L3_IPV6, IPPROTO_TCP, IPPROTO_UDP,
  TCP_SYN, TCP_ACK, TCP_FIN, TCP_RST, TCP_PSH,
} from './packets.js';
import { openPcap, LINKTYPE_ETHERNET } from './writer.js';
import { Rng, START_SEC, deriveSeed } from './traffic.js';

export interface AlertCaptureOptions {
  seed?: number;
  /** Write the events (default true). */
  events?: boolean;
  /** Hours of steady traffic before the events (default 4). */
  steadyHours?: number;
  /** Bytes stored per packet (default 96; wire lengths stay real). */
  snaplen?: number;
}

export interface Upload {
  /** Unix seconds of the SYN. */
  t: number;
  host: string;
  peer: string;
  seconds: number;
  /** Data bytes per second on the wire (client → server). */
  bytesPerS: number;
}

export interface AlertCaptureInfo {
  file: string;
  packets: number;
  /** Unix seconds of the capture start (a UTC midnight) and of the last packet. */
  start: number;
  end: number;
  /** Unix seconds (multiple of 3600) where the events begin. */
  eventsAt: number;
  locals: string[];
  servers: string[];
  newDestination: { t: number; host: string; peer: string; port: number };
  newPort: { t: number; host: string; peer: string; port: number };
  scan: { t: number; host: string; target: string; ports: number };
  v6NewDestination: { t: number; host: string; peer: string; port: number };
  /** S1, S2 (60 s after S1), S3 (300 s after S1): 20 s from 10.0.0.10; S4: 3 s from 10.0.0.13. */
  uploads: Upload[];
}

const SEC = 1e9;
const MS = 1e6;
const RTT = 20 * MS;
/** Wire size of an upload data packet: Ethernet 14 + IPv4 20 + TCP 20 + 1346; 143 of them a second = 200.2 kB/s. */
const UPLOAD_WIRE = 1400;
const UPLOAD_PPS = 143;

interface Host {
  v6: boolean;
  addr: Uint8Array;
  mac: Uint8Array;
  text: string;
}

const GATEWAY_MAC = new Uint8Array([0x02, 0, 0, 0, 0, 0x01]);

function v4(text: string, local: boolean, n: number): Host {
  const addr = new Uint8Array(16);
  text.split('.').forEach((p, i) => (addr[i] = Number(p)));
  return { v6: false, addr, mac: local ? new Uint8Array([0x02, 0, 0, 0, 0x10, n]) : GATEWAY_MAC, text };
}

function v6(text: string, groups: number[], local: boolean, n: number): Host {
  const addr = new Uint8Array(16);
  groups.forEach((g, i) => {
    addr[i * 2] = g >> 8;
    addr[i * 2 + 1] = g & 255;
  });
  return { v6: true, addr, mac: local ? new Uint8Array([0x02, 0, 0, 0, 0x60, n]) : GATEWAY_MAC, text };
}

/** Frames collected out of order (sessions overlap), sorted by time before writing. */
class Frames {
  readonly spec = new FrameSpec();
  readonly scratch = new Uint8Array(2048);
  readonly zero = new Uint8Array(1500);
  readonly list: Array<{ t: number; bytes: Uint8Array; wire: number }> = [];
  constructor(readonly snaplen: number) {}

  add(t: number, src: Host, dst: Host, proto: number, sport: number, dport: number, flags: number, payload: number, seq = 0, ack = 0): void {
    const s = this.spec;
    s.reset();
    s.srcMac.set(src.mac);
    s.dstMac.set(dst.mac);
    s.l3 = src.v6 ? L3_IPV6 : L3_IPV4;
    s.src.set(src.addr);
    s.dst.set(dst.addr);
    s.proto = proto;
    s.sport = sport;
    s.dport = dport;
    s.tcpFlags = flags;
    s.seq = seq;
    s.ack = ack;
    s.payload = this.zero;
    s.payloadLen = payload;
    s.payloadSum = 0; // zero bytes sum to 0
    const len = buildFrame(this.scratch, s);
    this.list.push({ t: Math.round(t), bytes: this.scratch.slice(0, Math.min(len, this.snaplen)), wire: len });
  }
}

/** A short request/response TCP connection; returns the time of its last packet. */
function session(f: Frames, t: number, cli: Host, srv: Host, sport: number, dport: number, responses: number): number {
  f.add(t, cli, srv, IPPROTO_TCP, sport, dport, TCP_SYN, 0, 1000);
  f.add(t + RTT / 2, srv, cli, IPPROTO_TCP, dport, sport, TCP_SYN | TCP_ACK, 0, 5000, 1001);
  f.add(t + RTT, cli, srv, IPPROTO_TCP, sport, dport, TCP_ACK, 0, 1001, 5001);
  f.add(t + RTT + 0.1 * MS, cli, srv, IPPROTO_TCP, sport, dport, TCP_PSH | TCP_ACK, 200, 1001, 5001);
  let at = t + 1.5 * RTT;
  for (let i = 0; i < responses; i++, at += 0.2 * MS) f.add(at, srv, cli, IPPROTO_TCP, dport, sport, TCP_ACK | (i === responses - 1 ? TCP_PSH : 0), 1200, 5001 + i * 1200, 1201);
  return close(f, at + RTT / 2, cli, srv, sport, dport);
}

function close(f: Frames, t: number, cli: Host, srv: Host, sport: number, dport: number): number {
  f.add(t, cli, srv, IPPROTO_TCP, sport, dport, TCP_ACK, 0);
  f.add(t + MS, cli, srv, IPPROTO_TCP, sport, dport, TCP_FIN | TCP_ACK, 0);
  f.add(t + MS + RTT / 2, srv, cli, IPPROTO_TCP, dport, sport, TCP_FIN | TCP_ACK, 0);
  f.add(t + MS + RTT, cli, srv, IPPROTO_TCP, sport, dport, TCP_ACK, 0);
  return t + MS + RTT;
}

function dns(f: Frames, t: number, cli: Host, srv: Host, sport: number): void {
  f.add(t, cli, srv, IPPROTO_UDP, sport, 53, 0, 40);
  f.add(t + 5 * MS, srv, cli, IPPROTO_UDP, 53, sport, 0, 100);
}

/** Handshake, then `seconds` of 1400-byte data packets at UPLOAD_PPS (server ACKs every 10th), then FIN. */
function upload(f: Frames, t: number, cli: Host, srv: Host, sport: number, seconds: number): void {
  f.add(t, cli, srv, IPPROTO_TCP, sport, 443, TCP_SYN, 0);
  f.add(t + RTT / 2, srv, cli, IPPROTO_TCP, 443, sport, TCP_SYN | TCP_ACK, 0);
  const payload = UPLOAD_WIRE - 54;
  const n = seconds * UPLOAD_PPS;
  let at = t + RTT;
  for (let k = 0; k < n; k++) {
    at = t + RTT + Math.round((k * SEC) / UPLOAD_PPS);
    f.add(at, cli, srv, IPPROTO_TCP, sport, 443, TCP_ACK | TCP_PSH, payload);
    if (k % 10 === 9) f.add(at + 0.3 * MS, srv, cli, IPPROTO_TCP, 443, sport, TCP_ACK, 0);
  }
  close(f, at + MS, cli, srv, sport, 443);
}

function scan(f: Frames, t: number, cli: Host, target: Host, ports: number): void {
  for (let p = 1; p <= ports; p++) {
    const at = t + (p - 1) * 2 * MS;
    f.add(at, cli, target, IPPROTO_TCP, 45000, p, TCP_SYN, 0);
    f.add(at + 0.5 * MS, target, cli, IPPROTO_TCP, p, 45000, TCP_RST | TCP_ACK, 0);
  }
}

export function writeAlertCapture(file: string, o: AlertCaptureOptions = {}): AlertCaptureInfo {
  const rng = new Rng(deriveSeed(o.seed ?? 20260101, 'alert-events'));
  const steadyHours = o.steadyHours ?? 4;
  const withEvents = o.events ?? true;
  const f = new Frames(o.snaplen ?? 96);
  const locals = ['10.0.0.10', '10.0.0.11', '10.0.0.12', '10.0.0.13'].map((a, i) => v4(a, true, i));
  const servers = ['203.0.113.1', '203.0.113.2', '203.0.113.3'].map((a, i) => v4(a, false, i));
  const resolver = v4('198.51.100.53', false, 0);
  const host6 = v6('fd00::10', [0xfd00, 0, 0, 0, 0, 0, 0, 0x10], true, 0);
  const server6 = v6('2001:db8::1', [0x2001, 0xdb8, 0, 0, 0, 0, 0, 1], false, 0);
  const eventsAt = steadyHours * 3600;
  const end = eventsAt + 3600 + 120; // past the next full hour: volume anomalies resolve
  const sport = new Map<Host, number>();
  const port = (h: Host) => {
    const p = (sport.get(h) ?? 33000) + 1;
    sport.set(h, p);
    return p;
  };

  // steady traffic
  locals.forEach((h, k) => {
    let n = 0;
    for (let t = k * 5 + 1; t < end; t += 19 + rng.float() * 2) session(f, t * SEC, h, servers[n++ % 3]!, port(h), 443, rng.range(2, 5));
    for (let t = k * 7 + 3; t < end; t += 59 + rng.float() * 2) dns(f, t * SEC, h, resolver, port(h));
  });
  for (let t = 2; t < end; t += 29 + rng.float() * 2) session(f, t * SEC, host6, server6, port(host6), 443, rng.range(2, 4));

  const info: AlertCaptureInfo = {
    file,
    packets: 0,
    start: START_SEC,
    end: START_SEC + end,
    eventsAt: START_SEC + eventsAt,
    locals: [...locals.map((h) => h.text), host6.text],
    servers: [...servers.map((h) => h.text), resolver.text, server6.text],
    newDestination: { t: START_SEC + eventsAt + 100.3, host: '10.0.0.11', peer: '198.51.100.77', port: 443 },
    newPort: { t: START_SEC + eventsAt + 200.3, host: '10.0.0.13', peer: '203.0.113.1', port: 8443 },
    scan: { t: START_SEC + eventsAt + 300.1, host: '10.0.0.12', target: '203.0.113.99', ports: 200 },
    v6NewDestination: { t: START_SEC + eventsAt + 400.3, host: 'fd00::10', peer: '2001:db8::bad', port: 443 },
    uploads: [
      { t: START_SEC + eventsAt + 600.05, host: '10.0.0.10', peer: '203.0.113.2', seconds: 20, bytesPerS: UPLOAD_WIRE * UPLOAD_PPS },
      { t: START_SEC + eventsAt + 660.05, host: '10.0.0.10', peer: '203.0.113.2', seconds: 20, bytesPerS: UPLOAD_WIRE * UPLOAD_PPS },
      { t: START_SEC + eventsAt + 900.05, host: '10.0.0.10', peer: '203.0.113.2', seconds: 20, bytesPerS: UPLOAD_WIRE * UPLOAD_PPS },
      { t: START_SEC + eventsAt + 1200.05, host: '10.0.0.13', peer: '203.0.113.3', seconds: 3, bytesPerS: UPLOAD_WIRE * UPLOAD_PPS },
    ],
  };

  if (withEvents) {
    const rel = (t: number) => Math.round((t - START_SEC) * SEC);
    session(f, rel(info.newDestination.t), locals[1]!, v4(info.newDestination.peer, false, 0), port(locals[1]!), 443, 3);
    session(f, rel(info.newPort.t), locals[3]!, servers[0]!, port(locals[3]!), 8443, 3);
    scan(f, rel(info.scan.t), locals[2]!, v4(info.scan.target, false, 0), info.scan.ports);
    session(f, rel(info.v6NewDestination.t), host6, v6(info.v6NewDestination.peer, [0x2001, 0xdb8, 0, 0, 0, 0, 0, 0xbad], false, 0), port(host6), 443, 3);
    for (const u of info.uploads) {
      const cli = locals.find((h) => h.text === u.host)!;
      const srv = servers.find((h) => h.text === u.peer)!;
      upload(f, rel(u.t), cli, srv, port(cli), u.seconds);
    }
  }

  f.list.sort((a, b) => a.t - b.t);
  const w = openPcap(file, { linkType: LINKTYPE_ETHERNET, snaplen: f.snaplen, nanos: true });
  for (const p of f.list) {
    const sec = Math.floor(p.t / SEC);
    w.write(START_SEC + sec, p.t - sec * SEC, p.bytes, p.wire);
  }
  w.close();
  info.packets = f.list.length;
  info.end = START_SEC + f.list[f.list.length - 1]!.t / SEC;
  return info;
}

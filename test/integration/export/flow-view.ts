// One comparable view of a flow, built from a FlowRecord (what wirewatch
// exported) and from each decoder's output (nfdump JSON, tshark -V, our own
// decoder), so the interop tests compare like with like.
import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { icmpCounterpart, type FlowRecord } from '../../../lib/flows/index.js';
import type { DecodedRecord } from '../../unit/export/ipfix-decode.js';

export interface FlowView {
  proto: number;
  src: string;
  dst: string;
  /** Ports, or ICMP type and code. */
  sport: number;
  dport: number;
  packets: number;
  bytes: number;
  rpackets: number;
  rbytes: number;
  vlan: number;
  source: number;
  startMs: number;
  endMs: number;
  flags: number;
  /** IPFIX flowEndReason, -1 where the decoder does not show it (nfdump 1.7.1). */
  reason: number;
}

const REASON: Record<string, number> = { idle: 1, active: 2, fin: 3, rst: 3, shutdown: 4, evicted: 5 };
const isIcmp = (proto: number) => proto === 1 || proto === 58;

/** What a faithful exporter must convey for `r` (ICMP as type/code, times in whole ms). */
export function viewOfRecord(r: FlowRecord, withReason = true): FlowView {
  let sport = r.src_port;
  let dport = r.dst_port;
  if (isIcmp(r.proto)) {
    // FlowRecord: src_port = type; dst_port = the counterpart type of a request/reply pair (code 0), else the code
    sport = r.src_port;
    dport = icmpCounterpart(r.proto, r.src_port) >= 0 ? 0 : r.dst_port;
  }
  return {
    proto: r.proto, src: r.src_ip, dst: r.dst_ip, sport, dport,
    packets: r.packets_c2s, bytes: r.bytes_c2s, rpackets: r.packets_s2c, rbytes: r.bytes_s2c,
    vlan: r.vlan, source: r.source,
    startMs: Number(BigInt(r.first_ns) / 1_000_000n), endMs: Number(BigInt(r.last_ns) / 1_000_000n),
    flags: r.tcp_flags, reason: withReason ? REASON[r.end_reason!]! : -1,
  };
}

export function viewOfDecoded(d: DecodedRecord): FlowView {
  const proto = d.protocolIdentifier as number;
  const icmp = (d.icmpTypeCodeIPv4 ?? d.icmpTypeCodeIPv6) as number;
  return {
    proto,
    src: (d.sourceIPv4Address ?? d.sourceIPv6Address) as string,
    dst: (d.destinationIPv4Address ?? d.destinationIPv6Address) as string,
    sport: isIcmp(proto) ? icmp >> 8 : (d.sourceTransportPort as number),
    dport: isIcmp(proto) ? icmp & 0xff : (d.destinationTransportPort as number),
    packets: Number(d.packetDeltaCount), bytes: Number(d.octetDeltaCount),
    rpackets: Number(d.reversePacketDeltaCount), rbytes: Number(d.reverseOctetDeltaCount),
    vlan: d.vlanId as number, source: d.ingressInterface as number,
    startMs: Number(d.flowStartMilliseconds), endMs: Number(d.flowEndMilliseconds),
    flags: d.tcpControlBits as number, reason: d.flowEndReason as number,
  };
}

const FLAG_BITS = [0x80, 0x40, 0x20, 0x10, 0x08, 0x04, 0x02, 0x01]; // nfdump prints "CEUAPRSF", '.' when unset

/** nfdump 1.7.1 `-o json` record. Biflows: the reverse counters land in out_packets/out_bytes. */
export function viewOfNfdump(j: Record<string, unknown>): FlowView {
  const proto = j.proto as number;
  const flags = String(j.tcp_flags ?? '........');
  return {
    proto,
    src: (j.src4_addr ?? j.src6_addr) as string,
    dst: (j.dst4_addr ?? j.dst6_addr) as string,
    sport: (isIcmp(proto) ? j.icmp_type : j.src_port) as number,
    dport: (isIcmp(proto) ? j.icmp_code : j.dst_port) as number,
    packets: j.in_packets as number, bytes: j.in_bytes as number,
    rpackets: (j.out_packets ?? 0) as number, rbytes: (j.out_bytes ?? 0) as number,
    vlan: (j.src_vlan ?? 0) as number, source: (j.input_snmp ?? 0) as number,
    // nfdump prints local time without a zone; the tests run it with TZ=UTC
    startMs: Date.parse(`${j.first}Z`), endMs: Date.parse(`${j.last}Z`),
    flags: [...flags].reduce((n, c, i) => (c === '.' ? n : n | FLAG_BITS[i]!), 0),
    reason: -1,
  };
}

/** Parses the data records out of `tshark -V` text for the cflow dissector. */
export function viewsOfTshark(text: string): FlowView[] {
  const out: FlowView[] = [];
  const blocks = text.split(/\n\s+Flow \d+\n/).slice(1);
  for (const raw of blocks) {
    const block = raw.split(/\n\s+(?:Set \d+|Frame \d+:)/)[0]!;
    const get = (re: RegExp) => block.match(re)?.[1];
    const all = (re: RegExp) => [...block.matchAll(re)].map((m) => m[1]!);
    const octets = all(/^\s+Octets: (\d+)/gm);
    const packets = all(/^\s+Packets: (\d+)/gm);
    const proto = Number(get(/Protocol: .*\((\d+)\)/));
    let sport = Number(get(/SrcPort: (\d+)/));
    let dport = Number(get(/DstPort: (\d+)/));
    if (proto === 1) {
      const tc = parseInt(get(/ICMP Type: 0x([0-9a-f]+)/)!, 16);
      [sport, dport] = [tc >> 8, tc & 0xff];
    } else if (proto === 58) {
      [sport, dport] = [Number(get(/IPv6 ICMP Type: (\d+)/)), Number(get(/IPv6 ICMP Code: (\d+)/))];
    }
    const time = (label: string) => {
      const m = block.match(new RegExp(`${label}: (\\w+ +\\d+, \\d+ [\\d:]+)\\.(\\d{9}) UTC`))!;
      return Date.parse(`${m[1]} UTC`) + Number(m[2]!.slice(0, 3));
    };
    out.push({
      proto,
      src: get(/SrcAddr: (\S+)/)!,
      dst: get(/DstAddr: (\S+)/)!,
      sport,
      dport,
      packets: Number(packets[0]), bytes: Number(octets[0]),
      rpackets: Number(packets[1]), rbytes: Number(octets[1]),
      vlan: Number(get(/Vlan Id: (\d+)/)), source: Number(get(/InputInt: (\d+)/)),
      startMs: time('StartTime'), endMs: time('EndTime'),
      flags: parseInt(get(/TCP Flags: 0x([0-9a-f]+)/) ?? '0', 16),
      reason: Number(get(/Flow End Reason: .*\((\d+)\)/)),
    });
  }
  return out;
}

/** Order-independent comparison key. */
export const key = (v: FlowView) => JSON.stringify(v);
export const sortedKeys = (vs: FlowView[]) => vs.map(key).sort();

/** A UDP port that was free a moment ago. */
export async function freeUdpPort(family: 4 | 6 = 4): Promise<number> {
  const s = dgram.createSocket(family === 6 ? 'udp6' : 'udp4');
  await new Promise<void>((r) => s.bind(0, family === 6 ? '::1' : '127.0.0.1', r));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** Resolves once something holds `port` (our own bind fails with EADDRINUSE). */
export async function waitBound(port: number, family: 4 | 6, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    const s = dgram.createSocket(family === 6 ? 'udp6' : 'udp4');
    const inUse = await new Promise<boolean>((resolve) => {
      s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'EADDRINUSE'));
      s.bind(port, family === 6 ? '::1' : '127.0.0.1', () => resolve(false));
    });
    await new Promise<void>((r) => {
      try {
        s.close(() => r());
      } catch {
        r();
      }
    });
    if (inUse) return;
    if (Date.now() > end) throw new Error(`nothing bound UDP port ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface Nfcapd {
  child: ChildProcess;
  /** SIGTERM (nfcapd flushes and renames its file), then the output it printed. */
  stop(): Promise<string>;
}

/** nfcapd 1.7.1: -w flow dir, -p port, -b bind address (-6 for an IPv6 one). No -l/-T in this version. */
export async function startNfcapd(dir: string, port: number, family: 4 | 6): Promise<Nfcapd> {
  const args = ['-w', dir, '-p', String(port), '-b', family === 6 ? '::1' : '127.0.0.1', ...(family === 6 ? ['-6'] : [])];
  const child = spawn('nfcapd', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  await Promise.race([waitBound(port, family), exited.then(() => { throw new Error(`nfcapd exited: ${output}`); })]);
  return {
    child,
    stop: async () => {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
      return output;
    },
  };
}

/**
 * nfcapd on a free port. Another test can take the port number between our
 * probe and nfcapd's bind (CI saw "Address already in use"): then try again on
 * another port, a few times.
 */
export async function startNfcapdOnFreePort(dir: string, family: 4 | 6): Promise<{ nfcapd: Nfcapd; port: number }> {
  for (let attempt = 1; ; attempt++) {
    const port = await freeUdpPort(family);
    try {
      return { nfcapd: await startNfcapd(dir, port, family), port };
    } catch (error) {
      if (attempt >= 5) throw error;
    }
  }
}

/** Hand-made records at the edges of every field, next to the fixtures' ordinary ones. */
export function edgeRecords(): FlowRecord[] {
  const base: FlowRecord = {
    community_id: '1:AAAAAAAAAAAAAAAAAAAAAAAAAAA=', source: 7, vlan: 4094, proto: 6,
    src_ip: '192.0.2.200', src_port: 65535, dst_ip: '198.51.100.200', dst_port: 1,
    first_ns: '1767225600000999999', last_ns: '1767225659999000001',
    packets_c2s: 2 ** 53 - 1, bytes_c2s: 2 ** 53 - 1, packets_s2c: 2 ** 32, bytes_s2c: 2 ** 32 - 1,
    tcp_flags: 0xff, state: 'established', end_reason: 'active',
  };
  return [
    base,
    { ...base, src_ip: '2001:db8:ffff::1', dst_ip: 'ff02::1:ff00:1', source: 4294967295, vlan: 1, end_reason: 'evicted', tcp_flags: 0x02 },
    { ...base, proto: 1, src_port: 11, dst_port: 1, tcp_flags: 0, end_reason: 'idle', packets_s2c: 0, bytes_s2c: 0 }, // time exceeded, fragment reassembly
    { ...base, proto: 58, src_ip: 'fe80::1', dst_ip: 'fe80::2', src_port: 135, dst_port: 136, tcp_flags: 0, end_reason: 'shutdown' }, // neighbour solicitation pair
    { ...base, proto: 17, src_port: 0, dst_port: 0, tcp_flags: 0, packets_c2s: 0, bytes_c2s: 0, end_reason: 'rst' },
  ];
}

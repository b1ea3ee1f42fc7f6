// Brute-force top-talker counts: the reference the Windows and Pipeline tests
// compare against (documented key and endpoint order, Maps keyed by text).
import { addressBytes, type FakePacket } from '../flows/fake-batch.js';

const TCP = 6;
const UDP = 17;
const ICMP = 1;
const ICMP6 = 58;

export interface Count {
  bytes: number;
  packets: number;
}

/** Host and flow totals of a set of packets, as top_hosts and top_flows key them. */
export function bruteTop(packets: FakePacket[]): { hosts: Map<string, Count>; flows: Map<string, Count> } {
  const hosts = new Map<string, Count>();
  const flows = new Map<string, Count>();
  const bump = (m: Map<string, Count>, k: string, len: number) => {
    const e = m.get(k) ?? { bytes: 0, packets: 0 };
    e.bytes += len;
    e.packets++;
    m.set(k, e);
  };
  const cmp = (a: string, b: string) => {
    const x = addressBytes(a);
    const y = addressBytes(b);
    for (let i = 0; i < 16; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
    return 0;
  };
  for (const p of packets) {
    const len = p.len ?? 60;
    if (p.nonIp) continue;
    bump(hosts, p.src, len);
    if (p.dst !== p.src) bump(hosts, p.dst, len);
    if ((p.frag ?? 0) === 1) continue; // a non-first fragment: no L4 header
    if (p.malformed && (p.proto === TCP || p.proto === UDP)) continue; // ports not trustworthy
    const icmp = p.proto === ICMP || p.proto === ICMP6;
    let a = { ip: p.src, port: icmp ? 0 : p.sport ?? 0 };
    let b = { ip: p.dst, port: icmp ? 0 : p.dport ?? 0 };
    const c = cmp(a.ip, b.ip) || a.port - b.port;
    if (c > 0) [a, b] = [b, a];
    bump(flows, `${p.sourceId ?? 0}|${p.vlan ?? 0}|${p.proto}|${a.ip}|${a.port}|${b.ip}|${b.port}`, len);
  }
  return { hosts, flows };
}

/** A top_flows entry's key in bruteTop's form. */
export const flowKey = (f: { source: number; vlan: number; proto: number; a_ip: string; a_port: number; b_ip: string; b_port: number }) =>
  `${f.source}|${f.vlan}|${f.proto}|${f.a_ip}|${f.a_port}|${f.b_ip}|${f.b_port}`;

// Packet classes of the per-second samples (contracts: "Packet classes").
//   tcp | udp | icmp | other  partition all frames: totals = their sum.
//   ipv4 | ipv6               count frames by their outermost IP header.
// A frame is counted by the headers it ANNOUNCES, exactly as the replay summary's
// layer counts (lib/capture/layer-counts.ts countedLayers()): a TCP header cut by
// the snaplen is still tcp, an IPv4 header that failed to decode is still ipv4
// (but then its payload is other, since the protocol field cannot be trusted).
// ICMPv6 is icmp; ARP, non-IP and non-first fragments (no L4 header) are other.
import { FRAG, L3, LAYER } from '../capture/layout.js';

export const CLASS_NAMES = ['ipv4', 'ipv6', 'tcp', 'udp', 'icmp', 'other'] as const;
export type ClassName = (typeof CLASS_NAMES)[number];

/** Index of each class in CLASS_NAMES (and in every per-class array of lib/stats). */
export const CLS = { ipv4: 0, ipv6: 1, tcp: 2, udp: 3, icmp: 4, other: 5 } as const;
export const CLASS_COUNT = 6;

const IP_TCP = 6;
const IP_UDP = 17;
const IP_ICMP = 1;
const IP_ICMPV6 = 58;

/**
 * The protocol class (CLS.tcp, udp, icmp or other) of one row. Windows.ingest
 * inlines the same tests (no call per packet); this one is for tests and tools.
 */
export function protocolClass(layers: number, l3: number, ipProto: number, frag: number): number {
  if ((l3 !== L3.ipv4 && l3 !== L3.ipv6) || (layers & (LAYER.ipv4 | LAYER.ipv6)) === 0) return CLS.other;
  if ((frag & (FRAG.fragment | FRAG.first)) === FRAG.fragment) return CLS.other;
  if (ipProto === IP_TCP) return CLS.tcp;
  if (ipProto === IP_UDP) return CLS.udp;
  if (ipProto === IP_ICMP || ipProto === IP_ICMPV6) return CLS.icmp;
  return CLS.other;
}

/** CLS.ipv4, CLS.ipv6, or -1 for a frame without an IP header. */
export function ipClass(l3: number): number {
  return l3 === L3.ipv4 ? CLS.ipv4 : l3 === L3.ipv6 ? CLS.ipv6 : -1;
}

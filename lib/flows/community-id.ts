// Community ID v1 (https://github.com/corelight/community-id-spec): a flow hash
// that Zeek, Suricata and Wireshark compute the same way, so records correlate
// across tools. Computed when a record is emitted, never per packet.
import { createHash } from 'node:crypto';
import { isV4Mapped } from '../capture/format.js';

export const PROTO_ICMP = 1;
export const PROTO_TCP = 6;
export const PROTO_UDP = 17;
export const PROTO_ICMPV6 = 58;
export const PROTO_SCTP = 132;

/**
 * ICMP types with a request/reply counterpart (spec: ICMP "port" equivalents):
 * entries 0–255 for ICMP, 256–511 for ICMPv6; -1 = one-way. The flow table's
 * native core keys flows with this same table.
 */
export const ICMP_COUNTERPARTS = new Int16Array(512).fill(-1);
const V6 = 256;
for (const [a, b] of [[8, 0], [13, 14], [15, 16], [17, 18]]) {
  ICMP_COUNTERPARTS[a!] = b!;
  ICMP_COUNTERPARTS[b!] = a!;
}
ICMP_COUNTERPARTS[10] = 9; // router solicitation → advertisement (not the reverse, as in the spec)
// echo, router sol/adv, neighbor sol/adv, MLD query/report, node info (WRU), home agent discovery
for (const [a, b] of [[128, 129], [133, 134], [135, 136], [130, 131], [139, 140], [144, 145]]) {
  ICMP_COUNTERPARTS[V6 + a!] = b!;
  ICMP_COUNTERPARTS[V6 + b!] = a!;
}

/** The counterpart type of an ICMP(v6) `type`, or -1 when the message is one-way. */
export function icmpCounterpart(proto: number, type: number): number {
  return ICMP_COUNTERPARTS[(proto === PROTO_ICMPV6 ? V6 : 0) + (type & 0xff)]!;
}

const hasPorts = (proto: number) =>
  proto === PROTO_TCP || proto === PROTO_UDP || proto === PROTO_SCTP || proto === PROTO_ICMP || proto === PROTO_ICMPV6;

/** Negative, zero or positive as (a, aPort) sorts before, equal to or after (b, bPort), bytes compared in network order. */
function compareEndpoints(a: Uint8Array, aOff: number, aLen: number, aPort: number, b: Uint8Array, bOff: number, bPort: number): number {
  for (let i = 0; i < aLen; i++) {
    const d = a[aOff + i]! - b[bOff + i]!;
    if (d !== 0) return d;
  }
  return aPort - bPort;
}

/**
 * Community ID v1 of a flow seen from (src, sport) to (dst, dport). Addresses are
 * the 16-byte batch form (IPv4 v4-mapped); for ICMP/ICMPv6 pass the type as
 * `sport` and the code as `dport`: the spec's port mapping is applied here.
 * Set `v6` for an IPv6 flow whose addresses happen to look v4-mapped.
 */
export function communityId(
  proto: number,
  src: Uint8Array,
  srcOff: number,
  dst: Uint8Array,
  dstOff: number,
  sport: number,
  dport: number,
  seed = 0,
  v6 = !isV4Mapped(src, srcOff) || !isV4Mapped(dst, dstOff),
): string {
  let oneWay = false;
  if (proto === PROTO_ICMP || proto === PROTO_ICMPV6) {
    const counterpart = icmpCounterpart(proto, sport);
    if (counterpart >= 0) dport = counterpart;
    else oneWay = true; // type and code as they are, and no reordering
  }
  const len = v6 ? 16 : 4;
  const skip = 16 - len;
  let aOff = srcOff + skip;
  let bOff = dstOff + skip;
  let a = src;
  let b = dst;
  if (!oneWay && compareEndpoints(src, aOff, len, sport, dst, bOff, dport) > 0) {
    [a, b, aOff, bOff, sport, dport] = [dst, src, bOff, aOff, dport, sport];
  }
  const ports = hasPorts(proto);
  const buf = Buffer.alloc(2 + 2 * len + 2 + (ports ? 4 : 0));
  buf.writeUInt16BE(seed & 0xffff, 0);
  buf.set(a.subarray(aOff, aOff + len), 2);
  buf.set(b.subarray(bOff, bOff + len), 2 + len);
  buf[2 + 2 * len] = proto;
  buf[3 + 2 * len] = 0; // padding
  if (ports) {
    buf.writeUInt16BE(sport, 4 + 2 * len);
    buf.writeUInt16BE(dport, 6 + 2 * len);
  }
  return `1:${createHash('sha1').update(buf).digest('base64')}`;
}

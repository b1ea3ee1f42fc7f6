// The two biflow templates (RFC 5103): one for IPv4, one for IPv6 flows. Forward
// counters are initiator → responder (c2s), reverse counters (PEN 29305) the
// other way. ICMP flows carry type << 8 | code in icmpTypeCodeIPv4/IPv6 and, as
// NetFlow collectors (nfdump, YAF, softflowd) expect, in destinationTransportPort;
// their sourceTransportPort is 0. icmpTypeCode precedes destinationTransportPort
// so a collector that copies both into one "port" slot ends with the port.
import type { FlowRecord } from '../../flows/index.js';
import { icmpCounterpart } from '../../flows/index.js';
import { FLOW_END_REASON, type FieldSpec, IE, REVERSE_IE } from './elements.js';
import { defineTemplate, type RecordTemplate } from './encoder.js';
import { inRange, isCounter, nsToMs, parseIPv4, parseIPv6, writeU16, writeU32, writeU64 } from './values.js';

export const TEMPLATE_ID_IPV4 = 256;
export const TEMPLATE_ID_IPV6 = 257;

const PROTO_ICMP = 1;
const PROTO_ICMPV6 = 58;

/** A FlowRecord checked and converted to wire values; one instance is reused for every record. */
export class PreparedFlow {
  v6 = false;
  readonly src = new Uint8Array(16);
  readonly dst = new Uint8Array(16);
  sport = 0;
  dport = 0;
  icmpTypeCode = 0;
  proto = 0;
  tcpFlags = 0;
  bytesC2s = 0;
  packetsC2s = 0;
  bytesS2c = 0;
  packetsS2c = 0;
  startMs = 0;
  endMs = 0;
  endReason = 0;
  ingress = 0;
  vlan = 0;
}

/**
 * Fills `into` from `r`; false when the record cannot be encoded faithfully (bad
 * or mixed-family addresses, out-of-range numbers, counters beyond 2^53 - 1,
 * times that are not decimal ns strings, no end reason). Never throws.
 */
export function prepareFlow(r: FlowRecord, into: PreparedFlow): boolean {
  if (r === null || typeof r !== 'object') return false;
  const { src_ip: srcIp, dst_ip: dstIp } = r;
  if (typeof srcIp !== 'string' || typeof dstIp !== 'string') return false;
  if (parseIPv4(srcIp, into.src, 0)) {
    if (!parseIPv4(dstIp, into.dst, 0)) return false;
    into.v6 = false;
  } else if (parseIPv6(srcIp, into.src, 0)) {
    if (!parseIPv6(dstIp, into.dst, 0)) return false;
    into.v6 = true;
  } else return false;
  if (!inRange(r.proto, 255) || !inRange(r.src_port, 0xffff) || !inRange(r.dst_port, 0xffff)) return false;
  if (!inRange(r.tcp_flags, 0xffff) || !inRange(r.vlan, 4095) || !inRange(r.source, 0xffffffff)) return false;
  if (!isCounter(r.bytes_c2s) || !isCounter(r.packets_c2s) || !isCounter(r.bytes_s2c) || !isCounter(r.packets_s2c)) return false;
  const reason = typeof r.end_reason === 'string' && Object.hasOwn(FLOW_END_REASON, r.end_reason) ? FLOW_END_REASON[r.end_reason] : 0;
  if (reason === 0) return false; // live snapshots (end_reason null) are not flow records to export
  const startMs = nsToMs(r.first_ns);
  const endMs = nsToMs(r.last_ns);
  if (startMs < 0 || endMs < 0) return false;
  into.proto = r.proto;
  if (r.proto === PROTO_ICMP || r.proto === PROTO_ICMPV6) {
    // FlowRecord: src_port = initiator's type; dst_port = the counterpart type for
    // request/reply pairs (whose code is 0), else the code
    const type = r.src_port & 0xff;
    const code = icmpCounterpart(r.proto, type) >= 0 ? 0 : r.dst_port & 0xff;
    into.icmpTypeCode = (type << 8) | code;
    into.sport = 0;
    into.dport = into.icmpTypeCode;
  } else {
    into.icmpTypeCode = 0;
    into.sport = r.src_port;
    into.dport = r.dst_port;
  }
  into.tcpFlags = r.tcp_flags;
  into.bytesC2s = r.bytes_c2s;
  into.packetsC2s = r.packets_c2s;
  into.bytesS2c = r.bytes_s2c;
  into.packetsS2c = r.packets_s2c;
  into.startMs = startMs;
  into.endMs = endMs;
  into.endReason = reason;
  into.ingress = r.source;
  into.vlan = r.vlan;
  return true;
}

const tail: FieldSpec[] = [
  IE.protocolIdentifier,
  IE.tcpControlBits,
  IE.octetDeltaCount,
  IE.packetDeltaCount,
  REVERSE_IE.octetDeltaCount,
  REVERSE_IE.packetDeltaCount,
  IE.flowStartMilliseconds,
  IE.flowEndMilliseconds,
  IE.flowEndReason,
  IE.ingressInterface,
  IE.vlanId,
];

/** Everything after the addresses; the same layout in both templates. */
function writeCommon(b: Buffer, o: number, f: PreparedFlow): void {
  writeU16(b, o, f.sport);
  writeU16(b, o + 2, f.icmpTypeCode);
  writeU16(b, o + 4, f.dport);
  b[o + 6] = f.proto;
  writeU16(b, o + 7, f.tcpFlags);
  writeU64(b, o + 9, f.bytesC2s);
  writeU64(b, o + 17, f.packetsC2s);
  writeU64(b, o + 25, f.bytesS2c);
  writeU64(b, o + 33, f.packetsS2c);
  writeU64(b, o + 41, f.startMs);
  writeU64(b, o + 49, f.endMs);
  b[o + 57] = f.endReason;
  writeU32(b, o + 58, f.ingress);
  writeU16(b, o + 62, f.vlan);
}

function copy(b: Buffer, o: number, from: Uint8Array, n: number): void {
  for (let i = 0; i < n; i++) b[o + i] = from[i]!;
}

export const FLOW_TEMPLATE_IPV4: RecordTemplate<PreparedFlow> = defineTemplate(
  TEMPLATE_ID_IPV4,
  [IE.sourceIPv4Address, IE.destinationIPv4Address, IE.sourceTransportPort, IE.icmpTypeCodeIPv4, IE.destinationTransportPort, ...tail],
  (b, o, f) => {
    copy(b, o, f.src, 4);
    copy(b, o + 4, f.dst, 4);
    writeCommon(b, o + 8, f);
  },
);

export const FLOW_TEMPLATE_IPV6: RecordTemplate<PreparedFlow> = defineTemplate(
  TEMPLATE_ID_IPV6,
  [IE.sourceIPv6Address, IE.destinationIPv6Address, IE.sourceTransportPort, IE.icmpTypeCodeIPv6, IE.destinationTransportPort, ...tail],
  (b, o, f) => {
    copy(b, o, f.src, 16);
    copy(b, o + 16, f.dst, 16);
    writeCommon(b, o + 32, f);
  },
);

export const FLOW_TEMPLATES: readonly RecordTemplate<PreparedFlow>[] = [FLOW_TEMPLATE_IPV4, FLOW_TEMPLATE_IPV6];

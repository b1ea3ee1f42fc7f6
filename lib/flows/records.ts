// The flow record (DESIGN §7 names) and the small enums behind `state` and
// `end_reason`. Records are built only when a flow ends or is reported, never
// per packet.

/** Flow states by code (FlowState in native/flows/tcp_state.hpp). TCP follows the
 * handshake and teardown; other protocols are `new` until the responder answers,
 * then `established`. */
export const FLOW_STATE_NAMES = ['new', 'established', 'closing', 'closed', 'reset'] as const;
export type FlowState = (typeof FLOW_STATE_NAMES)[number];

/** End reasons by code (EndReason in native/flows/flow_core.cc). IPFIX flowEndReason meanings: idle = 1, active = 2, fin = 3 (end of flow detected), evicted = 5 (lack of resources), shutdown = 4 (forced end). */
export const END_REASON_NAMES = ['idle', 'active', 'fin', 'rst', 'evicted', 'shutdown'] as const;
export type EndReason = (typeof END_REASON_NAMES)[number];

export interface FlowRecord {
  /** Community ID v1 ("1:<base64 sha1>"). */
  community_id: string;
  /** Capture source id. */
  source: number;
  /** Outer VLAN id, 0 when untagged. */
  vlan: number;
  /** IP protocol number. */
  proto: number;
  /** Initiator address (dotted IPv4 or RFC 5952 IPv6). */
  src_ip: string;
  /** Initiator port; ICMP: the initiator's type. */
  src_port: number;
  dst_ip: string;
  /** Responder port; ICMP: the counterpart type for request/reply pairs (echo 8 → 0), else the code. */
  dst_port: number;
  /** First packet of this record, nanoseconds since the epoch as a decimal string (exceeds 2^53). */
  first_ns: string;
  /** Last packet of this record, same format. */
  last_ns: string;
  /** Counters cover this record only: an `active` report resets them (IPFIX delta semantics). */
  packets_c2s: number;
  bytes_c2s: number;
  packets_s2c: number;
  bytes_s2c: number;
  /** OR of the TCP flags seen in this record's packets (FIN=1 SYN=2 RST=4 PSH=8 ACK=16 ...); 0 for non-TCP. */
  tcp_flags: number;
  state: FlowState;
  /** Null only in snapshots of live flows. */
  end_reason: EndReason | null;
}

/** Exact "seconds + nanoseconds" as a decimal nanosecond string, without BigInt. */
export function nsString(sec: number, nsec: number): string {
  if (sec === 0) return String(nsec);
  return `${sec}${String(nsec).padStart(9, '0')}`;
}

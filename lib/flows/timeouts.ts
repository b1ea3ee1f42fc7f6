// Flow timeouts, in seconds of packet time (never wall time, so a replay gives
// the same flows whatever the batch size or machine speed).

/** Idle and active timeouts; keys match the `tracking.timeouts` config section. */
export interface FlowTimeouts {
  /** TCP after the handshake completed (or picked up mid-stream), incl. one FIN seen. */
  tcp_established: number;
  /** TCP while the handshake is incomplete (SYN sent, no answer or no final ACK). */
  tcp_half_open: number;
  /** TCP after FIN both ways or a RST: a short linger for the last ACKs and retransmits. */
  tcp_closed: number;
  udp: number;
  /** UDP with port 53 on either side: query/response, so a short timeout. */
  udp_dns: number;
  /** ICMP and ICMPv6. */
  icmp: number;
  /** Any other IP protocol (ESP, GRE, IGMP, ...). */
  other: number;
  /** A flow alive this long is reported (end reason `active`) and keeps going. */
  active: number;
}

export const DEFAULT_TIMEOUTS: Readonly<FlowTimeouts> = Object.freeze({
  tcp_established: 300,
  tcp_half_open: 30,
  tcp_closed: 10,
  udp: 60,
  udp_dns: 10,
  icmp: 30,
  other: 60,
  active: 300,
});

/**
 * Idle timeout classes, in the order of TimeoutClass in native/flows/flow_core.cc:
 * one LRU list per class, so each list is ordered by deadline.
 */
export const TIMEOUT_CLASS_COUNT = 7;
const CLASS_KEYS = ['tcp_established', 'tcp_half_open', 'tcp_closed', 'udp', 'udp_dns', 'icmp', 'other'] as const;

/** Fills defaults and validates; throws RangeError naming the bad key. */
export function resolveTimeouts(partial: Partial<FlowTimeouts> = {}): FlowTimeouts {
  const out = { ...DEFAULT_TIMEOUTS };
  for (const [key, value] of Object.entries(partial)) {
    if (!(key in DEFAULT_TIMEOUTS)) throw new RangeError(`timeouts.${key}: unknown timeout`);
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      throw new RangeError(`timeouts.${key}: expected a positive number of seconds, got ${String(value)}`);
    }
    out[key as keyof FlowTimeouts] = value;
  }
  return out;
}

/** Idle timeout per class, in class order. */
export function classTimeouts(t: FlowTimeouts): Float64Array {
  return Float64Array.from(CLASS_KEYS, (k) => t[k]);
}

// TCP lifecycle as a pure function over small integers, so the flow table keeps
// it in two bytes per flow and the rules are testable on their own.
import { FLOW_STATE } from './records.js';

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_ACK = 0x10;

/** Per-flow bits (one byte in the table). */
export const BIT = {
  /** The canonical "lo" endpoint is the initiator (not TCP-specific). */
  initLo: 1 << 0,
  synC2S: 1 << 1,
  synS2C: 1 << 2,
  /** The initiator's SYN was acknowledged by the responder. */
  ackedC2S: 1 << 3,
  /** The responder's SYN was acknowledged by the initiator. */
  ackedS2C: 1 << 4,
  finC2S: 1 << 5,
  finS2C: 1 << 6,
  /** The flow's addresses are IPv6 (even if they look v4-mapped). */
  v6: 1 << 7,
} as const;

/**
 * Bits and state for a flow's first TCP packet. A SYN-ACK seen first means we
 * missed the SYN: its receiver is the initiator. A first packet without SYN is a
 * mid-stream pickup, taken as established.
 * Returns `state << 8 | bits`, and whether the packet's sender is the responder (bit 16).
 */
export function tcpFirst(flags: number): number {
  if (flags & TCP_RST) return (FLOW_STATE.reset << 8) | 0;
  if (flags & TCP_SYN) {
    if (flags & TCP_ACK) return (1 << 16) | (FLOW_STATE.new << 8) | BIT.synS2C | BIT.ackedC2S;
    return (FLOW_STATE.new << 8) | BIT.synC2S;
  }
  if (flags & TCP_FIN) return (FLOW_STATE.closing << 8) | BIT.finC2S;
  return FLOW_STATE.established << 8;
}

/**
 * Next `state << 8 | bits` after a packet with `flags` in direction `c2s`.
 * Established = both SYNs acknowledged (this also covers simultaneous open:
 * SYN, SYN, SYN-ACK, SYN-ACK). Closing = a FIN one way; closed = FIN both ways;
 * reset = any RST (final: later packets are the old connection's stragglers).
 */
export function tcpNext(state: number, bits: number, flags: number, c2s: boolean): number {
  if (state === FLOW_STATE.reset || flags & TCP_RST) return (FLOW_STATE.reset << 8) | bits;
  if (flags & TCP_SYN) bits |= c2s ? BIT.synC2S : BIT.synS2C;
  if (flags & TCP_ACK) {
    // An ACK from one side acknowledges the other side's SYN, if there was one.
    if (c2s) {
      if (bits & BIT.synS2C) bits |= BIT.ackedS2C;
    } else if (bits & BIT.synC2S) bits |= BIT.ackedC2S;
  }
  if (flags & TCP_FIN) bits |= c2s ? BIT.finC2S : BIT.finS2C;
  if (state === FLOW_STATE.new && (bits & (BIT.ackedC2S | BIT.ackedS2C)) === (BIT.ackedC2S | BIT.ackedS2C)) {
    state = FLOW_STATE.established;
  }
  if (bits & (BIT.finC2S | BIT.finS2C)) {
    state = (bits & BIT.finC2S) && (bits & BIT.finS2C) ? FLOW_STATE.closed : FLOW_STATE.closing;
  }
  return (state << 8) | bits;
}

/** A SYN without ACK on a finished connection opens a new one on the same 5-tuple. */
export function tcpStartsNewFlow(state: number, flags: number): boolean {
  return (flags & (TCP_SYN | TCP_ACK | TCP_RST)) === TCP_SYN && (state === FLOW_STATE.closed || state === FLOW_STATE.reset);
}

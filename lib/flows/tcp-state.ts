// The per-flow TCP bits that records read (initiator side, IPv6). The TCP
// lifecycle itself runs per packet in the addon: native/flows/tcp_state.hpp
// defines these same bits and the states of records.ts FLOW_STATE.

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

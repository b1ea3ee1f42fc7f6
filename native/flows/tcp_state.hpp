// TCP lifecycle as pure functions over small integers, so a flow keeps it in
// two bytes (state and bits). lib/flows/records.ts names the states and
// lib/flows/tcp-state.ts the bits that records read.
#pragma once

#include <cstdint>

namespace wirewatch {

constexpr uint16_t kTcpFin = 0x01, kTcpSyn = 0x02, kTcpRst = 0x04, kTcpAck = 0x10;

// FLOW_STATE
enum FlowState : uint8_t { kStateNew = 0, kStateEstablished = 1, kStateClosing = 2, kStateClosed = 3, kStateReset = 4 };

// Per-flow bits (one byte).
enum FlowBit : uint8_t {
  kBitInitLo = 1 << 0,  // the canonical "lo" endpoint is the initiator (not TCP-specific)
  kBitSynC2S = 1 << 1,
  kBitSynS2C = 1 << 2,
  kBitAckedC2S = 1 << 3,  // the initiator's SYN was acknowledged by the responder
  kBitAckedS2C = 1 << 4,  // the responder's SYN was acknowledged by the initiator
  kBitFinC2S = 1 << 5,
  kBitFinS2C = 1 << 6,
  kBitV6 = 1 << 7,  // the flow's addresses are IPv6 (even if they look v4-mapped)
};

// Bits and state for a flow's first TCP packet. A SYN-ACK seen first means we
// missed the SYN: its receiver is the initiator. A first packet without SYN is
// a mid-stream pickup, taken as established.
// Returns state << 8 | bits, and whether the packet's sender is the responder (bit 16).
inline uint32_t tcp_first(uint16_t flags) {
  if (flags & kTcpRst) return uint32_t(kStateReset) << 8;
  if (flags & kTcpSyn) {
    if (flags & kTcpAck) return 1u << 16 | uint32_t(kStateNew) << 8 | kBitSynS2C | kBitAckedC2S;
    return uint32_t(kStateNew) << 8 | kBitSynC2S;
  }
  if (flags & kTcpFin) return uint32_t(kStateClosing) << 8 | kBitFinC2S;
  return uint32_t(kStateEstablished) << 8;
}

// Next state << 8 | bits after a packet with `flags` in direction `c2s`.
// Established = both SYNs acknowledged (this also covers simultaneous open:
// SYN, SYN, SYN-ACK, SYN-ACK). Closing = a FIN one way; closed = FIN both
// ways; reset = any RST (final: later packets are the old connection's stragglers).
inline uint32_t tcp_next(uint8_t state, uint8_t bits, uint16_t flags, bool c2s) {
  if (state == kStateReset || (flags & kTcpRst)) return uint32_t(kStateReset) << 8 | bits;
  if (flags & kTcpSyn) bits |= c2s ? kBitSynC2S : kBitSynS2C;
  if (flags & kTcpAck) {
    // An ACK from one side acknowledges the other side's SYN, if there was one.
    if (c2s) {
      if (bits & kBitSynS2C) bits |= kBitAckedS2C;
    } else if (bits & kBitSynC2S) {
      bits |= kBitAckedC2S;
    }
  }
  if (flags & kTcpFin) bits |= c2s ? kBitFinC2S : kBitFinS2C;
  if (state == kStateNew && (bits & (kBitAckedC2S | kBitAckedS2C)) == (kBitAckedC2S | kBitAckedS2C)) {
    state = kStateEstablished;
  }
  if (bits & (kBitFinC2S | kBitFinS2C)) {
    state = (bits & kBitFinC2S) && (bits & kBitFinS2C) ? kStateClosed : kStateClosing;
  }
  return uint32_t(state) << 8 | bits;
}

// A SYN without ACK on a finished connection opens a new one on the same 5-tuple.
inline bool tcp_starts_new_flow(uint8_t state, uint16_t flags) {
  return (flags & (kTcpSyn | kTcpAck | kTcpRst)) == kTcpSyn && (state == kStateClosed || state == kStateReset);
}

}  // namespace wirewatch

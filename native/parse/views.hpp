// Bounds-checked, non-owning header views used by parser.cc.
//
// Each view is a pointer into the captured bytes plus nothing else. It is built
// by exactly one checked constructor, `from_bytes(data, avail, view)`, which
// returns kErrNone only when the header's FIXED part lies inside `avail` bytes
// and is structurally valid (version nibble, minimum header length field).
// Every getter reads at a constant offset below the fixed length that
// from_bytes checked, so getters do no checks of their own.
//
// The variable part of a header (IPv4 options, TCP options, extension-header
// bodies) is NOT covered by the view: the parser checks header_len() against
// what the parent layer declares (kErrMalformed) and what was captured
// (kErrTruncated) before it steps over it.
//
// Thread: pure functions on caller-owned bytes; no state, no allocation.
#pragma once

#include <cstdint>

#include "../batch/layout.h"

namespace wirewatch {
namespace parse {

// Big-endian loads. Plain byte loads + shifts: compilers fuse these into a single
// load + bswap (movbe) on x86-64 and they are alignment-safe.
inline uint16_t be16(const uint8_t* p) { return uint16_t(uint16_t(p[0]) << 8 | p[1]); }
inline uint32_t be32(const uint8_t* p) {
  return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | uint32_t(p[3]);
}
inline uint32_t le32(const uint8_t* p) {
  return uint32_t(p[3]) << 24 | uint32_t(p[2]) << 16 | uint32_t(p[1]) << 8 | uint32_t(p[0]);
}
inline uint64_t be64(const uint8_t* p) { return uint64_t(be32(p)) << 32 | be32(p + 4); }

// Ethernet II / 802.3 MAC header: dst(6) src(6) type-or-length(2).
struct EthernetView {
  static constexpr uint32_t kLen = 14;
  const uint8_t* p;
  static ErrorKind from_bytes(const uint8_t* d, uint32_t n, EthernetView& v) {
    if (n < kLen) return kErrTruncated;
    v.p = d;
    return kErrNone;
  }
  uint16_t ethertype() const { return be16(p + 12); }  // < kLen
};

// 802.1Q / 802.1ad tag after the outer ethertype: TCI(2) inner type(2).
struct VlanView {
  static constexpr uint32_t kLen = 4;
  const uint8_t* p;
  static ErrorKind from_bytes(const uint8_t* d, uint32_t n, VlanView& v) {
    if (n < kLen) return kErrTruncated;
    v.p = d;
    return kErrNone;
  }
  uint16_t vid() const { return be16(p) & 0x0fff; }    // < kLen
  uint16_t ethertype() const { return be16(p + 2); }  // < kLen
};

// 802.2 LLC: DSAP SSAP control(1 or 2). Only its presence is checked.
struct LlcView {
  static constexpr uint32_t kLen = 3;
  const uint8_t* p;
  static ErrorKind from_bytes(const uint8_t* d, uint32_t n, LlcView& v) {
    if (n < kLen) return kErrTruncated;
    v.p = d;
    return kErrNone;
  }
  bool is_novell_raw() const { return p[0] == 0xff && p[1] == 0xff; }  // < kLen
};

// Linux cooked capture v1 (DLT 113): pkttype(2) hatype(2) halen(2) addr(8) protocol(2).
struct SllView {
  static constexpr uint32_t kLen = 16;
  const uint8_t* p;
  static ErrorKind from_bytes(const uint8_t* d, uint32_t n, SllView& v) {
    if (n < kLen) return kErrTruncated;
    v.p = d;
    return kErrNone;
  }
  uint16_t protocol() const { return be16(p + 14); }  // < kLen
};

// Linux cooked capture v2 (DLT 276): protocol(2) reserved(2) ifindex(4) hatype(2)
// pkttype(1) halen(1) addr(8).
struct Sll2View {
  static constexpr uint32_t kLen = 20;
  const uint8_t* p;
  static ErrorKind from_bytes(const uint8_t* d, uint32_t n, Sll2View& v) {
    if (n < kLen) return kErrTruncated;
    v.p = d;
    return kErrNone;
  }
  uint16_t protocol() const { return be16(p); }  // < kLen
};

// BSD null (DLT 0, AF in the capturing host's byte order) / loop (DLT 108, network order).
struct NullView {
  static constexpr uint32_t kLen = 4;
  const uint8_t* p;
  static ErrorKind from_bytes(const uint8_t* d, uint32_t n, NullView& v) {
    if (n < kLen) return kErrTruncated;
    v.p = d;
    return kErrNone;
  }
  // DLT_NULL: the writer's byte order is unknown. AF values are small, so a value
  // with any of the upper 16 bits set was written big-endian: swap it (what
  // libpcap's printers and Wireshark do).
  uint32_t af_host_order() const {  // < kLen
    uint32_t af = le32(p);
    return (af & 0xffff0000u) ? be32(p) : af;
  }
  uint32_t af_network_order() const { return be32(p); }  // < kLen
};

// ARP fixed header: htype(2) ptype(2) hlen(1) plen(1) oper(2), then sender and
// target hardware and protocol addresses (not read, but they must be there).
struct ArpView {
  static constexpr uint32_t kLen = 8;
  const uint8_t* p;
  static ErrorKind from_bytes(const uint8_t* d, uint32_t n, ArpView& v) {
    if (n < kLen) return kErrTruncated;
    v.p = d;
    return kErrNone;
  }
  // Fixed header plus the four addresses; reads below kLen.
  uint32_t full_len() const { return kLen + 2u * (uint32_t(p[4]) + uint32_t(p[5])); }
};

// IPv4 fixed header (20 bytes). Valid view: version 4 and IHL >= 5.
struct Ipv4View {
  static constexpr uint32_t kLen = 20;
  const uint8_t* p;
  static ErrorKind from_bytes(const uint8_t* d, uint32_t n, Ipv4View& v) {
    if (n < kLen) return kErrTruncated;
    if ((d[0] >> 4) != 4 || (d[0] & 0x0f) < 5) return kErrMalformed;
    v.p = d;
    return kErrNone;
  }
  // All getters read below kLen.
  uint32_t header_len() const { return uint32_t(p[0] & 0x0f) * 4; }  // 20..60, may exceed capture
  uint32_t total_len() const { return be16(p + 2); }
  bool more_fragments() const { return (p[6] & 0x20) != 0; }
  uint16_t frag_offset() const { return be16(p + 6) & 0x1fff; }  // in 8-byte units
  uint8_t protocol() const { return p[9]; }
  const uint8_t* src() const { return p + 12; }
  const uint8_t* dst() const { return p + 16; }
};

// IPv6 fixed header (40 bytes). Valid view: version 6.
struct Ipv6View {
  static constexpr uint32_t kLen = 40;
  const uint8_t* p;
  static ErrorKind from_bytes(const uint8_t* d, uint32_t n, Ipv6View& v) {
    if (n < kLen) return kErrTruncated;
    if ((d[0] >> 4) != 6) return kErrMalformed;
    v.p = d;
    return kErrNone;
  }
  // All getters read below kLen.
  uint32_t payload_len() const { return be16(p + 4); }
  uint8_t next_header() const { return p[6]; }
  const uint8_t* src() const { return p + 8; }
  const uint8_t* dst() const { return p + 24; }
};

// One IPv6 extension header. Every kind is at least 8 bytes; the view covers those
// 8, header_len() says how long the whole header is (computed per kind).
struct Ipv6ExtView {
  static constexpr uint32_t kLen = 8;
  const uint8_t* p;
  uint8_t kind;
  static bool is_extension(uint8_t nh) {
    // Hop-by-hop, routing, fragment, AH, destination options. Mobility (135),
    // HIP (139), Shim6 (140) and experimental (253/254) are treated as upper layers.
    return nh == 0 || nh == 43 || nh == 44 || nh == 51 || nh == 60;
  }
  static ErrorKind from_bytes(const uint8_t* d, uint32_t n, uint8_t kind, Ipv6ExtView& v) {
    if (n < kLen) return kErrTruncated;
    v.p = d;
    v.kind = kind;
    return kErrNone;
  }
  // All getters read below kLen.
  uint8_t next_header() const { return p[0]; }
  uint32_t header_len() const {
    if (kind == 44) return 8;                    // fragment: fixed size
    if (kind == 51) return (uint32_t(p[1]) + 2) * 4;  // AH: 32-bit words minus 2 (>= 8)
    return (uint32_t(p[1]) + 1) * 8;             // 8-octet units not counting the first
  }
  // Fragment header only (kind 44).
  uint16_t frag_offset() const { return be16(p + 2) >> 3; }
  bool more_fragments() const { return (p[3] & 1) != 0; }
};

// TCP fixed header (20 bytes). Valid view: data offset >= 5.
struct TcpView {
  static constexpr uint32_t kLen = 20;
  const uint8_t* p;
  static ErrorKind from_bytes(const uint8_t* d, uint32_t n, TcpView& v) {
    if (n < kLen) return kErrTruncated;
    if ((d[12] >> 4) < 5) return kErrMalformed;
    v.p = d;
    return kErrNone;
  }
  // All getters read below kLen.
  uint16_t src_port() const { return be16(p); }
  uint16_t dst_port() const { return be16(p + 2); }
  uint32_t header_len() const { return uint32_t(p[12] >> 4) * 4; }  // 20..60
  // FIN SYN RST PSH ACK URG ECE CWR in bits 0..7 (byte 13), NS in bit 8 (low bit of byte 12).
  uint16_t flags() const { return uint16_t((p[12] & 1u) << 8 | p[13]); }
};

// UDP header (8 bytes).
struct UdpView {
  static constexpr uint32_t kLen = 8;
  const uint8_t* p;
  static ErrorKind from_bytes(const uint8_t* d, uint32_t n, UdpView& v) {
    if (n < kLen) return kErrTruncated;
    v.p = d;
    return kErrNone;
  }
  uint16_t src_port() const { return be16(p); }      // < kLen
  uint16_t dst_port() const { return be16(p + 2); }  // < kLen
  uint16_t length() const { return be16(p + 4); }   // < kLen
};

// ICMP / ICMPv6 common header: type(1) code(1) checksum(2). The 4 message-specific
// bytes that follow in every ICMP message are counted as payload.
struct IcmpView {
  static constexpr uint32_t kLen = 4;
  const uint8_t* p;
  static ErrorKind from_bytes(const uint8_t* d, uint32_t n, IcmpView& v) {
    if (n < kLen) return kErrTruncated;
    v.p = d;
    return kErrNone;
  }
  uint8_t type() const { return p[0]; }  // < kLen
  uint8_t code() const { return p[1]; }  // < kLen
};

}  // namespace parse
}  // namespace wirewatch

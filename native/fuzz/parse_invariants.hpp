// Properties every ParsedPacket must have, whatever the input bytes were.
// Checked by the fuzz harness on every input and by test/native/parser_test.cc
// on every frame it parses. Returns nullptr when all hold, else the name of the
// first broken property.
#pragma once

#include <cstdint>
#include <cstring>

#include "../parse/parser.hpp"

namespace wirewatch {
namespace fuzz {

// Field-wise equality (padding bytes are not part of the value).
inline bool same_packet(const ParsedPacket& a, const ParsedPacket& b) {
  return std::memcmp(a.src_addr, b.src_addr, 16) == 0 && std::memcmp(a.dst_addr, b.dst_addr, 16) == 0 &&
         a.payload_len == b.payload_len && a.vlan == b.vlan && a.src_port == b.src_port &&
         a.dst_port == b.dst_port && a.tcp_flags == b.tcp_flags && a.layers == b.layers && a.l3 == b.l3 &&
         a.ip_proto == b.ip_proto && a.frag == b.frag && a.error == b.error && a.error_layer == b.error_layer;
}

inline const char* check_parse_invariants(const ParsedPacket& p, uint32_t link_type) {
  constexpr uint16_t kL4 = kHasTcp | kHasUdp | kHasIcmp | kHasIcmpv6;
  constexpr uint16_t kLink = kHasEthernet | kHasSll | kHasNull;
  constexpr uint16_t kAll = kHasEthernet | kHasLlc | kHasVlan | kHasArp | kHasIpv4 | kHasIpv6 | kL4 |
                            kHasSll | kHasNull;
  const uint16_t l = p.layers;
  if ((p.error == kErrNone) != (p.error_layer == kLayerNone)) return "error and error_layer disagree";
  if (p.error > kErrUnsupportedLink || p.error_layer > kLayerIcmpv6) return "error value out of range";
  if (p.l3 > kL3Other) return "l3 out of range";
  if (l & ~kAll) return "unknown layer bit";
  if (p.error == kErrUnsupportedLink) {
    ParsedPacket q = p;
    q.error = 0;
    q.error_layer = 0;
    if (!same_packet(q, ParsedPacket{})) return "unsupported link decoded something";
    if (p.error_layer != kLayerLink) return "unsupported link not at link layer";
  }
  if (__builtin_popcount(l & kLink) > 1) return "two link layers";
  if (__builtin_popcount(l & kL4) > 1) return "two L4 layers";
  if ((l & kHasIpv4) && (l & kHasIpv6)) return "both IPv4 and IPv6";
  if ((l & kL4) && !(l & (kHasIpv4 | kHasIpv6))) return "L4 without IP";
  if ((l & kHasIpv4) && p.l3 != kL3Ipv4) return "kHasIpv4 but l3 != ipv4";
  if ((l & kHasIpv6) && p.l3 != kL3Ipv6) return "kHasIpv6 but l3 != ipv6";
  if ((l & kHasArp) && p.l3 != kL3Arp) return "kHasArp but l3 != arp";
  if ((l & kHasLlc) && p.l3 != kL3None) return "LLC with an l3";
  if ((l & kHasVlan) == 0 && p.vlan != 0) return "vlan id without a tag";
  if (p.vlan > 0x0fff) return "vlan id over 12 bits";
  if (p.tcp_flags > 0x1ff) return "tcp flags over 9 bits";
  if (p.tcp_flags && !(l & kHasTcp)) return "tcp flags without tcp";
  if ((p.src_port || p.dst_port) && !(l & kL4)) return "ports without L4";
  if ((l & (kHasIcmp | kHasIcmpv6)) && (p.src_port > 255 || p.dst_port > 255)) return "icmp type/code > 255";
  if (p.frag & ~(kFragment | kFragFirst | kFragMore)) return "unknown frag bit";
  if (p.frag && !(p.frag & kFragment)) return "frag bits without kFragment";
  if ((p.frag & kFragment) && !(p.frag & kFragFirst) && (l & kL4)) return "L4 in a non-first fragment";
  if (p.frag && !(l & (kHasIpv4 | kHasIpv6))) return "frag bits without IP";
  if (!(l & kHasIpv4) && p.l3 == kL3Ipv4 && p.error == kErrNone) return "ipv4 announced, not decoded, no error";
  if (!(l & kHasIpv6) && p.l3 == kL3Ipv6 && p.error == kErrNone) return "ipv6 announced, not decoded, no error";
  if (!(l & (kHasIpv4 | kHasIpv6))) {
    static const uint8_t zero16[16] = {};
    if (std::memcmp(p.src_addr, zero16, 16) || std::memcmp(p.dst_addr, zero16, 16)) return "address without IP";
    if (p.ip_proto || p.payload_len) return "ip_proto/payload without IP";
  }
  if ((l & kHasIpv4) && p.payload_len > 65535 - 20) return "ipv4 payload over 65515";
  if (p.error == kErrNone) {
    // Without an error the chain of layers is complete for what was announced.
    if ((p.l3 == kL3Ipv4 || p.l3 == kL3Ipv6) && !(l & (kHasIpv4 | kHasIpv6))) return "ip announced, not decoded";
    if (p.l3 == kL3Arp && !(l & kHasArp)) return "arp announced, not decoded";
    const bool first = !(p.frag & kFragment) || (p.frag & kFragFirst);
    if (first && p.ip_proto == 6 && !(l & kHasTcp) && (l & (kHasIpv4 | kHasIpv6))) return "tcp announced, not decoded";
    if (first && p.ip_proto == 17 && !(l & kHasUdp) && (l & (kHasIpv4 | kHasIpv6))) return "udp announced, not decoded";
  }
  // The link bit follows the link type, header complete or not.
  switch (link_type) {
    case 1: if ((l & kLink) != kHasEthernet) return "ethernet frame without kHasEthernet"; break;
    case 113: case 276: if ((l & kLink) != kHasSll) return "sll frame without kHasSll"; break;
    case 0: case 108: if ((l & kLink) != kHasNull) return "null frame without kHasNull"; break;
    default: if (l & kLink) return "link bit on a headerless link"; break;
  }
  return nullptr;
}

}  // namespace fuzz
}  // namespace wirewatch

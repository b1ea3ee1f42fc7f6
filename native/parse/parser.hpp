// Packet parser: link layer → VLAN → L3 → L4, bounds-checked, never allocates.
//
// Thread: runs on each source's capture thread, once per packet, writing into a
// ParsedPacket on the caller's stack. It never reads past `caplen` bytes of
// `data`, whatever those bytes are (fuzzed by native/fuzz/parse_fuzzer.cc).
#pragma once

#include <cstdint>

#include "../batch/layout.h"

namespace wirewatch {

struct ParsedPacket {
  // 16 bytes each, network byte order; IPv4 is stored v4-mapped (::ffff:a.b.c.d).
  uint8_t src_addr[16];
  uint8_t dst_addr[16];
  uint32_t payload_len;  // L4 payload length from the IP length fields, not from caplen
  uint16_t vlan;         // outermost VLAN id, 0 when untagged
  uint16_t src_port;     // ICMP/ICMPv6: type
  uint16_t dst_port;     // ICMP/ICMPv6: code
  uint16_t tcp_flags;    // 9 bits: FIN SYN RST PSH ACK URG ECE CWR NS
  uint16_t layers;       // LayerBit mask
  uint8_t l3;            // L3Kind
  uint8_t ip_proto;      // IP protocol number (IPv6: after the extension chain)
  uint8_t frag;          // FragBit mask
  uint8_t error;         // ErrorKind
  uint8_t error_layer;   // ErrorLayer
};

// Decodes one frame of DLT `link_type`. Every field of `out` is written.
void parse_packet(const uint8_t* data, uint32_t caplen, uint32_t link_type, ParsedPacket& out);

// Direction-independent hash of (source id, VLAN, protocol, the two endpoints):
// swapping source and destination gives the same value.
uint32_t flow_hash(uint16_t source_id, const ParsedPacket& p);

}  // namespace wirewatch

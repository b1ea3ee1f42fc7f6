// Hand-built frames for the parser tests and the micro-benchmark. Each builder
// appends one header in network byte order; length fields the caller leaves at
// kAuto are filled in by finish() from what follows the header.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <vector>

namespace wirewatch {
namespace testing {

constexpr uint32_t kAuto = 0xffffffffu;

class Frame {
 public:
  std::vector<uint8_t> bytes;

  size_t size() const { return bytes.size(); }
  Frame& u8(uint32_t v) { bytes.push_back(uint8_t(v)); return *this; }
  Frame& u16(uint32_t v) { u8(v >> 8); return u8(v); }
  Frame& u32(uint32_t v) { u16(v >> 16); return u16(v); }
  Frame& raw(std::initializer_list<uint8_t> b) { bytes.insert(bytes.end(), b); return *this; }
  Frame& zeros(size_t n) { bytes.insert(bytes.end(), n, 0); return *this; }
  Frame& fill(size_t n, uint8_t v) { bytes.insert(bytes.end(), n, v); return *this; }
  void put16(size_t at, uint32_t v) { bytes[at] = uint8_t(v >> 8); bytes[at + 1] = uint8_t(v); }

  // --- link layers ---
  Frame& ethernet(uint16_t type) {
    raw({0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01});
    return u16(type);
  }
  Frame& vlan(uint16_t tci, uint16_t type) { u16(tci); return u16(type); }
  Frame& sll(uint16_t protocol) {
    u16(0).u16(1).u16(6).raw({0x02, 0, 0, 0, 0, 0x01, 0, 0});
    return u16(protocol);
  }
  Frame& sll2(uint16_t protocol) {
    u16(protocol).u16(0).u32(2).u16(1).u8(0).u8(6);
    return raw({0x02, 0, 0, 0, 0, 0x01, 0, 0});
  }
  Frame& null_le(uint32_t af) { u8(af); u8(af >> 8); u8(af >> 16); return u8(af >> 24); }
  Frame& null_be(uint32_t af) { return u32(af); }

  // --- L3 ---
  // IPv4 with `opt_words` 4-byte option words (NOPs). total_len kAuto = to the end.
  Frame& ipv4(uint8_t proto, uint32_t total_len = kAuto, uint32_t opt_words = 0, uint16_t flags_frag = 0,
              uint8_t ihl_override = 0xff) {
    ip_start_ = bytes.size();
    ip_total_ = total_len;
    const uint8_t ihl = ihl_override != 0xff ? ihl_override : uint8_t(5 + opt_words);
    u8(0x40 | (ihl & 0x0f)).u8(0).u16(0).u16(0x1234).u16(flags_frag).u8(64).u8(proto).u16(0);
    raw({192, 0, 2, 1}).raw({198, 51, 100, 2});
    fill(opt_words * 4, 0x01);
    ip_kind_ = 4;
    return *this;
  }
  Frame& ipv6(uint8_t next_header, uint32_t payload_len = kAuto) {
    ip_start_ = bytes.size();
    ip_total_ = payload_len;
    u32(0x60000000).u16(0).u8(next_header).u8(64);
    raw({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01});
    raw({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02});
    ip_kind_ = 6;
    return *this;
  }
  // Generic extension header (hop-by-hop, routing, destination options): `units`
  // = the length byte, (units + 1) * 8 bytes in all, padded with PadN.
  Frame& ipv6_ext(uint8_t next_header, uint8_t units = 0) {
    u8(next_header).u8(units);
    size_t left = (size_t(units) + 1) * 8 - 2;
    while (left > 0) {  // PadN options (at most 257 bytes each), a Pad1 for a lone byte
      if (left == 1) return u8(0);
      const size_t chunk = left < 257 ? left : 257;
      u8(1).u8(uint8_t(chunk - 2)).zeros(chunk - 2);
      left -= chunk;
    }
    return *this;
  }
  Frame& ipv6_frag(uint8_t next_header, uint16_t offset_units, bool more, uint32_t id = 0xabcd) {
    u8(next_header).u8(0).u16(uint32_t(offset_units) << 3 | (more ? 1 : 0));
    return u32(id);
  }
  Frame& ipv6_ah(uint8_t next_header, uint8_t len_field = 4) {  // (len+2)*4 bytes
    u8(next_header).u8(len_field).u16(0);
    return zeros((size_t(len_field) + 2) * 4 - 4);
  }
  Frame& arp() { return u16(1).u16(0x0800).u8(6).u8(4).u16(1).zeros(20); }

  // --- L4 ---
  Frame& tcp(uint16_t sport, uint16_t dport, uint16_t flags9, uint32_t opt_words = 0, uint8_t doff_override = 0xff) {
    const uint8_t doff = doff_override != 0xff ? doff_override : uint8_t(5 + opt_words);
    u16(sport).u16(dport).u32(1000).u32(2000);
    u8(uint32_t(doff) << 4 | ((flags9 >> 8) & 1)).u8(flags9 & 0xff).u16(65535).u16(0).u16(0);
    return fill(opt_words * 4, 0x01);
  }
  Frame& udp(uint16_t sport, uint16_t dport, uint32_t length = kAuto) {
    udp_len_at_ = length == kAuto ? bytes.size() + 4 : 0;
    return u16(sport).u16(dport).u16(length == kAuto ? 0 : length).u16(0);
  }
  Frame& icmp(uint8_t type, uint8_t code) { return u8(type).u8(code).u16(0).u32(0x00010002); }
  Frame& payload(size_t n) {
    for (size_t i = 0; i < n; i++) u8(uint8_t('a' + i % 26));
    return *this;
  }

  // Fills the IP length field (and a UDP length left at kAuto) from the bytes
  // that follow the IP header. Call once, after the last header.
  Frame& finish() {
    if (ip_kind_ == 4) {
      const uint32_t tl = ip_total_ == kAuto ? uint32_t(bytes.size() - ip_start_) : ip_total_;
      put16(ip_start_ + 2, tl);
    } else if (ip_kind_ == 6) {
      const uint32_t pl = ip_total_ == kAuto ? uint32_t(bytes.size() - ip_start_ - 40) : ip_total_;
      put16(ip_start_ + 4, pl);
    }
    if (udp_len_at_) put16(udp_len_at_, uint32_t(bytes.size() - (udp_len_at_ - 4)));
    return *this;
  }

 private:
  size_t ip_start_ = 0;
  uint32_t ip_total_ = kAuto;
  int ip_kind_ = 0;
  size_t udp_len_at_ = 0;
};

}  // namespace testing
}  // namespace wirewatch

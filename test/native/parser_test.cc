// Parser unit tests: hostile inputs first, then every truncation length of a few
// full packets, then happy paths per link type and L4, flow_hash, and a replay of
// every committed fuzz regression input.
//
//   parser_test [REGRESSION_DIR]      (test/native/run.sh builds it with ASan/UBSan)
//
// Every frame is copied into a heap buffer of exactly caplen bytes before it is
// parsed, so ASan reports any read past the capture.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "../../native/fuzz/fuzz_input.hpp"
#include "../../native/fuzz/parse_invariants.hpp"
#include "../../native/parse/parser.hpp"
#include "packet_builder.hpp"

using namespace wirewatch;
using wirewatch::testing::Frame;
using wirewatch::testing::kAuto;

namespace {

int g_checks = 0;
int g_failures = 0;
std::string g_ctx;  // printed with every failure (test name, loop variable)

#define CHECK(cond)                                                                         \
  do {                                                                                      \
    ++g_checks;                                                                             \
    if (!(cond)) {                                                                          \
      ++g_failures;                                                                         \
      std::fprintf(stderr, "%s:%d: [%s] CHECK(%s) failed\n", __FILE__, __LINE__, g_ctx.c_str(), #cond); \
    }                                                                                       \
  } while (0)

#define CHECK_EQ(a, b)                                                                          \
  do {                                                                                          \
    ++g_checks;                                                                                 \
    const unsigned long long va_ = (unsigned long long)(a), vb_ = (unsigned long long)(b);      \
    if (va_ != vb_) {                                                                           \
      ++g_failures;                                                                             \
      std::fprintf(stderr, "%s:%d: [%s] CHECK_EQ(%s, %s) failed: %llu (0x%llx) != %llu (0x%llx)\n", \
                   __FILE__, __LINE__, g_ctx.c_str(), #a, #b, va_, va_, vb_, vb_);             \
    }                                                                                           \
  } while (0)

constexpr uint32_t kEth = 1, kSll = 113, kSll2 = 276, kNull = 0, kLoop = 108;

// Parses the first `len` bytes of `bytes` from an exact-size heap copy, checks the
// invariants every parse must satisfy, and returns the row.
ParsedPacket parse_n(const std::vector<uint8_t>& bytes, size_t len, uint32_t link) {
  std::unique_ptr<uint8_t[]> copy(new uint8_t[len]);  // exactly len: ASan catches overreads
  if (len) std::memcpy(copy.get(), bytes.data(), len);
  ParsedPacket p;
  std::memset(&p, 0xa5, sizeof p);
  parse_packet(copy.get(), uint32_t(len), link, p);
  if (const char* broken = fuzz::check_parse_invariants(p, link)) {
    ++g_failures;
    std::fprintf(stderr, "[%s] invariant broken: %s\n", g_ctx.c_str(), broken);
  }
  return p;
}
ParsedPacket parse(const Frame& f, uint32_t link) { return parse_n(f.bytes, f.size(), link); }

void expect_error(const ParsedPacket& p, ErrorKind kind, ErrorLayer layer) {
  CHECK_EQ(p.error, kind);
  CHECK_EQ(p.error_layer, layer);
}
void expect_ok(const ParsedPacket& p) { expect_error(p, kErrNone, kLayerNone); }

bool is_v4_mapped(const uint8_t* a, uint8_t b0, uint8_t b1, uint8_t b2, uint8_t b3) {
  static const uint8_t prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  return std::memcmp(a, prefix, 12) == 0 && a[12] == b0 && a[13] == b1 && a[14] == b2 && a[15] == b3;
}

bool all_zero(const uint8_t* a) {
  for (int i = 0; i < 16; i++) if (a[i]) return false;
  return true;
}

uint32_t swapped_hash(uint16_t source, const ParsedPacket& p) {
  ParsedPacket s = p;
  std::memcpy(s.src_addr, p.dst_addr, 16);
  std::memcpy(s.dst_addr, p.src_addr, 16);
  s.src_port = p.dst_port;
  s.dst_port = p.src_port;
  return flow_hash(source, s);
}

// ---------------------------------------------------------------- hostile input

void test_unsupported_link() {
  g_ctx = "unsupported link";
  const Frame f = Frame().ethernet(0x0800).ipv4(6).tcp(1, 2, 0x02).finish();
  for (uint32_t link : {2u, 9u, 105u, 127u, 228u, 229u, 0xffffu, 0xffffffffu}) {
    for (size_t len : {size_t(0), size_t(1), f.size()}) {
      g_ctx = "unsupported link " + std::to_string(link) + " len " + std::to_string(len);
      const ParsedPacket p = parse_n(f.bytes, len, link);
      expect_error(p, kErrUnsupportedLink, kLayerLink);
      CHECK_EQ(p.layers, 0);
      CHECK_EQ(p.l3, kL3None);
      CHECK_EQ(p.ip_proto, 0);
      CHECK(all_zero(p.src_addr));
    }
  }
  // A null data pointer with caplen 0 must not be touched.
  ParsedPacket p;
  parse_packet(nullptr, 0, kEth, p);
  expect_error(p, kErrTruncated, kLayerLink);
}

void test_short_link_headers() {
  struct Case { uint32_t link; size_t need; uint16_t bit; const char* name; };
  const Case cases[] = {{kEth, 14, kHasEthernet, "ethernet"}, {kSll, 16, kHasSll, "sll"},
                        {kSll2, 20, kHasSll, "sll2"},         {kNull, 4, kHasNull, "null"},
                        {kLoop, 4, kHasNull, "loop"}};
  const std::vector<uint8_t> junk(64, 0x00);
  for (const Case& c : cases) {
    for (size_t len = 0; len < c.need; len++) {
      g_ctx = std::string(c.name) + " header cut at " + std::to_string(len);
      const ParsedPacket p = parse_n(junk, len, c.link);
      expect_error(p, kErrTruncated, kLayerLink);
      CHECK_EQ(p.layers, c.bit);  // the link bit follows the link type, even for a cut header
      CHECK_EQ(p.l3, kL3None);
    }
    g_ctx = std::string(c.name) + " header alone";
    const ParsedPacket p = parse_n(junk, c.need, c.link);
    CHECK_EQ(p.layers & c.bit, c.bit);
  }
  for (uint32_t raw : {101u, 12u, 14u}) {
    g_ctx = "raw " + std::to_string(raw) + " empty";
    expect_error(parse_n(junk, 0, raw), kErrTruncated, kLayerLink);
    for (uint8_t v : {0x00, 0x50, 0x70, 0xf0}) {
      g_ctx = "raw " + std::to_string(raw) + " version byte " + std::to_string(v);
      std::vector<uint8_t> b(40, 0);
      b[0] = v;
      const ParsedPacket p = parse_n(b, b.size(), raw);
      expect_error(p, kErrMalformed, kLayerLink);
      CHECK_EQ(p.l3, kL3None);
      CHECK_EQ(p.layers, 0);
    }
  }
}

void test_vlan_stacks_until_bytes_run_out() {
  for (uint16_t tpid : {0x8100, 0x88a8, 0x9100}) {
    Frame f;
    f.ethernet(tpid);
    for (int i = 0; i < 40; i++) f.vlan(uint16_t(0x1000 | (100 + i)), tpid);  // PCP bit set: id stays 12 bits
    for (size_t len = 14; len <= f.size(); len++) {
      g_ctx = "vlan stack tpid " + std::to_string(tpid) + " len " + std::to_string(len);
      const ParsedPacket p = parse_n(f.bytes, len, kEth);
      expect_error(p, kErrTruncated, kLayerVlan);
      if (len >= 18) {
        CHECK_EQ(p.layers, kHasEthernet | kHasVlan);
        CHECK_EQ(p.vlan, 100);  // the outer tag
      } else {
        CHECK_EQ(p.layers, kHasEthernet);
        CHECK_EQ(p.vlan, 0);
      }
    }
  }
  g_ctx = "vlan id 0 tag (priority tag)";
  const ParsedPacket p = parse(Frame().ethernet(0x8100).vlan(0xe000, 0x0806).arp(), kEth);
  expect_ok(p);
  CHECK_EQ(p.layers, kHasEthernet | kHasVlan | kHasArp);
  CHECK_EQ(p.vlan, 0);
}

void test_arp_and_llc_cut() {
  const Frame arp = Frame().ethernet(0x0806).arp();
  for (size_t len = 14; len < 22; len++) {
    g_ctx = "arp cut at " + std::to_string(len);
    const ParsedPacket p = parse_n(arp.bytes, len, kEth);
    expect_error(p, kErrTruncated, kLayerArp);
    CHECK_EQ(p.l3, kL3Arp);
    CHECK_EQ(p.layers, kHasEthernet);
  }
  // Cut inside the addresses: the lengths announce bytes that are not there.
  for (size_t len = 22; len < 42; len++) {
    g_ctx = "arp addresses cut at " + std::to_string(len);
    const ParsedPacket p = parse_n(arp.bytes, len, kEth);
    expect_error(p, kErrMalformed, kLayerArp);
    CHECK_EQ(p.layers, kHasEthernet | kHasArp);
  }
  {
    g_ctx = "arp protocol length 170 in a 60-byte frame";
    Frame lying = Frame().ethernet(0x0806).u16(1).u16(0x0800).u8(6).u8(170).u16(1).zeros(38);
    expect_error(parse(lying, kEth), kErrMalformed, kLayerArp);
    g_ctx = "arp complete";
    expect_ok(parse_n(arp.bytes, 42, kEth));
  }
  const Frame llc = Frame().ethernet(46).raw({0x42, 0x42, 0x03}).zeros(43);
  for (size_t len = 14; len < 17; len++) {
    g_ctx = "llc cut at " + std::to_string(len);
    const ParsedPacket p = parse_n(llc.bytes, len, kEth);
    expect_error(p, kErrTruncated, kLayerLink);
    CHECK_EQ(p.layers, kHasEthernet);
  }
}

void test_ipv4_header_fields() {
  // IHL 0..4: malformed, no IPv4 bit, no addresses.
  for (uint8_t ihl = 0; ihl < 5; ihl++) {
    g_ctx = "ipv4 ihl " + std::to_string(ihl);
    const ParsedPacket p = parse(Frame().ethernet(0x0800).ipv4(6, kAuto, 0, 0, ihl).tcp(1, 2, 2).finish(), kEth);
    expect_error(p, kErrMalformed, kLayerIpv4);
    CHECK_EQ(p.layers, kHasEthernet);
    CHECK_EQ(p.l3, kL3Ipv4);
    CHECK(all_zero(p.src_addr));
  }
  // Wrong version under ethertype 0x0800.
  {
    g_ctx = "ipv4 ethertype, version 6";
    Frame f = Frame().ethernet(0x0800).ipv4(6).tcp(1, 2, 2).finish();
    f.bytes[14] = 0x65;
    expect_error(parse(f, kEth), kErrMalformed, kLayerIpv4);
  }
  // Options past the end of the capture: IHL 15 with nothing after the fixed part.
  for (uint8_t ihl = 6; ihl <= 15; ihl++) {
    g_ctx = "ipv4 options past the capture, ihl " + std::to_string(ihl);
    Frame f = Frame().ethernet(0x0800).ipv4(6, 1500, 0, 0, ihl);
    f.finish();
    const ParsedPacket p = parse(f, kEth);
    expect_error(p, kErrTruncated, kLayerIpv4);
    CHECK_EQ(p.layers, kHasEthernet | kHasIpv4);  // fixed part decoded
    CHECK(is_v4_mapped(p.src_addr, 192, 0, 2, 1));
    CHECK_EQ(p.ip_proto, 6);
    CHECK_EQ(p.payload_len, 0);
  }
  // Total length: zero, below the header, exactly the header, larger than the frame.
  for (uint32_t tl : {0u, 1u, 19u, 23u}) {
    g_ctx = "ipv4 total length " + std::to_string(tl) + " with ihl 6";
    const ParsedPacket p = parse(Frame().ethernet(0x0800).ipv4(6, tl, 1).tcp(1, 2, 2).finish(), kEth);
    expect_error(p, kErrMalformed, kLayerIpv4);
    CHECK_EQ(p.layers, kHasEthernet | kHasIpv4);
    CHECK_EQ(p.payload_len, 0);
  }
  {
    g_ctx = "ipv4 total length = header: no room for tcp";
    const ParsedPacket p = parse(Frame().ethernet(0x0800).ipv4(6, 20).tcp(1, 2, 2).finish(), kEth);
    expect_error(p, kErrMalformed, kLayerTcp);
    CHECK_EQ(p.layers, kHasEthernet | kHasIpv4);
    CHECK_EQ(p.payload_len, 0);
    CHECK_EQ(p.src_port, 0);
  }
  {
    g_ctx = "ipv4 total length 65535 in a short frame (snaplen cut)";
    const ParsedPacket p = parse(Frame().ethernet(0x0800).ipv4(6, 65535).tcp(1, 2, 2).finish(), kEth);
    expect_ok(p);
    CHECK_EQ(p.payload_len, 65535 - 40);
  }
  {
    g_ctx = "ipv4 other protocol, total length 0";
    const ParsedPacket p = parse(Frame().ethernet(0x0800).ipv4(47, 0).zeros(8).finish(), kEth);
    expect_error(p, kErrMalformed, kLayerIpv4);
    CHECK_EQ(p.ip_proto, 47);
  }
}

void test_l4_length_fields() {
  // TCP data offset 0..4: malformed, no TCP bit.
  for (uint8_t doff = 0; doff < 5; doff++) {
    g_ctx = "tcp data offset " + std::to_string(doff);
    const ParsedPacket p = parse(Frame().ethernet(0x0800).ipv4(6).tcp(1, 2, 2, 0, doff).payload(40).finish(), kEth);
    expect_error(p, kErrMalformed, kLayerTcp);
    CHECK_EQ(p.layers, kHasEthernet | kHasIpv4);
    CHECK_EQ(p.src_port, 0);
    CHECK_EQ(p.payload_len, 60);  // the IP payload
  }
  {
    g_ctx = "tcp data offset 15, options past the capture";
    const ParsedPacket p = parse(Frame().ethernet(0x0800).ipv4(6, 1500).tcp(1, 2, 0x12, 0, 15).finish(), kEth);
    expect_error(p, kErrTruncated, kLayerTcp);
    CHECK_EQ(p.layers, kHasEthernet | kHasIpv4 | kHasTcp);  // fixed part decoded: ports and flags kept
    CHECK_EQ(p.src_port, 1);
    CHECK_EQ(p.tcp_flags, 0x12);
    CHECK_EQ(p.payload_len, 1480);
  }
  {
    g_ctx = "tcp data offset 15 larger than the IP payload";
    const ParsedPacket p = parse(Frame().ethernet(0x0800).ipv4(6).tcp(1, 2, 0x10, 0, 15).zeros(39).finish(), kEth);
    expect_error(p, kErrMalformed, kLayerTcp);  // header would end past the datagram: negative payload
    CHECK_EQ(p.layers & kHasTcp, kHasTcp);
  }
  for (uint32_t ip_payload : {0u, 1u, 19u}) {
    g_ctx = "tcp in an IP payload of " + std::to_string(ip_payload);
    const ParsedPacket p = parse(Frame().ethernet(0x0800).ipv4(6, 20 + ip_payload).tcp(1, 2, 2).finish(), kEth);
    expect_error(p, kErrMalformed, kLayerTcp);
    CHECK_EQ(p.layers & kHasTcp, 0);
  }
  // UDP length field: zero, too small, minimum, larger than the datagram.
  for (uint32_t ulen : {0u, 1u, 7u, 13u, 65535u}) {
    g_ctx = "udp length " + std::to_string(ulen);
    const ParsedPacket p = parse(Frame().ethernet(0x0800).ipv4(17).udp(53, 53, ulen).payload(4).finish(), kEth);
    expect_error(p, kErrMalformed, kLayerUdp);
    CHECK_EQ(p.layers & kHasUdp, kHasUdp);
    CHECK_EQ(p.src_port, 53);
    CHECK_EQ(p.payload_len, 12);  // the IP payload
  }
  {
    g_ctx = "udp length of the whole datagram in a first fragment";
    const ParsedPacket p = parse(Frame().ethernet(0x0800).ipv4(17, kAuto, 0, 0x2000).udp(53, 53, 3000).payload(4).finish(), kEth);
    expect_ok(p);
    CHECK_EQ(p.frag, kFragment | kFragFirst | kFragMore);
  }
  for (uint32_t ulen : {8u, 12u}) {
    g_ctx = "udp length " + std::to_string(ulen) + " (payload from IP)";
    const ParsedPacket p = parse(Frame().ethernet(0x0800).ipv4(17).udp(53, 53, ulen).payload(4).finish(), kEth);
    expect_ok(p);
    CHECK_EQ(p.payload_len, 4);
  }
  for (uint32_t ip_payload : {0u, 7u}) {
    g_ctx = "udp in an IP payload of " + std::to_string(ip_payload);
    const ParsedPacket p = parse(Frame().ethernet(0x0800).ipv4(17, 20 + ip_payload).udp(1, 2).finish(), kEth);
    expect_error(p, kErrMalformed, kLayerUdp);
    CHECK_EQ(p.layers & kHasUdp, 0);
  }
  for (uint32_t ip_payload : {0u, 3u}) {
    g_ctx = "icmp in an IP payload of " + std::to_string(ip_payload);
    const ParsedPacket p = parse(Frame().ethernet(0x0800).ipv4(1, 20 + ip_payload).icmp(8, 0).finish(), kEth);
    expect_error(p, kErrMalformed, kLayerIcmp);
    g_ctx = "icmpv6 in an IP payload of " + std::to_string(ip_payload);
    const ParsedPacket q = parse(Frame().ethernet(0x86dd).ipv6(58, ip_payload).icmp(128, 0).finish(), kEth);
    expect_error(q, kErrMalformed, kLayerIcmpv6);
  }
  for (size_t cut = 0; cut < 4; cut++) {
    g_ctx = "icmp header cut to " + std::to_string(cut);
    const Frame f = Frame().ethernet(0x0800).ipv4(1).icmp(3, 1).payload(28).finish();
    const ParsedPacket p = parse_n(f.bytes, 34 + cut, kEth);
    expect_error(p, kErrTruncated, kLayerIcmp);
    CHECK_EQ(p.layers, kHasEthernet | kHasIpv4);
  }
}

void test_ipv4_fragments() {
  struct Case { uint16_t ff; uint8_t frag; bool l4; const char* name; };
  const Case cases[] = {
      {0x4000, 0, true, "DF only"},
      {0x2000, kFragment | kFragFirst | kFragMore, true, "first (MF, offset 0)"},
      {0x2000 | 185, kFragment | kFragMore, false, "middle (MF, offset 1480)"},
      {185, kFragment, false, "last (offset 1480)"},
      {0x1fff, kFragment, false, "max offset"},
  };
  for (const Case& c : cases) {
    g_ctx = std::string("ipv4 fragment ") + c.name;
    const ParsedPacket p = parse(Frame().ethernet(0x0800).ipv4(17, kAuto, 0, c.ff).udp(1000, 53).payload(10).finish(), kEth);
    expect_ok(p);
    CHECK_EQ(p.frag, c.frag);
    CHECK_EQ(p.ip_proto, 17);
    CHECK_EQ(p.layers, kHasEthernet | kHasIpv4 | (c.l4 ? kHasUdp : 0));
    CHECK_EQ(p.src_port, c.l4 ? 1000 : 0);
    CHECK_EQ(p.payload_len, c.l4 ? 10 : 18);
  }
  // A non-first fragment with no bytes after the IP header: no L4 expected, no error.
  for (uint32_t tl : {20u, 1500u}) {
    g_ctx = "ipv4 non-first fragment, nothing captured after the header, total " + std::to_string(tl);
    const ParsedPacket p = parse(Frame().ethernet(0x0800).ipv4(6, tl, 0, 100).finish(), kEth);
    expect_ok(p);
    CHECK_EQ(p.frag, kFragment);
    CHECK_EQ(p.payload_len, tl - 20);
  }
  {
    g_ctx = "ipv4 first fragment too small for the tcp header";
    const ParsedPacket p = parse(Frame().ethernet(0x0800).ipv4(6, 28, 0, 0x2000).tcp(1, 2, 2).finish(), kEth);
    expect_error(p, kErrMalformed, kLayerTcp);
    CHECK_EQ(p.frag, kFragment | kFragFirst | kFragMore);
  }
}

void test_ipv6_header_and_chain() {
  {
    g_ctx = "ipv6 ethertype, version 4";
    Frame f = Frame().ethernet(0x86dd).ipv6(6).tcp(1, 2, 2).finish();
    f.bytes[14] = 0x45;
    const ParsedPacket p = parse(f, kEth);
    expect_error(p, kErrMalformed, kLayerIpv6);
    CHECK_EQ(p.layers, kHasEthernet);
    CHECK_EQ(p.l3, kL3Ipv6);
  }
  {
    g_ctx = "ipv6 payload length 0, tcp (no jumbo option)";
    const ParsedPacket p = parse(Frame().ethernet(0x86dd).ipv6(6, 0).tcp(1, 2, 2).finish(), kEth);
    expect_error(p, kErrMalformed, kLayerTcp);
  }
  {
    g_ctx = "ipv6 payload length 0, no next header";
    const ParsedPacket p = parse(Frame().ethernet(0x86dd).ipv6(59, 0).finish(), kEth);
    expect_ok(p);
    CHECK_EQ(p.ip_proto, 59);
    CHECK_EQ(p.payload_len, 0);
  }
  {
    g_ctx = "ipv6 payload length smaller than the extension chain";
    const ParsedPacket p = parse(Frame().ethernet(0x86dd).ipv6(0, 12).ipv6_ext(60).ipv6_ext(6).tcp(1, 2, 2).finish(), kEth);
    expect_error(p, kErrMalformed, kLayerIpv6Ext);
    CHECK_EQ(p.layers, kHasEthernet | kHasIpv6);
  }
  {
    g_ctx = "ipv6 payload length 4: even the first extension header does not fit";
    const ParsedPacket p = parse(Frame().ethernet(0x86dd).ipv6(43, 4).ipv6_ext(6).tcp(1, 2, 2).finish(), kEth);
    expect_error(p, kErrMalformed, kLayerIpv6Ext);
  }
  {
    g_ctx = "ipv6 payload length 65535 in a short frame (snaplen cut)";
    const ParsedPacket p = parse(Frame().ethernet(0x86dd).ipv6(0, 65535).ipv6_ext(6).tcp(1, 2, 2).finish(), kEth);
    expect_ok(p);
    CHECK_EQ(p.payload_len, 65535 - 8 - 20);
  }
  // A chain that would loop forever if lengths were not walked: 16 destination-
  // options headers are fine, the 17th extension header is refused.
  for (int n : {15, 16, 17, 40}) {
    g_ctx = "ipv6 chain of " + std::to_string(n) + " extension headers";
    Frame f = Frame().ethernet(0x86dd).ipv6(60);
    for (int i = 0; i < n; i++) f.ipv6_ext(i + 1 < n ? 60 : 17);
    f.udp(1, 2).finish();
    const ParsedPacket p = parse(f, kEth);
    if (n <= 16) {
      expect_ok(p);
      CHECK_EQ(p.layers, kHasEthernet | kHasIpv6 | kHasUdp);
      CHECK_EQ(p.payload_len, 0);
    } else {
      expect_error(p, kErrMalformed, kLayerIpv6Ext);
      CHECK_EQ(p.ip_proto, 60);
    }
  }
  // Extension header lengths: zero (8 bytes), the maximum (2048) with the capture
  // ending inside it, AH length 0 and 255.
  {
    g_ctx = "ipv6 hop-by-hop length 255 past the capture";
    Frame f = Frame().ethernet(0x86dd).ipv6(0, 3000).u8(6).u8(255).zeros(100);
    f.finish();
    const ParsedPacket p = parse(f, kEth);
    expect_error(p, kErrTruncated, kLayerIpv6Ext);
    CHECK_EQ(p.ip_proto, 0);  // the header that was cut
  }
  {
    g_ctx = "ipv6 hop-by-hop length 255 complete";
    const ParsedPacket p = parse(Frame().ethernet(0x86dd).ipv6(0).ipv6_ext(17, 255).udp(1, 2).payload(3).finish(), kEth);
    expect_ok(p);
    CHECK_EQ(p.payload_len, 3);
  }
  for (uint8_t ahlen : {0, 1, 4, 255}) {
    g_ctx = "ipv6 AH length " + std::to_string(ahlen);
    const ParsedPacket p = parse(Frame().ethernet(0x86dd).ipv6(51).ipv6_ah(17, ahlen).udp(1, 2).payload(3).finish(), kEth);
    expect_ok(p);
    CHECK_EQ(p.layers, kHasEthernet | kHasIpv6 | kHasUdp);
    CHECK_EQ(p.payload_len, 3);
  }
  // Upper layers that are not walked.
  for (uint8_t nh : {50, 135, 139, 253}) {
    g_ctx = "ipv6 next header " + std::to_string(nh) + " is an upper layer";
    const ParsedPacket p = parse(Frame().ethernet(0x86dd).ipv6(nh).zeros(24).finish(), kEth);
    expect_ok(p);
    CHECK_EQ(p.ip_proto, nh);
    CHECK_EQ(p.payload_len, 24);
    CHECK_EQ(p.layers, kHasEthernet | kHasIpv6);
  }
  {
    g_ctx = "ipv6 no next header after a destination options header";
    const ParsedPacket p = parse(Frame().ethernet(0x86dd).ipv6(60).ipv6_ext(59).zeros(5).finish(), kEth);
    expect_ok(p);
    CHECK_EQ(p.ip_proto, 59);
    CHECK_EQ(p.payload_len, 5);
  }
}

void test_ipv6_fragments() {
  {
    g_ctx = "ipv6 first fragment";
    const ParsedPacket p = parse(Frame().ethernet(0x86dd).ipv6(44).ipv6_frag(6, 0, true).tcp(5, 6, 0x18).payload(7).finish(), kEth);
    expect_ok(p);
    CHECK_EQ(p.frag, kFragment | kFragFirst | kFragMore);
    CHECK_EQ(p.layers, kHasEthernet | kHasIpv6 | kHasTcp);
    CHECK_EQ(p.payload_len, 7);
  }
  {
    g_ctx = "ipv6 non-first fragment with no bytes after its header";
    const ParsedPacket p = parse(Frame().ethernet(0x86dd).ipv6(44).ipv6_frag(6, 100, false).finish(), kEth);
    expect_ok(p);
    CHECK_EQ(p.frag, kFragment);
    CHECK_EQ(p.ip_proto, 6);
    CHECK_EQ(p.layers, kHasEthernet | kHasIpv6);
    CHECK_EQ(p.payload_len, 0);
  }
  {
    g_ctx = "ipv6 non-first fragment (payload length says 1000)";
    const ParsedPacket p = parse(Frame().ethernet(0x86dd).ipv6(44, 1000).ipv6_frag(17, 1, true).zeros(16).finish(), kEth);
    expect_ok(p);
    CHECK_EQ(p.frag, kFragment | kFragMore);
    CHECK_EQ(p.payload_len, 992);
    CHECK_EQ(p.src_port, 0);
  }
  {
    g_ctx = "ipv6 atomic fragment (offset 0, no MF)";
    const ParsedPacket p = parse(Frame().ethernet(0x86dd).ipv6(44).ipv6_frag(17, 0, false).udp(1, 2).finish(), kEth);
    expect_ok(p);
    CHECK_EQ(p.frag, 0);
    CHECK_EQ(p.layers & kHasUdp, kHasUdp);
  }
  for (size_t cut = 0; cut < 8; cut++) {
    g_ctx = "ipv6 fragment header cut to " + std::to_string(cut);
    const Frame f = Frame().ethernet(0x86dd).ipv6(44).ipv6_frag(6, 100, false).finish();
    const ParsedPacket p = parse_n(f.bytes, 54 + cut, kEth);
    expect_error(p, kErrTruncated, kLayerIpv6Ext);
    CHECK_EQ(p.frag, 0);
  }
  {
    g_ctx = "ipv6 first fragment then a non-first one";
    const ParsedPacket p = parse(Frame().ethernet(0x86dd).ipv6(44).ipv6_frag(44, 0, true).ipv6_frag(6, 3, true).zeros(20).finish(), kEth);
    expect_ok(p);
    CHECK_EQ(p.frag, kFragment | kFragMore);  // the later header wins
    CHECK_EQ(p.layers & kHasTcp, 0);
  }
}

void test_jumbogram() {
  // Payload length 0 + hop-by-hop carrying a Jumbo Payload option (RFC 2675).
  auto jumbo = [](uint32_t value, uint8_t next) {
    Frame f;
    f.ethernet(0x86dd).ipv6(0, 0).u8(next).u8(0).u8(0xc2).u8(4).u32(value);
    return f;
  };
  {
    g_ctx = "jumbo tcp";
    Frame f = jumbo(100000, 6);
    f.tcp(1, 2, 0x10).payload(8);
    const ParsedPacket p = parse(f, kEth);
    expect_ok(p);
    CHECK_EQ(p.payload_len, 100000 - 8 - 20);
  }
  {
    g_ctx = "jumbo udp with length 0";
    Frame f = jumbo(70000, 17);
    f.udp(1, 2, 0).payload(8);
    const ParsedPacket p = parse(f, kEth);
    expect_ok(p);
    CHECK_EQ(p.payload_len, 70000 - 8 - 8);
  }
  {
    g_ctx = "jumbo option smaller than the hop-by-hop header";
    Frame f = jumbo(4, 6);
    f.tcp(1, 2, 0x10);
    expect_error(parse(f, kEth), kErrMalformed, kLayerIpv6Ext);
  }
  {
    g_ctx = "payload length 0, hop-by-hop without a jumbo option";
    const ParsedPacket p = parse(Frame().ethernet(0x86dd).ipv6(0, 0).ipv6_ext(6).tcp(1, 2, 2).finish(), kEth);
    expect_error(p, kErrMalformed, kLayerIpv6Ext);
  }
  {
    g_ctx = "payload length 0, hop-by-hop cut";
    Frame f;
    f.ethernet(0x86dd).ipv6(0, 0).u8(6).u8(1).u8(0xc2);
    expect_error(parse(f, kEth), kErrTruncated, kLayerIpv6Ext);
  }
  {
    g_ctx = "udp length 0 outside a jumbogram";
    const ParsedPacket p = parse(Frame().ethernet(0x86dd).ipv6(17).udp(1, 2, 0).finish(), kEth);
    expect_error(p, kErrMalformed, kLayerUdp);
  }
}

// ------------------------------------------------------- every truncation length

struct Expect {
  size_t until;  // this expectation holds for lengths < until
  ErrorKind error;
  ErrorLayer layer;
  uint16_t layers;
  uint32_t payload_len;
};

void truncation_loop(const char* name, const Frame& f, uint32_t link, const std::vector<Expect>& table,
                     uint8_t l3_from, size_t l3_at) {
  for (size_t len = 0; len <= f.size(); len++) {
    g_ctx = std::string(name) + " cut at " + std::to_string(len) + "/" + std::to_string(f.size());
    const Expect* e = nullptr;
    for (const Expect& x : table) {
      if (len < x.until) { e = &x; break; }
    }
    if (!e) { CHECK(!"no expectation"); continue; }
    const ParsedPacket p = parse_n(f.bytes, len, link);
    CHECK_EQ(p.error, e->error);
    CHECK_EQ(p.error_layer, e->layer);
    CHECK_EQ(p.layers, e->layers);
    CHECK_EQ(p.payload_len, e->payload_len);
    CHECK_EQ(p.l3, len >= l3_at ? l3_from : uint8_t(kL3None));
  }
}

void test_truncation_tcp_ipv4_vlan() {
  // Ethernet 14 | VLAN 4 | IPv4 20 + 4 options | TCP 20 + 12 options | payload 10
  const Frame f = Frame().ethernet(0x8100).vlan(0x2064, 0x0800).ipv4(6, kAuto, 1).tcp(40000, 443, 0x18, 3).payload(10).finish();
  const uint16_t E = kHasEthernet, V = kHasVlan, I = kHasIpv4, T = kHasTcp;
  truncation_loop("tcp/ipv4/vlan", f, kEth,
                  {{14, kErrTruncated, kLayerLink, E, 0},
                   {18, kErrTruncated, kLayerVlan, E, 0},
                   {38, kErrTruncated, kLayerIpv4, uint16_t(E | V), 0},
                   {42, kErrTruncated, kLayerIpv4, uint16_t(E | V | I), 0},  // options cut
                   {62, kErrTruncated, kLayerTcp, uint16_t(E | V | I), 42},
                   {74, kErrTruncated, kLayerTcp, uint16_t(E | V | I | T), 42},  // options cut
                   {f.size() + 1, kErrNone, kLayerNone, uint16_t(E | V | I | T), 10}},
                  kL3Ipv4, 18);
  const ParsedPacket p = parse_n(f.bytes, 62, kEth);
  CHECK_EQ(p.src_port, 40000);
  CHECK_EQ(p.dst_port, 443);
  CHECK_EQ(p.tcp_flags, 0x18);
  CHECK_EQ(p.vlan, 100);
}

void test_truncation_tcp_ipv6() {
  // Ethernet 14 | IPv6 40 | TCP 20 | payload 5
  const Frame f = Frame().ethernet(0x86dd).ipv6(6).tcp(1234, 80, 0x02).payload(5).finish();
  const uint16_t E = kHasEthernet, I = kHasIpv6, T = kHasTcp;
  truncation_loop("tcp/ipv6", f, kEth,
                  {{14, kErrTruncated, kLayerLink, E, 0},
                   {54, kErrTruncated, kLayerIpv6, E, 0},
                   {74, kErrTruncated, kLayerTcp, uint16_t(E | I), 25},
                   {f.size() + 1, kErrNone, kLayerNone, uint16_t(E | I | T), 5}},
                  kL3Ipv6, 14);
}

void test_truncation_udp_ipv6_chain_sll2() {
  // SLL2 20 | IPv6 40 | hop-by-hop 8 | fragment 8 (first) | UDP 8 | payload 4
  const Frame f = Frame().sll2(0x86dd).ipv6(0).ipv6_ext(44).ipv6_frag(17, 0, true).udp(5353, 5353).payload(4).finish();
  const uint16_t S = kHasSll, I = kHasIpv6, U = kHasUdp;
  truncation_loop("udp/ipv6 ext chain/sll2", f, kSll2,
                  {{20, kErrTruncated, kLayerLink, S, 0},
                   {60, kErrTruncated, kLayerIpv6, S, 0},
                   {76, kErrTruncated, kLayerIpv6Ext, uint16_t(S | I), 0},
                   {84, kErrTruncated, kLayerUdp, uint16_t(S | I), 12},
                   {f.size() + 1, kErrNone, kLayerNone, uint16_t(S | I | U), 4}},
                  kL3Ipv6, 20);
}

void test_truncation_icmp_null() {
  // null 4 | IPv4 20 | ICMP 8 | payload 4
  const Frame f = Frame().null_le(2).ipv4(1).icmp(8, 0).payload(4).finish();
  const uint16_t N = kHasNull, I = kHasIpv4, C = kHasIcmp;
  truncation_loop("icmp/ipv4/null", f, kNull,
                  {{4, kErrTruncated, kLayerLink, N, 0},
                   {24, kErrTruncated, kLayerIpv4, N, 0},
                   {28, kErrTruncated, kLayerIcmp, uint16_t(N | I), 12},
                   {f.size() + 1, kErrNone, kLayerNone, uint16_t(N | I | C), 8}},
                  kL3Ipv4, 4);
}

// ------------------------------------------------------------------ happy paths

void test_ethernet_paths() {
  {
    g_ctx = "eth/ipv4/tcp";
    const ParsedPacket p = parse(Frame().ethernet(0x0800).ipv4(6).tcp(40000, 80, 0x1ff).payload(100).finish(), kEth);
    expect_ok(p);
    CHECK_EQ(p.layers, kHasEthernet | kHasIpv4 | kHasTcp);
    CHECK_EQ(p.l3, kL3Ipv4);
    CHECK_EQ(p.ip_proto, 6);
    CHECK(is_v4_mapped(p.src_addr, 192, 0, 2, 1));
    CHECK(is_v4_mapped(p.dst_addr, 198, 51, 100, 2));
    CHECK_EQ(p.src_port, 40000);
    CHECK_EQ(p.dst_port, 80);
    CHECK_EQ(p.tcp_flags, 0x1ff);  // all nine flags, NS included
    CHECK_EQ(p.payload_len, 100);
    CHECK_EQ(p.frag, 0);
    CHECK_EQ(p.vlan, 0);
  }
  for (uint16_t flags : {0x001, 0x002, 0x010, 0x012, 0x100, 0x0c2}) {
    g_ctx = "tcp flags " + std::to_string(flags);
    CHECK_EQ(parse(Frame().ethernet(0x0800).ipv4(6).tcp(1, 2, flags).finish(), kEth).tcp_flags, flags);
  }
  {
    g_ctx = "eth/ipv4 with options/udp, padded to 60 bytes";
    Frame f = Frame().ethernet(0x0800).ipv4(17, kAuto, 2).udp(5000, 53).finish();
    f.zeros(60 - f.size());  // Ethernet padding is not payload
    const ParsedPacket p = parse(f, kEth);
    expect_ok(p);
    CHECK_EQ(p.layers, kHasEthernet | kHasIpv4 | kHasUdp);
    CHECK_EQ(p.payload_len, 0);
    CHECK_EQ(p.dst_port, 53);
  }
  {
    g_ctx = "eth/ipv4/icmp";
    const ParsedPacket p = parse(Frame().ethernet(0x0800).ipv4(1).icmp(8, 0).payload(56).finish(), kEth);
    expect_ok(p);
    CHECK_EQ(p.layers, kHasEthernet | kHasIpv4 | kHasIcmp);
    CHECK_EQ(p.src_port, 8);
    CHECK_EQ(p.dst_port, 0);
    CHECK_EQ(p.payload_len, 60);  // everything after type/code/checksum
  }
  {
    g_ctx = "eth/ipv4/other protocol (GRE)";
    const ParsedPacket p = parse(Frame().ethernet(0x0800).ipv4(47).zeros(24).finish(), kEth);
    expect_ok(p);
    CHECK_EQ(p.layers, kHasEthernet | kHasIpv4);
    CHECK_EQ(p.ip_proto, 47);
    CHECK_EQ(p.payload_len, 24);
  }
  {
    g_ctx = "eth/ipv6/udp";
    const ParsedPacket p = parse(Frame().ethernet(0x86dd).ipv6(17).udp(546, 547).payload(30).finish(), kEth);
    expect_ok(p);
    CHECK_EQ(p.layers, kHasEthernet | kHasIpv6 | kHasUdp);
    CHECK_EQ(p.l3, kL3Ipv6);
    CHECK_EQ(p.src_addr[0], 0x20);
    CHECK_EQ(p.src_addr[15], 1);
    CHECK_EQ(p.dst_addr[15], 2);
    CHECK_EQ(p.payload_len, 30);
  }
  {
    g_ctx = "eth/ipv6/hbh/routing/dstopts/tcp";
    const ParsedPacket p = parse(Frame().ethernet(0x86dd).ipv6(0).ipv6_ext(43).ipv6_ext(60, 1).ipv6_ext(6).tcp(1, 2, 0x11).payload(9).finish(), kEth);
    expect_ok(p);
    CHECK_EQ(p.layers, kHasEthernet | kHasIpv6 | kHasTcp);
    CHECK_EQ(p.ip_proto, 6);
    CHECK_EQ(p.payload_len, 9);
  }
  {
    g_ctx = "eth/ipv6/icmpv6";
    const ParsedPacket p = parse(Frame().ethernet(0x86dd).ipv6(58).icmp(135, 0).zeros(16).finish(), kEth);
    expect_ok(p);
    CHECK_EQ(p.layers, kHasEthernet | kHasIpv6 | kHasIcmpv6);
    CHECK_EQ(p.src_port, 135);
    CHECK_EQ(p.payload_len, 20);
  }
  {
    g_ctx = "eth/qinq 88a8+8100/ipv4/udp";
    const ParsedPacket p = parse(Frame().ethernet(0x88a8).vlan(0x0fff, 0x8100).vlan(7, 0x0800).ipv4(17).udp(1, 2).finish(), kEth);
    expect_ok(p);
    CHECK_EQ(p.layers, kHasEthernet | kHasVlan | kHasIpv4 | kHasUdp);
    CHECK_EQ(p.vlan, 0x0fff);
  }
  {
    g_ctx = "eth/arp";
    const ParsedPacket p = parse(Frame().ethernet(0x0806).arp(), kEth);
    expect_ok(p);
    CHECK_EQ(p.layers, kHasEthernet | kHasArp);
    CHECK_EQ(p.l3, kL3Arp);
    CHECK(all_zero(p.src_addr));
  }
  for (uint16_t len : {0, 3, 46, 1500}) {
    g_ctx = "eth 802.3 length " + std::to_string(len) + " + LLC";
    const ParsedPacket p = parse(Frame().ethernet(len).raw({0x42, 0x42, 0x03}).zeros(40), kEth);
    expect_ok(p);
    CHECK_EQ(p.layers, kHasEthernet | kHasLlc);
    CHECK_EQ(p.l3, kL3None);
  }
  {
    g_ctx = "eth/vlan/802.3 + LLC (PVST+)";
    const ParsedPacket p = parse(Frame().ethernet(0x8100).vlan(10, 50).raw({0xaa, 0xaa, 0x03}).zeros(47), kEth);
    expect_ok(p);
    CHECK_EQ(p.layers, kHasEthernet | kHasVlan | kHasLlc);
    CHECK_EQ(p.vlan, 10);
  }
  {
    g_ctx = "eth/rarp";
    const ParsedPacket p = parse(Frame().ethernet(0x8035).arp(), kEth);
    expect_ok(p);
    CHECK_EQ(p.layers, kHasEthernet | kHasArp);
    CHECK_EQ(p.l3, kL3Arp);
  }
  {
    g_ctx = "eth 802.3 + Novell raw IPX (0xffff checksum): not LLC";
    const ParsedPacket p = parse(Frame().ethernet(48).raw({0xff, 0xff, 0x00, 0x30}).zeros(44), kEth);
    expect_ok(p);
    CHECK_EQ(p.layers, kHasEthernet);
    CHECK_EQ(p.l3, kL3Other);
  }
  for (uint16_t type : {1501, 1535, 0x88cc, 0x8847, 0x8864, 0xffff}) {
    g_ctx = "eth ethertype " + std::to_string(type);
    const ParsedPacket p = parse(Frame().ethernet(type).zeros(46), kEth);
    expect_ok(p);
    CHECK_EQ(p.layers, kHasEthernet);
    CHECK_EQ(p.l3, kL3Other);
  }
}

void test_other_link_paths() {
  {
    g_ctx = "sll/ipv4/udp";
    const ParsedPacket p = parse(Frame().sll(0x0800).ipv4(17).udp(68, 67).payload(3).finish(), kSll);
    expect_ok(p);
    CHECK_EQ(p.layers, kHasSll | kHasIpv4 | kHasUdp);
    CHECK_EQ(p.payload_len, 3);
  }
  {
    g_ctx = "sll/vlan/ipv6/tcp";
    const ParsedPacket p = parse(Frame().sll(0x8100).vlan(42, 0x86dd).ipv6(6).tcp(1, 2, 2).finish(), kSll);
    expect_ok(p);
    CHECK_EQ(p.layers, kHasSll | kHasVlan | kHasIpv6 | kHasTcp);
    CHECK_EQ(p.vlan, 42);
  }
  {
    g_ctx = "sll 802.2 LLC (protocol 4)";
    const ParsedPacket p = parse(Frame().sll(4).raw({0x42, 0x42, 0x03}), kSll);
    expect_ok(p);
    CHECK_EQ(p.layers, kHasSll | kHasLlc);
  }
  for (uint16_t proto : {0, 1, 3, 0x000c, 0x05ff}) {
    g_ctx = "sll small protocol " + std::to_string(proto);
    const ParsedPacket p = parse(Frame().sll(proto).zeros(20), kSll);
    expect_ok(p);
    CHECK_EQ(p.layers, kHasSll);
    CHECK_EQ(p.l3, kL3Other);
  }
  {
    g_ctx = "sll2/ipv6/tcp";
    const ParsedPacket p = parse(Frame().sll2(0x86dd).ipv6(6).tcp(22, 50000, 0x10).payload(48).finish(), kSll2);
    expect_ok(p);
    CHECK_EQ(p.layers, kHasSll | kHasIpv6 | kHasTcp);
    CHECK_EQ(p.payload_len, 48);
  }
  {
    g_ctx = "sll2/arp";
    expect_ok(parse(Frame().sll2(0x0806).arp(), kSll2));
  }
  struct NullCase { bool big_endian; uint32_t af; uint8_t l3; const char* name; };
  const NullCase nulls[] = {{false, 2, kL3Ipv4, "null LE AF_INET"},     {true, 2, kL3Ipv4, "null BE AF_INET"},
                            {false, 24, kL3Ipv6, "null LE AF 24"},      {false, 28, kL3Ipv6, "null LE AF 28"},
                            {true, 30, kL3Ipv6, "null BE AF 30"},       {false, 7, kL3Other, "null AF 7"},
                            {false, 0x12345678, kL3Other, "null garbage AF"}};
  for (const NullCase& c : nulls) {
    g_ctx = c.name;
    Frame f;
    if (c.big_endian) f.null_be(c.af); else f.null_le(c.af);
    if (c.l3 == kL3Ipv4) f.ipv4(6).tcp(1, 2, 2).finish();
    else if (c.l3 == kL3Ipv6) f.ipv6(6).tcp(1, 2, 2).finish();
    else f.zeros(20);
    const ParsedPacket p = parse(f, kNull);
    expect_ok(p);
    CHECK_EQ(p.l3, c.l3);
    CHECK_EQ(p.layers, kHasNull | (c.l3 == kL3Ipv4 ? kHasIpv4 | kHasTcp : c.l3 == kL3Ipv6 ? kHasIpv6 | kHasTcp : 0));
  }
  {
    g_ctx = "loop AF_INET (network order)";
    const ParsedPacket p = parse(Frame().null_be(2).ipv4(17).udp(1, 2).finish(), kLoop);
    expect_ok(p);
    CHECK_EQ(p.layers, kHasNull | kHasIpv4 | kHasUdp);
  }
  {
    g_ctx = "loop AF 30";
    expect_ok(parse(Frame().null_be(30).ipv6(58).icmp(128, 0).finish(), kLoop));
    g_ctx = "loop with a little-endian AF is not swapped";
    const ParsedPacket p = parse(Frame().null_le(2).ipv4(17).udp(1, 2).finish(), kLoop);
    CHECK_EQ(p.l3, kL3Other);
  }
  {
    g_ctx = "null AF_INET carrying an IPv6 header";
    const ParsedPacket p = parse(Frame().null_le(2).ipv6(6).tcp(1, 2, 2).finish(), kNull);
    expect_error(p, kErrMalformed, kLayerIpv4);
  }
  for (uint32_t raw : {101u, 12u, 14u}) {
    g_ctx = "raw " + std::to_string(raw) + " ipv4/tcp";
    const ParsedPacket p = parse(Frame().ipv4(6).tcp(1, 2, 0x10).payload(4).finish(), raw);
    expect_ok(p);
    CHECK_EQ(p.layers, kHasIpv4 | kHasTcp);
    CHECK_EQ(p.payload_len, 4);
    g_ctx = "raw " + std::to_string(raw) + " ipv6/udp";
    const ParsedPacket q = parse(Frame().ipv6(17).udp(1, 2).payload(4).finish(), raw);
    expect_ok(q);
    CHECK_EQ(q.layers, kHasIpv6 | kHasUdp);
    for (size_t len = 1; len < 20; len++) {
      g_ctx = "raw " + std::to_string(raw) + " ipv4 cut at " + std::to_string(len);
      const Frame f = Frame().ipv4(6).tcp(1, 2, 0x10).finish();
      const ParsedPacket r = parse_n(f.bytes, len, raw);
      expect_error(r, kErrTruncated, kLayerIpv4);
      CHECK_EQ(r.l3, kL3Ipv4);
    }
  }
}

// -------------------------------------------------------------------- flow_hash

void test_flow_hash() {
  const Frame frames[] = {
      Frame().ethernet(0x0800).ipv4(6).tcp(40000, 80, 2).finish(),
      Frame().ethernet(0x86dd).ipv6(17).udp(53, 53).finish(),  // equal ports
      Frame().ethernet(0x8100).vlan(5, 0x0800).ipv4(1).icmp(8, 0).finish(),
      Frame().ethernet(0x0806).arp(),
      Frame().ethernet(0x0800).ipv4(6, 40, 0, 100).finish(),  // non-first fragment
  };
  for (size_t i = 0; i < sizeof frames / sizeof frames[0]; i++) {
    g_ctx = "flow_hash symmetry, frame " + std::to_string(i);
    const ParsedPacket p = parse(frames[i], kEth);
    for (uint16_t source : {0, 1, 65535}) CHECK_EQ(flow_hash(source, p), swapped_hash(source, p));
  }
  g_ctx = "flow_hash: same addresses, ports swapped only";
  ParsedPacket a = parse(Frame().ethernet(0x0800).ipv4(17).udp(1000, 2000).finish(), kEth);
  ParsedPacket b = a;
  std::memcpy(b.dst_addr, a.src_addr, 16);  // both endpoints on one address
  ParsedPacket c = b;
  c.src_port = b.dst_port;
  c.dst_port = b.src_port;
  CHECK_EQ(flow_hash(3, b), flow_hash(3, c));

  g_ctx = "flow_hash separates what the key separates";
  const uint32_t base = flow_hash(1, a);
  CHECK(flow_hash(2, a) != base);
  ParsedPacket d = a;
  d.vlan = 7;
  CHECK(flow_hash(1, d) != base);
  d = a;
  d.ip_proto = 6;
  CHECK(flow_hash(1, d) != base);
  d = a;
  d.src_port = 1001;
  CHECK(flow_hash(1, d) != base);
  d = a;
  d.dst_addr[15] ^= 1;
  CHECK(flow_hash(1, d) != base);

  g_ctx = "flow_hash: echo request and reply share a hash";
  ParsedPacket req = parse(Frame().ethernet(0x0800).ipv4(1).icmp(8, 0).finish(), kEth);
  ParsedPacket rep = req;
  std::memcpy(rep.src_addr, req.dst_addr, 16);
  std::memcpy(rep.dst_addr, req.src_addr, 16);
  rep.src_port = 0;
  CHECK_EQ(flow_hash(1, req), flow_hash(1, rep));

  g_ctx = "flow_hash: non-IP frames hash to a defined value";
  const ParsedPacket arp1 = parse(Frame().ethernet(0x0806).arp(), kEth);
  const ParsedPacket llc = parse(Frame().ethernet(40).raw({0x42, 0x42, 0x03}).zeros(40), kEth);
  CHECK_EQ(flow_hash(9, arp1), flow_hash(9, llc));

  g_ctx = "flow_hash: spread over many flows";
  // 65536 flows that differ only in the client port: count distinct hashes and
  // the fullest bucket of a 4096-bucket table.
  std::vector<uint32_t> buckets(4096, 0);
  std::vector<uint32_t> hashes;
  hashes.reserve(65536);
  ParsedPacket e = a;
  for (uint32_t port = 0; port < 65536; port++) {
    e.src_port = uint16_t(port);
    const uint32_t h = flow_hash(1, e);
    hashes.push_back(h);
    buckets[h & 4095]++;
  }
  std::sort(hashes.begin(), hashes.end());
  const size_t distinct = size_t(std::unique(hashes.begin(), hashes.end()) - hashes.begin());
  uint32_t fullest = 0;
  for (uint32_t n : buckets) fullest = n > fullest ? n : fullest;
  CHECK(distinct >= 65536 - 4);  // ~0.5 collisions expected for 2^16 values in 2^32
  CHECK(fullest < 16 * 3);       // mean 16
}

// --------------------------------------------------------- fuzz regression replay

void test_regressions(const char* dir) {
  namespace fs = std::filesystem;
  if (!dir) return;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    std::fprintf(stderr, "regression dir %s not found\n", dir);
    ++g_failures;
    return;
  }
  int n = 0;
  for (const fs::directory_entry& ent : fs::directory_iterator(dir)) {
    if (!ent.is_regular_file() || ent.path().filename().string().rfind("README", 0) == 0) continue;
    std::ifstream in(ent.path(), std::ios::binary);
    const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    g_ctx = "regression " + ent.path().filename().string();
    fuzz::FuzzInput fi;
    if (!fuzz::split_fuzz_input(bytes.data(), bytes.size(), fi)) continue;
    const std::vector<uint8_t> frame(fi.frame, fi.frame + fi.caplen);
    const ParsedPacket p = parse_n(frame, frame.size(), fi.link_type);
    const ParsedPacket q = parse_n(frame, frame.size(), fi.link_type);
    CHECK(fuzz::same_packet(p, q));
    CHECK_EQ(flow_hash(7, p), swapped_hash(7, p));
    n++;
  }
  std::printf("replayed %d fuzz regression inputs from %s\n", n, dir);
}

}  // namespace

int main(int argc, char** argv) {
  test_unsupported_link();
  test_short_link_headers();
  test_vlan_stacks_until_bytes_run_out();
  test_arp_and_llc_cut();
  test_ipv4_header_fields();
  test_l4_length_fields();
  test_ipv4_fragments();
  test_ipv6_header_and_chain();
  test_ipv6_fragments();
  test_jumbogram();
  test_truncation_tcp_ipv4_vlan();
  test_truncation_tcp_ipv6();
  test_truncation_udp_ipv6_chain_sll2();
  test_truncation_icmp_null();
  test_ethernet_paths();
  test_other_link_paths();
  test_flow_hash();
  test_regressions(argc > 1 ? argv[1] : nullptr);
  std::printf("%d checks, %d failures\n", g_checks, g_failures);
  return g_failures == 0 ? 0 : 1;
}

// Reads frames from stdin and prints what the parser made of each, one line per
// frame: "layers l3 ip_proto frag error error_layer payload_len". Input records:
// [u32 little-endian record length][2-byte selector + frame, as in
// native/fuzz/fuzz_input.hpp]. Used by test/native/tshark_compare.py.
#include <cstdint>
#include <cstdio>
#include <vector>

#include "../../native/fuzz/fuzz_input.hpp"
#include "../../native/parse/parser.hpp"

int main() {
  using namespace wirewatch;
  std::vector<uint8_t> buf;
  uint8_t hdr[4];
  while (std::fread(hdr, 1, 4, stdin) == 4) {
    const uint32_t len = uint32_t(hdr[0]) | uint32_t(hdr[1]) << 8 | uint32_t(hdr[2]) << 16 | uint32_t(hdr[3]) << 24;
    buf.resize(len);
    if (len && std::fread(buf.data(), 1, len, stdin) != len) return 1;
    fuzz::FuzzInput in;
    if (!fuzz::split_fuzz_input(buf.data(), buf.size(), in)) return 1;
    ParsedPacket p;
    parse_packet(in.frame, in.caplen, in.link_type, p);
    std::printf("%u %u %u %u %u %u %u\n", p.layers, p.l3, p.ip_proto, p.frag, p.error, p.error_layer, p.payload_len);
  }
  return 0;
}

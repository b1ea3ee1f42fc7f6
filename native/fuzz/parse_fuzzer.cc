// libFuzzer harness for the packet parser (built and run by test/native/fuzz.sh).
//
// Input: 2-byte link selector + frame (see fuzz_input.hpp). For each input it
// parses the frame (ASan/UBSan catch any out-of-bounds read: libFuzzer's buffer
// ends exactly at the frame's end), checks the parse invariants, checks that
// parsing is deterministic, and that flow_hash is direction-independent.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "../parse/parser.hpp"
#include "fuzz_input.hpp"
#include "parse_invariants.hpp"

using namespace wirewatch;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::FuzzInput in;
  if (!fuzz::split_fuzz_input(data, size, in)) return 0;

  ParsedPacket p;
  std::memset(&p, 0xa5, sizeof p);  // every field must be written
  parse_packet(in.frame, in.caplen, in.link_type, p);
  if (const char* broken = fuzz::check_parse_invariants(p, in.link_type)) {
    std::fprintf(stderr, "parse invariant broken: %s (link %u, caplen %u)\n", broken, in.link_type, in.caplen);
    std::abort();
  }

  ParsedPacket again;
  std::memset(&again, 0x5a, sizeof again);
  parse_packet(in.frame, in.caplen, in.link_type, again);
  if (!fuzz::same_packet(p, again)) {
    std::fprintf(stderr, "parse is not deterministic (or leaves bytes unwritten)\n");
    std::abort();
  }

  const uint16_t source = uint16_t(in.caplen * 2654435761u >> 16);
  ParsedPacket swapped = p;
  std::memcpy(swapped.src_addr, p.dst_addr, 16);
  std::memcpy(swapped.dst_addr, p.src_addr, 16);
  swapped.src_port = p.dst_port;
  swapped.dst_port = p.src_port;
  if (flow_hash(source, p) != flow_hash(source, swapped)) {
    std::fprintf(stderr, "flow_hash depends on direction\n");
    std::abort();
  }
  return 0;
}

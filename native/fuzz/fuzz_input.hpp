// Input format shared by the fuzz harness, the seed extractor
// (test/native/pcap_to_seeds.py) and the regression replay in
// test/native/parser_test.cc:
//
//   [selector: 2 bytes, big-endian][frame bytes ...]
//
// The link type is kFuzzLinkTypes[selector % kFuzzLinkTypeCount]. The table is
// append-only: committed regression inputs in test/fuzz-regressions/ depend on
// the index of each entry.
#pragma once

#include <cstddef>
#include <cstdint>

namespace wirewatch {
namespace fuzz {

constexpr uint32_t kFuzzLinkTypes[] = {
    1,    // 0 Ethernet
    113,  // 1 Linux SLL
    276,  // 2 Linux SLL2
    101,  // 3 LINKTYPE_RAW
    12,   // 4 DLT_RAW
    14,   // 5 DLT_RAW (OpenBSD)
    0,    // 6 BSD null
    108,  // 7 BSD loop
    // Unsupported: must yield kErrUnsupportedLink and nothing else.
    105,          // 8 802.11
    127,          // 9 radiotap
    229,          // 10 LINKTYPE_IPV6
    9,            // 11 PPP
    0xffffffffu,  // 12 garbage
};
constexpr uint32_t kFuzzLinkTypeCount = sizeof(kFuzzLinkTypes) / sizeof(kFuzzLinkTypes[0]);

struct FuzzInput {
  uint32_t link_type;
  const uint8_t* frame;
  uint32_t caplen;
};

// False when the input is too short to hold the selector.
inline bool split_fuzz_input(const uint8_t* data, size_t size, FuzzInput& in) {
  if (size < 2) return false;
  const uint32_t sel = uint32_t(data[0]) << 8 | data[1];
  in.link_type = kFuzzLinkTypes[sel % kFuzzLinkTypeCount];
  in.frame = data + 2;
  in.caplen = uint32_t(size - 2);
  return true;
}

}  // namespace fuzz
}  // namespace wirewatch

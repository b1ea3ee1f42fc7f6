// Parser micro-benchmark: parse_packet (+ flow_hash) over a synthetic mix of
// frames laid out back to back, as they sit in the capture ring.
//
//   built and run by test/native/run.sh --bench (g++ -O2)
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <vector>

#include "../../native/parse/parser.hpp"
#include "packet_builder.hpp"

using namespace wirewatch;
using wirewatch::testing::Frame;
using wirewatch::testing::kAuto;

namespace {

struct Slot {
  uint32_t off, len, link;
};

double run(const std::vector<uint8_t>& ring, const std::vector<Slot>& slots, bool hash, uint64_t& sink) {
  const auto t0 = std::chrono::steady_clock::now();
  uint64_t n = 0;
  double secs = 0;
  do {
    for (int rep = 0; rep < 64; rep++) {
      for (const Slot& s : slots) {
        ParsedPacket p;
        parse_packet(ring.data() + s.off, s.len, s.link, p);
        sink += p.payload_len + p.layers;
        if (hash) sink += flow_hash(1, p);
      }
      n += slots.size();
    }
    secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  } while (secs < 1.5);
  return double(n) / secs;
}

}  // namespace

int main() {
  // Weighted mix (per 100 frames): snaplen-cut to 256 like a live capture would.
  struct Kind { int weight; Frame f; uint32_t link; const char* name; };
  std::vector<Kind> kinds;
  kinds.push_back({35, Frame().ethernet(0x0800).ipv4(6, 1500).tcp(40000, 443, 0x10, 3).payload(200).finish(), 1, "tcp4"});
  kinds.push_back({15, Frame().ethernet(0x0800).ipv4(17).udp(5353, 53).payload(60).finish(), 1, "udp4"});
  kinds.push_back({15, Frame().ethernet(0x86dd).ipv6(6, 1440).tcp(443, 50000, 0x18, 3).payload(180).finish(), 1, "tcp6"});
  kinds.push_back({10, Frame().ethernet(0x8100).vlan(20, 0x0800).ipv4(6).tcp(1, 2, 0x10).payload(30).finish(), 1, "vlan tcp4"});
  kinds.push_back({5, Frame().ethernet(0x86dd).ipv6(0).ipv6_ext(44).ipv6_frag(17, 0, true).udp(1, 2).payload(64).finish(), 1, "udp6 ext"});
  kinds.push_back({5, Frame().ethernet(0x0800).ipv4(1).icmp(8, 0).payload(56).finish(), 1, "icmp"});
  kinds.push_back({5, Frame().ethernet(0x0806).arp(), 1, "arp"});
  kinds.push_back({5, Frame().sll2(0x0800).ipv4(6).tcp(1, 2, 0x11).finish(), 276, "sll2 tcp4"});
  kinds.push_back({5, Frame().ethernet(0x0800).ipv4(17, 1500, 0, 185).payload(100).finish(), 1, "frag"});

  std::vector<uint8_t> ring;
  std::vector<Slot> slots;
  uint32_t lcg = 12345;
  std::vector<int> pick;
  for (size_t k = 0; k < kinds.size(); k++) for (int w = 0; w < kinds[k].weight; w++) pick.push_back(int(k));
  for (int i = 0; i < 4096; i++) {
    lcg = lcg * 1103515245u + 12345u;
    const Kind& k = kinds[size_t(pick[(lcg >> 8) % pick.size()])];
    const uint32_t len = uint32_t(k.f.size() < 256 ? k.f.size() : 256);
    slots.push_back({uint32_t(ring.size()), len, k.link});
    ring.insert(ring.end(), k.f.bytes.begin(), k.f.bytes.begin() + len);
    while (ring.size() % 8) ring.push_back(0);
  }
  uint64_t sink = 0;
  run(ring, slots, true, sink);  // warm up
  const double parse_only = run(ring, slots, false, sink);
  const double with_hash = run(ring, slots, true, sink);
  std::printf("parser_bench: %zu frames in the mix, parse_packet %.1f M pkt/s, parse_packet+flow_hash %.1f M pkt/s (sink %llu)\n",
              slots.size(), parse_only / 1e6, with_hash / 1e6, (unsigned long long)(sink & 0xff));
  return 0;
}

// libFuzzer harness for the flow table's core (built and run by test/native/fuzz.sh).
//
// The core trusts nothing in a batch's columns: any layers, fragment bits,
// protocol, ports, flags, timestamps (reordered, NaN, huge) and flow hashes
// (crafted collisions included). The input picks a small table (so evictions,
// probe limits and queue hand-overs happen) and tiny queues, then rows built
// from a few addresses and ports so that flows repeat. After every call the
// table's structure is checked; ASan/UBSan catch any stray access.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "../batch/layout.h"
#include "../flows/flow_core.hpp"

using namespace wirewatch;

namespace {

struct Reader {
  const uint8_t* data;
  size_t size;
  size_t pos = 0;
  uint8_t byte() { return pos < size ? data[pos++] : 0; }
  uint16_t u16() { return uint16_t(byte() | byte() << 8); }
  bool more() const { return pos < size; }
};

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "flow core invariant broken: %s\n", what);
  std::abort();
}

// Every live flow is on exactly one list and in the index, and the counts agree.
void check(const FlowCoreMemory& m, uint32_t max_flows) {
  const double size = m.counters[kSize];
  if (size < 0 || size > max_flows) fail("size out of range");
  uint32_t listed = 0;
  for (int c = 0; c < kTimeoutClasses; c++) {
    int32_t prev = kNil;
    for (int32_t id = m.lists[c]; id != kNil; id = m.pool[id].next) {
      if (id < 0 || uint32_t(id) >= max_flows) fail("list link out of range");
      if (m.pool[id].prev != prev || m.pool[id].cls != c) fail("list links disagree");
      if (++listed > max_flows) fail("list cycle");
      prev = id;
    }
    if (m.lists[kTimeoutClasses + c] != prev) fail("list tail is not the last entry");
  }
  uint32_t indexed = 0;
  for (uint32_t s = 0; s < (1u << m.index_bits); s++) indexed += m.slots[s] != 0;
  if (listed != size || indexed != size) fail("lists, index and size disagree");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Reader in{data, size};
  const uint32_t max_flows = 1 + in.byte() % 64;
  int bits = 4;
  while ((1u << bits) < 2 * max_flows) bits++;
  std::vector<FlowEntry> pool(max_flows), ended(1 + in.byte() % 4);
  std::vector<int32_t> slots(size_t(1) << bits), lists(2 * kTimeoutClasses), without_flow(1 + in.byte() % 4);
  std::vector<double> counters(kCounterCount);
  const uint32_t sec_capacity = 1 + in.byte() % 8;
  std::vector<uint32_t> sec_keys(size_t(sec_capacity) * kSecWords);
  std::vector<double> sec_bytes(sec_capacity), sec_packets(sec_capacity);
  IcmpCounterparts icmp;
  icmp.fill(-1);
  icmp[8] = 0, icmp[0] = 8, icmp[256 + 128] = 129, icmp[256 + 129] = 128;

  FlowCoreMemory m{};
  m.pool = pool.data();
  m.slots = slots.data();
  m.index_bits = bits;
  m.lists = lists.data();
  m.counters = counters.data();
  m.ended = ended.data();
  m.ended_capacity = uint32_t(ended.size());
  m.without_flow = without_flow.data();
  m.without_flow_capacity = uint32_t(without_flow.size());
  m.sec_keys = sec_keys.data();
  m.sec_bytes = sec_bytes.data();
  m.sec_packets = sec_packets.data();
  m.sec_capacity = sec_capacity;

  // A drain that sometimes leaves a queue full: the core must cope.
  const uint8_t drain_mode = in.byte();
  FlowCore* core_ptr = nullptr;
  FlowCore core(m, icmp, max_flows, in.u16() | uint32_t(in.u16()) << 16, [&](bool sums_full) {
    if (drain_mode & 1) core_ptr->reset_ended();
    if (drain_mode & 2) core_ptr->reset_without_flow();
    if ((drain_mode & 4) && sums_full) core_ptr->next_second();
  });
  core_ptr = &core;
  double idle[kTimeoutClasses];
  for (double& t : idle) t = 0.5 + in.byte() % 16;
  core.set_timeouts(idle, 1 + in.byte() % 32);
  core.set_keep_records(drain_mode & 8);
  core.set_keep_sums(drain_mode & 16);

  constexpr uint32_t kRows = 64;
  std::vector<double> ts_sec(kRows);
  std::vector<uint32_t> ts_nsec(kRows), wire_len(kRows), flow_hash(kRows), src(kRows * 4), dst(kRows * 4);
  std::vector<uint16_t> source_id(kRows), vlan(kRows), sport(kRows), dport(kRows), flags(kRows), layers(kRows);
  std::vector<uint8_t> l3(kRows), proto(kRows), frag(kRows);
  const BatchColumns b{ts_sec.data(), ts_nsec.data(), wire_len.data(), flow_hash.data(), src.data(), dst.data(),
                       source_id.data(), vlan.data(), sport.data(), dport.data(), flags.data(), layers.data(),
                       l3.data(), proto.data(), frag.data()};
  static const uint8_t kProtos[] = {6, 17, 1, 58, 47, 6, 17, 0};
  static const uint32_t kAddrs[4][4] = {{0, 0, 0xffff0000u, 0x0a000001u}, {0, 0, 0xffff0000u, 0x0a000002u},
                                        {0x20010db8u, 0, 0, 1}, {0x20010db8u, 0, 0, 2}};
  double clock = 1.7e9;
  while (in.more()) {
    const uint32_t rows = 1 + in.byte() % kRows;
    for (uint32_t i = 0; i < rows; i++) {
      const uint8_t shape = in.byte();
      layers[i] = in.u16();
      frag[i] = in.byte() & 7;
      proto[i] = shape & 0x80 ? in.byte() : kProtos[shape & 7];
      sport[i] = in.byte() & 0x83;  // few distinct ports, some ICMP types with counterparts
      dport[i] = in.byte() & 0x83;
      const uint8_t a = in.byte();
      std::memcpy(&src[i * 4], kAddrs[a & 3], 16);
      std::memcpy(&dst[i * 4], kAddrs[(a >> 2) & 3], 16);
      l3[i] = a & 0x40 ? kL3Ipv6 : kL3Ipv4;
      flags[i] = in.byte() | (shape & 0x40 ? 0x100 : 0);
      const uint8_t step = in.byte();
      if (step == 0xff) clock = NAN;  // garbage times must not break the structure
      else if (step == 0xfe) clock = 1e300;
      else if (!std::isfinite(clock) || clock > 1e299) clock = 1.7e9;
      else clock += (int(step) - 32) * 0.25;  // mostly forward, sometimes back
      ts_sec[i] = std::floor(clock);
      ts_nsec[i] = uint32_t(in.u16()) * 15259u;  // may exceed 1e9: garbage nanoseconds too
      wire_len[i] = in.u16();
      source_id[i] = shape & 0x20 ? 1 : 0;
      vlan[i] = shape & 0x10 ? 7 : 0;
      // The parser's hash is direction-independent; crafted traffic may collide on all 32 bits.
      flow_hash[i] = shape & 0x08 ? 0x12345678u : (src[i * 4 + 3] ^ dst[i * 4 + 3] ^ src[i * 4] ^ dst[i * 4]) * 0x9e3779b1u + (sport[i] ^ dport[i]) + proto[i];
    }
    core.ingest(b, 0, rows);
    check(m, max_flows);
    if (in.byte() % 8 == 0) core.expire(clock + in.byte());
    if (in.byte() % 16 == 0) core.next_second();
    check(m, max_flows);
  }
  if (drain_mode & 32) core.flush();
  else core.clear();
  check(m, max_flows);
  if (m.counters[kSize] != 0) fail("flows left after flush");
  return 0;
}

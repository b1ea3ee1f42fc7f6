// The flow table's per-packet work (lib/flows/flow-table.ts owns the API, the
// records and the documentation of the semantics; DESIGN §6). It runs on the
// JS thread, called once per run of rows, so it needs no locks. It is C++
// because in JavaScript it took ~60 % of the pipeline thread in a 1 M-flow
// replay; compiled, with prefetching, it takes half as long (bench/RESULTS.md
// §4, session 7).
//
// All state JavaScript reads lives in memory it can see: the entries (a pool
// of kEntryBytes per flow, layout below, mirrored in flow-table.ts), the list
// heads, the counters, the queue of ended flows, the rows accounted to no flow
// and the dense list of per-second sums. When a queue is full the core calls
// `drain` (JavaScript empties it) and goes on.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>

namespace wirewatch {

constexpr int kTimeoutClasses = 7;
constexpr int32_t kNil = -1;

// One flow, 128 bytes, two cache lines: the key (compared while probing) fills
// the first. flow-table.ts reads these offsets for records and snapshots.
struct FlowEntry {
  uint32_t hash;
  uint32_t ports;  // lo port << 16 | hi port (ICMP: type and counterpart-or-code)
  uint32_t meta;   // source id << 16 | vlan
  uint8_t proto;
  uint8_t bits;   // tcp_state BIT flags
  uint8_t state;  // FLOW_STATE
  uint8_t cls;    // timeout class = LRU list
  uint32_t addr[8];  // lo address words, then hi
  uint32_t first_nsec, last_nsec, packets_c2s, packets_s2c;
  double first_sec, last_sec, bytes_c2s, bytes_s2c;
  int32_t prev, next;  // LRU links; next also chains the free list
  uint16_t tcp_flags;
  uint16_t unused0;
  uint32_t sec_gen, sec_pos;  // per-second sums: generation of the stamp, position in the dense list
  uint32_t end_reason;        // set in the ended queue's copies only
  uint32_t unused1[2];
};
constexpr size_t kEntryBytes = 128;
static_assert(sizeof(FlowEntry) == kEntryBytes, "flow-table.ts mirrors this layout");

// Counters, as flow-table.ts indexes its Float64Array view of them.
enum Counter : int {
  kCreatedTcp, kCreatedUdp, kCreatedIcmp, kCreatedOther, kEnded, kEvicted, kActiveReports,
  kSkipNonIp, kSkipFragment, kSkipMalformed, kSkipProbeLimit,
  kSize,   // flows in the table now
  kClock,  // latest packet time (seconds; -inf before any)
  kCounterCount,
};

// Words per flow in the dense list of per-second sums: 30-bit hash, lo
// address, hi address, ports, meta, protocol | kHiFirst.
constexpr int kSecWords = 12;
constexpr uint32_t kHiFirst = 0x100;

// The columns of one batch that the flow table reads.
struct BatchColumns {
  const double* ts_sec;
  const uint32_t* ts_nsec;
  const uint32_t* wire_len;
  const uint32_t* flow_hash;
  const uint32_t* src_addr;  // 4 words per row
  const uint32_t* dst_addr;
  const uint16_t* source_id;
  const uint16_t* vlan;
  const uint16_t* src_port;
  const uint16_t* dst_port;
  const uint16_t* tcp_flags;
  const uint16_t* layers;
  const uint8_t* l3;
  const uint8_t* ip_proto;
  const uint8_t* frag;
};

// Memory the core works in; JavaScript sees all of it (see the header).
struct FlowCoreMemory {
  FlowEntry* pool;  // max_flows entries
  int32_t* slots;   // index: flow id + 1, 0 = empty; 2^k ≥ 2 max_flows
  int index_bits;
  int32_t* lists;   // head[7], then tail[7]
  double* counters; // kCounterCount
  FlowEntry* ended; // queue of ended (or reported) flows' copies
  uint32_t ended_capacity;
  int32_t* without_flow;  // rows accounted to no flow, this call
  uint32_t without_flow_capacity;
  uint32_t* sec_keys;  // dense list, kSecWords per flow
  double* sec_bytes;
  double* sec_packets;
  uint32_t sec_capacity;
};

// Community ID's ICMP "port" equivalents (community-id.ts): the counterpart
// of each ICMP type, then of each ICMPv6 type; -1 = one-way.
using IcmpCounterparts = std::array<int16_t, 512>;

class FlowCore {
 public:
  // `drain` is called when the ended queue or the rows without a flow are
  // full (false), or when the dense list is full and a flow needs a place in
  // it (true); it should empty them (reset_*, next_second below). A queue it
  // leaves full is dropped, so memory is never at its mercy.
  FlowCore(const FlowCoreMemory& memory, const IcmpCounterparts& icmp, uint32_t max_flows, uint32_t hash_seed,
           std::function<void(bool sums_full)> drain);

  void set_timeouts(const double idle[kTimeoutClasses], double active);
  void set_keep_records(bool keep) { keep_records_ = keep; }
  void set_keep_sums(bool keep) { keep_sums_ = keep; }

  // Accounts rows from..to-1.
  void ingest(const BatchColumns& batch, uint32_t from, uint32_t to);
  // Ends every flow idle longer than its timeout at `now`; returns how many.
  uint32_t expire(double now);
  // Ends every flow (shutdown, or fin/rst for finished TCP); returns how many.
  uint32_t flush();
  // Forgets every flow at once (flush() when nobody reads records).
  uint32_t clear();

  uint32_t ended_count() const { return ended_count_; }
  void reset_ended() { ended_count_ = 0; }
  uint32_t without_flow_count() const { return without_flow_count_; }
  void reset_without_flow() { without_flow_count_ = 0; }
  uint32_t sec_count() const { return sec_count_; }
  // The dense list was handed over: start new sums.
  void next_second();
  // Bytes of the pool below the high-water mark of fresh ids.
  size_t pool_bytes_used() const { return size_t(high_water_) * kEntryBytes; }

 private:
  void packet(const BatchColumns& b, uint32_t i, uint8_t proto, double t);
  int32_t find(uint32_t h, const uint32_t* lo, const uint32_t* hi, uint32_t ports, uint32_t meta, uint8_t proto) const;
  void create(const BatchColumns& b, uint32_t i, uint32_t h, const uint32_t* lo, const uint32_t* hi, uint32_t ports,
              uint32_t meta, uint8_t proto, bool src_is_lo, uint16_t flags, uint32_t wire, uint16_t sport, uint16_t dport);
  void start_second(int32_t id, uint32_t wire, bool src_is_lo);
  void row_without_flow(uint32_t i);
  void end(int32_t id, uint32_t reason);
  void report(int32_t id, double sec, uint32_t nsec);
  void queue_copy(int32_t id, uint32_t reason);
  void evict_one();
  uint32_t final_reason(int32_t id, uint32_t fallback) const;
  uint8_t class_for(uint8_t proto, uint8_t state, uint16_t port_a, uint16_t port_b) const;
  uint32_t home(uint32_t h) const { return uint32_t((h ^ hash_seed_) * 0x9e3779b1u) >> shift_; }
  int32_t empty_slot(uint32_t h) const;
  void remove_slot(int32_t id);
  int32_t allocate();
  void link(int32_t id, int c);
  void unlink(int32_t id, int c);
  void touch(int32_t id, int c);
  static double last_t(const FlowEntry& e) { return e.last_sec + e.last_nsec * 1e-9; }
  static double first_t(const FlowEntry& e) { return e.first_sec + e.first_nsec * 1e-9; }

  FlowCoreMemory m_;
  int32_t* head_;
  int32_t* tail_;
  const uint32_t max_flows_;
  const uint32_t hash_seed_;
  const uint32_t mask_;
  const int shift_;
  const IcmpCounterparts icmp_;
  std::function<void(bool)> drain_;
  double idle_[kTimeoutClasses] = {};
  double active_ = 0;
  bool keep_records_ = false;
  bool keep_sums_ = false;

  uint32_t size_ = 0;
  uint32_t high_water_ = 0;  // ids below this have been used at least once
  int32_t free_head_ = kNil;
  double next_sweep_;
  uint32_t gen_ = 1;  // never 0: entries stamped with it have a position in the dense list
  uint32_t sec_count_ = 0;
  uint32_t ended_count_ = 0;
  uint32_t without_flow_count_ = 0;
};

}  // namespace wirewatch

#include "flow_core.hpp"

#include <cmath>
#include <cstddef>
#include <cstring>
#include <utility>

#include "../batch/layout.h"
#include "tcp_state.hpp"

namespace wirewatch {

static_assert(offsetof(FlowEntry, addr) == 16 && offsetof(FlowEntry, first_nsec) == 48 &&
                  offsetof(FlowEntry, first_sec) == 64 && offsetof(FlowEntry, prev) == 96 &&
                  offsetof(FlowEntry, tcp_flags) == 104 && offsetof(FlowEntry, sec_gen) == 108 &&
                  offsetof(FlowEntry, end_reason) == 116,
              "flow-table.ts reads entries at these offsets");

namespace {

constexpr uint8_t kProtoIcmp = 1, kProtoTcp = 6, kProtoUdp = 17, kProtoIcmpv6 = 58;
// Longest probe sequence. The parser's hash has no secret, so crafted traffic
// could collide on all 32 bits; the cap keeps such packets cheap (counted in
// skipped.probe_limit) instead of letting them slow everything.
constexpr int kMaxProbe = 256;
// Rows ahead whose index slot (and, half as far ahead, entry) is prefetched:
// the misses of a 100+ MB table then overlap instead of coming one by one.
constexpr uint32_t kPrefetchRows = 16;
constexpr uint32_t kHash30 = 0x3fffffff;

// END_REASON (records.ts)
enum EndReason : uint32_t { kEndIdle = 0, kEndActive = 1, kEndFin = 2, kEndRst = 3, kEndEvicted = 4, kEndShutdown = 5 };
// TIMEOUT_CLASS (timeouts.ts)
enum TimeoutClass : uint8_t { kTcpEstablished, kTcpHalfOpen, kTcpClosed, kUdp, kUdpDns, kIcmp, kOther };

}  // namespace

FlowCore::FlowCore(const FlowCoreMemory& memory, const IcmpCounterparts& icmp, uint32_t max_flows, uint32_t hash_seed,
                   std::function<void(bool)> drain)
    : m_(memory),
      head_(memory.lists),
      tail_(memory.lists + kTimeoutClasses),
      max_flows_(max_flows),
      hash_seed_(hash_seed),
      mask_((1u << memory.index_bits) - 1),
      shift_(32 - memory.index_bits),
      icmp_(icmp),
      drain_(std::move(drain)),
      next_sweep_(-INFINITY) {
  for (int c = 0; c < kTimeoutClasses; c++) head_[c] = tail_[c] = kNil;
  m_.counters[kClock] = -INFINITY;
}

void FlowCore::set_timeouts(const double idle[kTimeoutClasses], double active) {
  for (int c = 0; c < kTimeoutClasses; c++) idle_[c] = idle[c];
  active_ = active;
}

void FlowCore::ingest(const BatchColumns& b, uint32_t from, uint32_t to) {
  double* counters = m_.counters;
  for (uint32_t i = from; i < to; i++) {
    if (i + kPrefetchRows < to) __builtin_prefetch(&m_.slots[home(b.flow_hash[i + kPrefetchRows])]);
    if (i + kPrefetchRows / 2 < to) {
      const int32_t e = m_.slots[home(b.flow_hash[i + kPrefetchRows / 2])];
      if (e != 0) {
        const char* entry = reinterpret_cast<const char*>(&m_.pool[e - 1]);
        __builtin_prefetch(entry);
        __builtin_prefetch(entry + 64);
      }
    }
    const uint16_t lay = b.layers[i];
    if ((lay & (kHasIpv4 | kHasIpv6)) == 0) {
      counters[kSkipNonIp]++;
      continue;
    }
    // Non-first fragments carry no ports: like tshark's TCP/UDP conversations
    // (ip.defragment off) they stay out of flows rather than forming port-0 flows.
    if ((b.frag[i] & (kFragment | kFragFirst)) == kFragment) {
      counters[kSkipFragment]++;
      row_without_flow(i);
      continue;
    }
    const uint8_t proto = b.ip_proto[i];
    // TCP/UDP/ICMP whose header did not parse have no trustworthy ports.
    if ((proto == kProtoTcp && (lay & kHasTcp) == 0) || (proto == kProtoUdp && (lay & kHasUdp) == 0) ||
        ((proto == kProtoIcmp || proto == kProtoIcmpv6) && (lay & (kHasIcmp | kHasIcmpv6)) == 0)) {
      counters[kSkipMalformed]++;
      row_without_flow(i);
      continue;
    }
    const double t = b.ts_sec[i] + b.ts_nsec[i] * 1e-9;
    if (t > counters[kClock]) counters[kClock] = t;
    // Emit idle flows about once per second of packet time. Only *when* records
    // come out depends on this; their contents are decided at lookup.
    if (counters[kClock] >= next_sweep_) {
      expire(counters[kClock]);
      next_sweep_ = counters[kClock] + 1;
    }
    packet(b, i, proto, t);
  }
}

uint32_t FlowCore::expire(double now) {
  uint32_t n = 0;
  for (int c = 0; c < kTimeoutClasses; c++) {
    const double timeout = idle_[c];
    for (int32_t id = head_[c]; id != kNil && now - last_t(m_.pool[id]) > timeout; id = head_[c]) {
      end(id, final_reason(id, kEndIdle));
      n++;
    }
  }
  return n;
}

uint32_t FlowCore::flush() {
  uint32_t n = 0;
  for (int c = 0; c < kTimeoutClasses; c++) {
    for (int32_t id = head_[c]; id != kNil; id = head_[c]) {
      end(id, final_reason(id, kEndShutdown));
      n++;
    }
  }
  return n;
}

uint32_t FlowCore::clear() {
  const uint32_t n = size_;
  m_.counters[kEnded] += n;
  std::memset(m_.slots, 0, sizeof(int32_t) << m_.index_bits);
  for (int c = 0; c < kTimeoutClasses; c++) head_[c] = tail_[c] = kNil;
  free_head_ = kNil;
  high_water_ = 0;  // entries are written whole on creation, so old contents need no wiping
  size_ = 0;
  m_.counters[kSize] = 0;
  return n;
}

void FlowCore::next_second() {
  sec_count_ = 0;
  gen_ = gen_ == 0xffffffffu ? 1 : gen_ + 1;
}

// ── per packet ──

void FlowCore::packet(const BatchColumns& b, uint32_t i, uint8_t proto, double t) {
  const uint32_t* src = b.src_addr + size_t(i) * 4;
  const uint32_t* dst = b.dst_addr + size_t(i) * 4;
  const uint16_t sport = b.src_port[i];
  uint16_t dport = b.dst_port[i];
  if (proto == kProtoIcmp || proto == kProtoIcmpv6) {
    // Echo request (8,0) and reply (0,8) become mirror images of one key;
    // one-way messages keep (type, code).
    const int counterpart = icmp_[(proto == kProtoIcmpv6 ? 256 : 0) + (sport & 0xff)];
    if (counterpart >= 0) dport = uint16_t(counterpart);
  }
  // Canonical order: the smaller (address words, port) endpoint is "lo". Any
  // total order works; it only has to be the same for both directions.
  int64_t cmp = 0;
  for (int w = 0; w < 4 && cmp == 0; w++) cmp = int64_t(src[w]) - int64_t(dst[w]);
  if (cmp == 0) cmp = int64_t(sport) - int64_t(dport);
  const bool src_is_lo = cmp <= 0;
  const uint32_t* lo = src_is_lo ? src : dst;
  const uint32_t* hi = src_is_lo ? dst : src;
  const uint32_t ports = src_is_lo ? (uint32_t(sport) << 16 | dport) : (uint32_t(dport) << 16 | sport);
  const uint32_t meta = uint32_t(b.source_id[i]) << 16 | b.vlan[i];
  const uint32_t h = b.flow_hash[i];
  const uint16_t flags = proto == kProtoTcp ? b.tcp_flags[i] : 0;

  int32_t id = find(h, lo, hi, ports, meta, proto);
  if (id != kNil) {
    FlowEntry& e = m_.pool[id];
    if (t - last_t(e) > idle_[e.cls]) {
      // Idle for longer than its timeout (the sweep just hasn't run): the old flow is over.
      end(id, final_reason(id, kEndIdle));
      id = kNil;
    } else if (proto == kProtoTcp && tcp_starts_new_flow(e.state, flags)) {
      end(id, e.state == kStateReset ? kEndRst : kEndFin);
      id = kNil;
    } else if (t - first_t(e) >= active_) {
      report(id, b.ts_sec[i], b.ts_nsec[i]);
    }
  }
  const uint32_t wire = b.wire_len[i];
  if (id == kNil) {
    create(b, i, h, lo, hi, ports, meta, proto, src_is_lo, flags, wire, sport, dport);
    return;
  }
  FlowEntry& e = m_.pool[id];
  const bool c2s = ((e.bits & kBitInitLo) != 0) == src_is_lo;
  if (c2s) {
    e.packets_c2s++;
    e.bytes_c2s += wire;
  } else {
    e.packets_s2c++;
    e.bytes_s2c += wire;
  }
  if (t >= last_t(e)) {
    e.last_sec = b.ts_sec[i];
    e.last_nsec = b.ts_nsec[i];
  } else if (t < first_t(e)) {
    e.first_sec = b.ts_sec[i];  // reordered capture: keep first ≤ last
    e.first_nsec = b.ts_nsec[i];
  }
  if (proto == kProtoTcp) {
    e.tcp_flags |= flags;
    const uint32_t next = tcp_next(e.state, e.bits, flags, c2s);
    e.state = uint8_t(next >> 8);
    e.bits = uint8_t(next & 0xff);
  } else if (!c2s && e.state == kStateNew) {
    e.state = kStateEstablished;  // the responder answered
  }
  if (keep_sums_) {
    if (e.sec_gen == gen_) {
      m_.sec_bytes[e.sec_pos] += wire;
      m_.sec_packets[e.sec_pos]++;
    } else {
      start_second(id, wire, src_is_lo);
    }
  }
  touch(id, class_for(e.proto, e.state, uint16_t(e.ports >> 16), uint16_t(e.ports & 0xffff)));
}

// Gives `id` a position in the dense list (a copy of its key, sums starting at
// one packet) and stamps it. A full list is handed over first.
void FlowCore::start_second(int32_t id, uint32_t wire, bool src_is_lo) {
  if (sec_count_ == m_.sec_capacity) {
    drain_(true);
    if (sec_count_ == m_.sec_capacity) next_second();  // a drain that did not hand it over loses it, not memory
  }
  const uint32_t k = sec_count_++;
  FlowEntry& e = m_.pool[id];
  uint32_t* key = m_.sec_keys + size_t(k) * kSecWords;
  key[0] = e.hash & kHash30;
  for (int j = 0; j < 8; j++) key[1 + j] = e.addr[j];
  key[9] = e.ports;
  key[10] = e.meta;
  key[11] = e.proto | (src_is_lo ? 0 : kHiFirst);
  m_.sec_bytes[k] = wire;
  m_.sec_packets[k] = 1;
  e.sec_gen = gen_;
  e.sec_pos = k;
}

void FlowCore::row_without_flow(uint32_t i) {
  if (!keep_sums_) return;
  if (without_flow_count_ == m_.without_flow_capacity) {
    drain_(false);
    if (without_flow_count_ == m_.without_flow_capacity) without_flow_count_ = 0;
  }
  m_.without_flow[without_flow_count_++] = int32_t(i);
}

int32_t FlowCore::find(uint32_t h, const uint32_t* lo, const uint32_t* hi, uint32_t ports, uint32_t meta,
                       uint8_t proto) const {
  uint32_t s = home(h);
  for (int probe = 0; probe < kMaxProbe; probe++) {
    const int32_t e = m_.slots[s];
    if (e == 0) return kNil;
    const FlowEntry& f = m_.pool[e - 1];
    if (f.hash == h && f.ports == ports && f.meta == meta && f.proto == proto && f.addr[0] == lo[0] &&
        f.addr[1] == lo[1] && f.addr[2] == lo[2] && f.addr[3] == lo[3] && f.addr[4] == hi[0] && f.addr[5] == hi[1] &&
        f.addr[6] == hi[2] && f.addr[7] == hi[3]) {
      return e - 1;
    }
    s = (s + 1) & mask_;
  }
  return kNil;
}

void FlowCore::create(const BatchColumns& b, uint32_t i, uint32_t h, const uint32_t* lo, const uint32_t* hi,
                      uint32_t ports, uint32_t meta, uint8_t proto, bool src_is_lo, uint16_t flags, uint32_t wire,
                      uint16_t sport, uint16_t dport) {
  if (size_ >= max_flows_) {
    expire(m_.counters[kClock]);  // idle flows go first, so eviction happens only when all are live
    if (size_ >= max_flows_) evict_one();
  }
  const int32_t slot = empty_slot(h);
  if (slot < 0) {
    m_.counters[kSkipProbeLimit]++;
    row_without_flow(i);
    return;
  }
  const int32_t id = allocate();
  m_.slots[slot] = id + 1;
  size_++;
  m_.counters[kSize] = size_;

  FlowEntry& e = m_.pool[id];
  for (int w = 0; w < 4; w++) {
    e.addr[w] = lo[w];
    e.addr[4 + w] = hi[w];
  }
  e.ports = ports;
  e.meta = meta;
  e.hash = h;
  e.proto = proto;

  uint8_t state = kStateNew;
  uint8_t bits = 0;
  bool sender_is_initiator = true;
  if (proto == kProtoTcp) {
    const uint32_t first = tcp_first(flags);
    state = uint8_t((first >> 8) & 0xff);
    bits = uint8_t(first & 0xff);
    sender_is_initiator = (first & (1u << 16)) == 0;  // a SYN-ACK's receiver is the initiator
  }
  if (sender_is_initiator == src_is_lo) bits |= kBitInitLo;
  if (b.l3[i] == kL3Ipv6) bits |= kBitV6;
  e.state = state;
  e.bits = bits;
  e.tcp_flags = flags;
  e.first_sec = e.last_sec = b.ts_sec[i];
  e.first_nsec = e.last_nsec = b.ts_nsec[i];
  e.packets_c2s = sender_is_initiator ? 1 : 0;
  e.bytes_c2s = sender_is_initiator ? wire : 0;
  e.packets_s2c = sender_is_initiator ? 0 : 1;
  e.bytes_s2c = sender_is_initiator ? 0 : wire;

  if (proto == kProtoTcp) m_.counters[kCreatedTcp]++;
  else if (proto == kProtoUdp) m_.counters[kCreatedUdp]++;
  else if (proto == kProtoIcmp || proto == kProtoIcmpv6) m_.counters[kCreatedIcmp]++;
  else m_.counters[kCreatedOther]++;

  e.cls = class_for(proto, state, sport, dport);
  link(id, e.cls);
  if (keep_sums_) start_second(id, wire, src_is_lo);
  else e.sec_gen = 0;  // a reused entry's stamp must not match a later period (gen is never 0)
}

// ── ending and reporting ──

uint32_t FlowCore::final_reason(int32_t id, uint32_t fallback) const {
  const uint8_t state = m_.pool[id].state;
  if (state == kStateClosed) return kEndFin;
  if (state == kStateReset) return kEndRst;
  return fallback;
}

void FlowCore::evict_one() {
  // The least recently seen flow is the oldest head among the class lists.
  // (The first head wins ties, and times that do not compare, such as NaN
  // from a hand-made batch, still yield a victim.)
  int32_t victim = kNil;
  double oldest = 0;
  for (int c = 0; c < kTimeoutClasses; c++) {
    const int32_t id = head_[c];
    if (id == kNil) continue;
    const double t = last_t(m_.pool[id]);
    if (victim == kNil || t < oldest) {
      oldest = t;
      victim = id;
    }
  }
  end(victim, kEndEvicted);  // first: a drain that throws there leaves the flow, uncounted
  m_.counters[kEvicted]++;
}

// Emits an `active` record; the next period starts at the packet (sec, nsec)
// that triggered it, and the flow keeps its state.
void FlowCore::report(int32_t id, double sec, uint32_t nsec) {
  m_.counters[kActiveReports]++;
  queue_copy(id, kEndActive);
  FlowEntry& e = m_.pool[id];
  e.packets_c2s = e.packets_s2c = 0;
  e.bytes_c2s = e.bytes_s2c = 0;
  e.tcp_flags = 0;
  e.first_sec = sec;
  e.first_nsec = nsec;
}

void FlowCore::end(int32_t id, uint32_t reason) {
  queue_copy(id, reason);
  m_.counters[kEnded]++;
  remove_slot(id);
  unlink(id, m_.pool[id].cls);
  m_.pool[id].next = free_head_;
  free_head_ = id;
  size_--;
  m_.counters[kSize] = size_;
}

void FlowCore::queue_copy(int32_t id, uint32_t reason) {
  if (!keep_records_) return;
  if (ended_count_ == m_.ended_capacity) {
    drain_(false);
    if (ended_count_ == m_.ended_capacity) ended_count_ = 0;
  }
  FlowEntry& copy = m_.ended[ended_count_++];
  copy = m_.pool[id];
  copy.end_reason = reason;
}

// ── helpers ──

uint8_t FlowCore::class_for(uint8_t proto, uint8_t state, uint16_t port_a, uint16_t port_b) const {
  if (proto == kProtoTcp) {
    if (state == kStateNew) return kTcpHalfOpen;
    if (state == kStateClosed || state == kStateReset) return kTcpClosed;
    return kTcpEstablished;
  }
  if (proto == kProtoUdp) return port_a == 53 || port_b == 53 ? kUdpDns : kUdp;
  if (proto == kProtoIcmp || proto == kProtoIcmpv6) return kIcmp;
  return kOther;
}

int32_t FlowCore::empty_slot(uint32_t h) const {
  uint32_t s = home(h);
  for (int probe = 0; probe < kMaxProbe; probe++) {
    if (m_.slots[s] == 0) return int32_t(s);
    s = (s + 1) & mask_;
  }
  return -1;
}

// Removes `id` from the index, shifting later entries of its run back (no tombstones).
void FlowCore::remove_slot(int32_t id) {
  int32_t* slots = m_.slots;
  uint32_t i = home(m_.pool[id].hash);
  while (slots[i] != id + 1) i = (i + 1) & mask_;
  slots[i] = 0;
  for (uint32_t j = (i + 1) & mask_; slots[j] != 0; j = (j + 1) & mask_) {
    const uint32_t h = home(m_.pool[slots[j] - 1].hash);
    // Move the entry at j into the hole at i unless its home lies cyclically in (i, j].
    if (((j - h) & mask_) >= ((j - i) & mask_)) {
      slots[i] = slots[j];
      slots[j] = 0;
      i = j;
    }
  }
}

int32_t FlowCore::allocate() {
  if (free_head_ != kNil) {
    const int32_t id = free_head_;
    free_head_ = m_.pool[id].next;
    return id;
  }
  return int32_t(high_water_++);  // fresh ids in order, so RSS grows with the live high-water mark
}

void FlowCore::link(int32_t id, int c) {
  const int32_t tail = tail_[c];
  m_.pool[id].prev = tail;
  m_.pool[id].next = kNil;
  if (tail == kNil) head_[c] = id;
  else m_.pool[tail].next = id;
  tail_[c] = id;
}

void FlowCore::unlink(int32_t id, int c) {
  const int32_t p = m_.pool[id].prev;
  const int32_t n = m_.pool[id].next;
  if (p == kNil) head_[c] = n;
  else m_.pool[p].next = n;
  if (n == kNil) tail_[c] = p;
  else m_.pool[n].prev = p;
}

// Moves `id` to the most recent end of class `c`'s list.
void FlowCore::touch(int32_t id, int c) {
  FlowEntry& e = m_.pool[id];
  if (e.cls == c && tail_[c] == id) return;
  unlink(id, e.cls);
  e.cls = uint8_t(c);
  link(id, c);
}

}  // namespace wirewatch

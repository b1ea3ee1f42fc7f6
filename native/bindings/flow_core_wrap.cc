#include "flow_core_wrap.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "../batch/layout.h"
#include "../system/huge_pages.hpp"
#include "prefault_work.hpp"

namespace wirewatch {

namespace {

// Ended flows copied before JavaScript builds their records (128 KiB).
constexpr uint32_t kEndedCapacity = 1024;
constexpr uint32_t kWithoutFlowCapacity = 1024;
// Flows in the dense list of per-second sums before it is handed over early
// (8 MiB of address space; untouched pages cost no RSS).
constexpr uint32_t kSecCapacity = 1u << 17;
// The pool is backed in chunks of two huge pages (32768 flows), at least half
// a chunk ahead of the fresh ids.
constexpr size_t kPrefaultChunk = 4u << 20;
constexpr uint32_t kMaxFlows = 1u << 28;

Napi::ArrayBuffer mapped_buffer(Napi::Env env, size_t bytes, const char* what) {
  std::string error;
  void* data = map_large(bytes, error);
  if (data == nullptr) throw Napi::RangeError::New(env, std::string("FlowCore: cannot map the ") + what + ": " + error);
  return Napi::ArrayBuffer::New(env, data, bytes, [bytes](Napi::Env, void* p) { unmap_large(p, bytes); });
}

uint32_t uint32_arg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (info.Length() <= i || !info[i].IsNumber()) throw Napi::TypeError::New(info.Env(), std::string("FlowCore: ") + name + " must be a number");
  const double v = info[i].As<Napi::Number>().DoubleValue();
  if (!(v >= 0 && v <= 4294967295.0) || v != std::floor(v))
    throw Napi::RangeError::New(info.Env(), std::string("FlowCore: ") + name + " must be an integer from 0 to 2^32-1");
  return uint32_t(v);
}

}  // namespace

Napi::Function FlowCoreWrap::Define(Napi::Env env) {
  return DefineClass(env, "FlowCore",
                     {
                         InstanceMethod<&FlowCoreWrap::Ingest>("ingest"),
                         InstanceMethod<&FlowCoreWrap::Expire>("expire"),
                         InstanceMethod<&FlowCoreWrap::Flush>("flush"),
                         InstanceMethod<&FlowCoreWrap::Clear>("clear"),
                         InstanceMethod<&FlowCoreWrap::SetTimeouts>("setTimeouts"),
                         InstanceMethod<&FlowCoreWrap::SetKeep>("setKeep"),
                         InstanceMethod<&FlowCoreWrap::Queued>("queued"),
                         InstanceMethod<&FlowCoreWrap::ResetQueues>("resetQueues"),
                         InstanceMethod<&FlowCoreWrap::NextSecond>("nextSecond"),
                     });
}

// new FlowCore(maxFlows, hashSeed, icmpCounterparts: Int16Array(512), drain)
FlowCoreWrap::FlowCoreWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<FlowCoreWrap>(info) {
  Napi::Env env = info.Env();
  const uint32_t max_flows = uint32_arg(info, 0, "maxFlows");
  if (max_flows < 1 || max_flows > kMaxFlows) throw Napi::RangeError::New(env, "FlowCore: maxFlows must be from 1 to 2^28");
  const uint32_t hash_seed = uint32_arg(info, 1, "hashSeed");
  if (info.Length() < 4 || !info[2].IsTypedArray() || info[2].As<Napi::TypedArray>().TypedArrayType() != napi_int16_array ||
      info[2].As<Napi::TypedArray>().ElementLength() != 512 || !info[3].IsFunction())
    throw Napi::TypeError::New(env, "FlowCore: expected (maxFlows, hashSeed, icmpCounterparts: Int16Array(512), drain)");
  Napi::Int16Array icmp_array = info[2].As<Napi::Int16Array>();
  IcmpCounterparts icmp;
  std::copy_n(icmp_array.Data(), icmp.size(), icmp.begin());

  int bits = 4;
  while ((size_t(1) << bits) < size_t(2) * max_flows) bits++;
  pool_bytes_ = size_t(max_flows) * kEntryBytes;
  Napi::ArrayBuffer pool = mapped_buffer(env, pool_bytes_, "flow pool");
  Napi::ArrayBuffer slots = mapped_buffer(env, sizeof(int32_t) << bits, "flow index");
  Napi::ArrayBuffer lists = Napi::ArrayBuffer::New(env, sizeof(int32_t) * 2 * kTimeoutClasses);
  Napi::ArrayBuffer counters = Napi::ArrayBuffer::New(env, sizeof(double) * kCounterCount);
  Napi::ArrayBuffer ended = Napi::ArrayBuffer::New(env, kEntryBytes * kEndedCapacity);
  Napi::ArrayBuffer without_flow = Napi::ArrayBuffer::New(env, sizeof(int32_t) * kWithoutFlowCapacity);
  const size_t key_bytes = size_t(kSecCapacity) * kSecWords * sizeof(uint32_t);
  Napi::ArrayBuffer sums = mapped_buffer(env, key_bytes + 2 * sizeof(double) * kSecCapacity, "per-second sums");

  FlowCoreMemory m{};
  m.pool = static_cast<FlowEntry*>(pool.Data());
  m.slots = static_cast<int32_t*>(slots.Data());
  m.index_bits = bits;
  m.lists = static_cast<int32_t*>(lists.Data());
  m.counters = static_cast<double*>(counters.Data());
  m.ended = static_cast<FlowEntry*>(ended.Data());
  m.ended_capacity = kEndedCapacity;
  m.without_flow = static_cast<int32_t*>(without_flow.Data());
  m.without_flow_capacity = kWithoutFlowCapacity;
  m.sec_keys = static_cast<uint32_t*>(sums.Data());
  m.sec_bytes = reinterpret_cast<double*>(static_cast<char*>(sums.Data()) + key_bytes);
  m.sec_packets = m.sec_bytes + kSecCapacity;
  m.sec_capacity = kSecCapacity;
  core_ = std::make_unique<FlowCore>(m, icmp, max_flows, hash_seed, [this](bool sums_full) { call_drain(sums_full); });

  // The JS object holds the buffers (and so the memory the core points into)
  // for as long as it lives; flow-table.ts reads them through views.
  Napi::Object self = info.This().As<Napi::Object>();
  // On the object, not in a persistent reference: the drain closes over the
  // FlowTable that holds this object, and a persistent one would keep both
  // (and their mapped memory) alive forever.
  self.Set("drain", info[3]);
  self.Set("pool", pool);
  self.Set("slots", slots);
  self.Set("lists", lists);
  self.Set("counters", counters);
  self.Set("ended", ended);
  self.Set("withoutFlow", without_flow);
  self.Set("sums", sums);
  self.Set("sumsCapacity", Napi::Number::New(env, kSecCapacity));
}

// Runs a core call that may reach JavaScript through the drain: refuses one
// made from inside a drain (it would corrupt the loop the drain interrupted),
// then drains what the call queued. ingest_buffer_ is set by Ingest's body.
template <typename Body>
void FlowCoreWrap::run(Napi::Env env, Body body) {
  if (busy_) throw Napi::Error::New(env, "FlowTable: called again from inside a flow record listener; defer the call (queueMicrotask)");
  struct Done {
    FlowCoreWrap& w;
    ~Done() { w.busy_ = false, w.ingest_buffer_ = nullptr; }
  } done{*this};
  busy_ = true;
  body();
  ingest_buffer_ = nullptr;  // read to the end: a listener may do what it likes with it now
  if (core_->ended_count() > 0 || core_->without_flow_count() > 0) call_drain(false);
}

void FlowCoreWrap::call_drain(bool sums_full) {
  // Runs inside a core call, with busy_ set: the drain reads queues only.
  Napi::Object self = Value();
  self.Get("drain").As<Napi::Function>().Call(self, {Napi::Boolean::New(Env(), sums_full)});
  // A listener may have detached (transferred) the batch's buffer; the core
  // must not read it again.
  if (ingest_buffer_ != nullptr) {
    Napi::ArrayBuffer buffer(Env(), ingest_buffer_);
    if (buffer.IsDetached() || buffer.Data() != ingest_data_ || buffer.ByteLength() < ingest_bytes_)
      throw Napi::Error::New(Env(), "FlowTable: a listener detached the batch's buffer during ingest; the rest of the batch was not read");
  }
}

// ingest(batchBuffer, capacity, from, to)
Napi::Value FlowCoreWrap::Ingest(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 4 || !info[0].IsArrayBuffer()) throw Napi::TypeError::New(env, "FlowCore.ingest: expected (ArrayBuffer, capacity, from, to)");
  Napi::ArrayBuffer buffer = info[0].As<Napi::ArrayBuffer>();
  const uint32_t capacity = uint32_arg(info, 1, "capacity");
  const uint32_t from = uint32_arg(info, 2, "from");
  const uint32_t to = uint32_arg(info, 3, "to");
  if (from > to || to > capacity || buffer.ByteLength() < data_region_offset(capacity))
    throw Napi::RangeError::New(env, "FlowCore.ingest: rows or capacity do not fit the batch buffer");
  const char* base = static_cast<const char*>(buffer.Data());
  auto col = [&](ColumnId id) { return base + column_offset(id, capacity); };
  const BatchColumns b{
      reinterpret_cast<const double*>(col(kCol_ts_sec)),      reinterpret_cast<const uint32_t*>(col(kCol_ts_nsec)),
      reinterpret_cast<const uint32_t*>(col(kCol_wire_len)),  reinterpret_cast<const uint32_t*>(col(kCol_flow_hash)),
      reinterpret_cast<const uint32_t*>(col(kCol_src_addr)),  reinterpret_cast<const uint32_t*>(col(kCol_dst_addr)),
      reinterpret_cast<const uint16_t*>(col(kCol_source_id)), reinterpret_cast<const uint16_t*>(col(kCol_vlan)),
      reinterpret_cast<const uint16_t*>(col(kCol_src_port)),  reinterpret_cast<const uint16_t*>(col(kCol_dst_port)),
      reinterpret_cast<const uint16_t*>(col(kCol_tcp_flags)), reinterpret_cast<const uint16_t*>(col(kCol_layers)),
      reinterpret_cast<const uint8_t*>(col(kCol_l3)),         reinterpret_cast<const uint8_t*>(col(kCol_ip_proto)),
      reinterpret_cast<const uint8_t*>(col(kCol_frag)),
  };
  run(env, [&] {
    ingest_buffer_ = buffer;
    ingest_data_ = buffer.Data();
    ingest_bytes_ = buffer.ByteLength();
    core_->ingest(b, from, to);
  });
  prefault_ahead();
  return env.Undefined();
}

// Fresh ids are used in order: keep the pool backed a chunk ahead of them, and
// the index (probed at random, so soon all touched) from the first flow on.
void FlowCoreWrap::prefault_ahead() {
  const size_t used = core_->pool_bytes_used();
  if (used == 0 || used + kPrefaultChunk / 2 <= prefaulted_to_ || prefaulted_to_ >= pool_bytes_) return;
  Napi::Object self = Value();
  if (prefaulted_to_ == 0) PrefaultWork::Start(self.Get("slots").As<Napi::ArrayBuffer>(), 0, SIZE_MAX);
  const Napi::ArrayBuffer pool = self.Get("pool").As<Napi::ArrayBuffer>();
  while (prefaulted_to_ < used + kPrefaultChunk / 2 && prefaulted_to_ < pool_bytes_) {
    PrefaultWork::Start(pool, prefaulted_to_, kPrefaultChunk);
    prefaulted_to_ += kPrefaultChunk;
  }
}

// expire(now) -> flows ended
Napi::Value FlowCoreWrap::Expire(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) throw Napi::TypeError::New(env, "FlowCore.expire: now must be a number");
  const double now = info[0].As<Napi::Number>().DoubleValue();
  uint32_t n = 0;
  run(env, [&] { n = core_->expire(now); });
  return Napi::Number::New(env, n);
}

Napi::Value FlowCoreWrap::Flush(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint32_t n = 0;
  run(env, [&] { n = core_->flush(); });
  return Napi::Number::New(env, n);
}

Napi::Value FlowCoreWrap::Clear(const Napi::CallbackInfo& info) {
  uint32_t n = 0;
  run(info.Env(), [&] { n = core_->clear(); });
  return Napi::Number::New(info.Env(), n);
}

// setTimeouts(idle: Float64Array(7) by TIMEOUT_CLASS, active)
Napi::Value FlowCoreWrap::SetTimeouts(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array ||
      info[0].As<Napi::TypedArray>().ElementLength() != kTimeoutClasses || !info[1].IsNumber())
    throw Napi::TypeError::New(env, "FlowCore.setTimeouts: expected (Float64Array(7), active)");
  core_->set_timeouts(info[0].As<Napi::Float64Array>().Data(), info[1].As<Napi::Number>().DoubleValue());
  return env.Undefined();
}

// setKeep(records, sums): copy ended flows for records; keep per-second sums and rows without a flow.
Napi::Value FlowCoreWrap::SetKeep(const Napi::CallbackInfo& info) {
  core_->set_keep_records(info.Length() > 0 && info[0].ToBoolean());
  core_->set_keep_sums(info.Length() > 1 && info[1].ToBoolean());
  return info.Env().Undefined();
}

// queued() -> [ended, withoutFlow, sums]
Napi::Value FlowCoreWrap::Queued(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Array a = Napi::Array::New(env, 3);
  a.Set(uint32_t(0), core_->ended_count());
  a.Set(uint32_t(1), core_->without_flow_count());
  a.Set(uint32_t(2), core_->sec_count());
  return a;
}

Napi::Value FlowCoreWrap::ResetQueues(const Napi::CallbackInfo& info) {
  core_->reset_ended();
  core_->reset_without_flow();
  return info.Env().Undefined();
}

Napi::Value FlowCoreWrap::NextSecond(const Napi::CallbackInfo& info) {
  core_->next_second();
  return info.Env().Undefined();
}

}  // namespace wirewatch

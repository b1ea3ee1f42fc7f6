// JavaScript binding of one FlowCore (lib/flows/flow-table.ts wraps it).
//
// new FlowCore(maxFlows, hashSeed, icmpCounterparts, drain) maps the flow pool
// and the index and allocates the queues; JavaScript reads them through the
// ArrayBuffers this object exposes (pool, lists, counters, ended, withoutFlow,
// sums). Every method runs on the JS thread. `drain(sumsFull)` (kept as the
// object's `drain` property) is called whenever a queue is full, and at the
// end of a call that queued anything. A drain that calls back into a mutating
// method gets an error instead of corrupting the loop it interrupted, and one
// that detaches the batch's buffer stops the ingest with an error.
#pragma once

#include <napi.h>

#include <memory>

#include "../flows/flow_core.hpp"

namespace wirewatch {

class FlowCoreWrap : public Napi::ObjectWrap<FlowCoreWrap> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit FlowCoreWrap(const Napi::CallbackInfo& info);

 private:
  Napi::Value Ingest(const Napi::CallbackInfo& info);
  Napi::Value Expire(const Napi::CallbackInfo& info);
  Napi::Value Flush(const Napi::CallbackInfo& info);
  Napi::Value Clear(const Napi::CallbackInfo& info);
  Napi::Value SetTimeouts(const Napi::CallbackInfo& info);
  Napi::Value SetKeep(const Napi::CallbackInfo& info);
  Napi::Value Queued(const Napi::CallbackInfo& info);
  Napi::Value ResetQueues(const Napi::CallbackInfo& info);
  Napi::Value NextSecond(const Napi::CallbackInfo& info);

  template <typename Body>
  void run(Napi::Env env, Body body);
  void call_drain(bool sums_full);
  void prefault_ahead();

  std::unique_ptr<FlowCore> core_;
  bool busy_ = false;  // a core call is running (and may be in a drain)
  // The batch being ingested (valid during Ingest only), to notice a detach in a drain.
  napi_value ingest_buffer_ = nullptr;
  const void* ingest_data_ = nullptr;
  size_t ingest_bytes_ = 0;
  size_t pool_bytes_ = 0;
  size_t prefaulted_to_ = 0;
};

}  // namespace wirewatch

#include "source_wrap.hpp"

#include "../batch/layout.h"
#include "../capture/pcap_open.hpp"
#include "args.hpp"

namespace wirewatch {

Napi::Function SourceWrap::Define(Napi::Env env) {
  return DefineClass(env, "Source",
                     {
                         InstanceMethod<&SourceWrap::Start>("start"),
                         InstanceMethod<&SourceWrap::Stop>("stop"),
                         InstanceMethod<&SourceWrap::Stats>("stats"),
                         InstanceMethod<&SourceWrap::SetFilter>("setFilter"),
                         InstanceMethod<&SourceWrap::Release>("release"),
                     });
}

SourceWrap::SourceWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<SourceWrap>(info) {
  Napi::Env env = info.Env();
  Napi::Object options = require_object(info, 0, "options");
  on_batch_ = Napi::Persistent(require_function(info, 1, "onBatch"));
  on_end_ = Napi::Persistent(require_function(info, 2, "onEnd"));

  SourceConfig config;
  const std::string kind = string_option(options, "kind", "");
  if (kind != "live" && kind != "file") throw Napi::TypeError::New(env, "options.kind must be \"live\" or \"file\"");
  config.is_file = kind == "file";
  config.id = uint16_t(number_option(options, "id", 0, 0, 65535));
  config.batch_rows = uint32_t(number_option(options, "batchRows", 1024, 1, 65536));
  config.batch_ms = uint32_t(number_option(options, "batchMs", 50, 1, 60000));
  config.copy_bytes = uint32_t(number_option(options, "copyBytes", 256, 0, 65535));
  config.parse = bool_option(options, "parse", true);
  const uint32_t pool_size = uint32_t(number_option(options, "poolSize", 8, 2, 4096));
  const std::string filter = string_option(options, "filter", "");

  CaptureFailure failure;
  OpenedHandle opened;
  if (config.is_file) {
    config.path = string_option(options, "path", "");
    if (config.path.empty()) throw Napi::TypeError::New(env, "options.path must name a capture file");
    config.name = string_option(options, "name", config.path);
    config.speed = number_option(options, "speed", 0, 0, 1e9);
    config.loop = bool_option(options, "loop", false);
    opened = open_file(config.path, failure);
  } else {
    LiveOptions live;
    live.device = string_option(options, "device", "");
    if (live.device.empty()) throw Napi::TypeError::New(env, "options.device must name an interface");
    config.name = string_option(options, "name", live.device);
    live.snaplen = int(number_option(options, "snaplen", 256, 64, 262144));
    live.promiscuous = bool_option(options, "promiscuous", true);
    live.buffer_bytes = int(number_option(options, "bufferBytes", 32 << 20, 1 << 16, 1 << 30));
    live.timeout_ms = int(number_option(options, "timeoutMs", 50, 1, 60000));
    live.immediate = bool_option(options, "immediate", false);
    opened = open_live(live, failure);
  }
  if (!opened.handle) throw capture_error(env, failure.kind, failure.message);
  config.nanos = opened.nanos;

  const size_t bytes = batch_bytes(config.batch_rows, config.batch_rows * config.copy_bytes);
  std::vector<uint8_t*> pointers;
  Napi::Array buffers = Napi::Array::New(env, pool_size);
  for (uint32_t i = 0; i < pool_size; i++) {
    Napi::ArrayBuffer buffer = Napi::ArrayBuffer::New(env, bytes);
    pointers.push_back(static_cast<uint8_t*>(buffer.Data()));
    buffer_refs_.push_back(Napi::Persistent(buffer));
    buffers[i] = buffer;
  }

  source_ = std::make_unique<CaptureSource>(config, opened.handle, std::move(pointers));
  if (!filter.empty() && !source_->set_filter(filter, failure)) {
    throw capture_error(env, failure.kind, failure.message);
  }

  Napi::Object self = info.This().As<Napi::Object>();
  self.Set("buffers", buffers);
  self.Set("batchRows", Napi::Number::New(env, config.batch_rows));
  self.Set("dataCapacity", Napi::Number::New(env, double(config.batch_rows) * config.copy_bytes));
  self.Set("linkType", Napi::Number::New(env, source_->link_type()));
  self.Set("snaplen", Napi::Number::New(env, source_->snaplen()));
  self.Set("nanosecondTimestamps", Napi::Boolean::New(env, opened.nanos));
  if (!opened.warning.empty()) self.Set("warning", Napi::String::New(env, opened.warning));
}

SourceWrap::~SourceWrap() { shutdown_without_js(); }

// Stops the thread without calling into JavaScript: used when the object is
// garbage collected or the environment (a worker, the process) shuts down.
void SourceWrap::shutdown_without_js() {
  if (source_) {
    source_->request_stop();
    source_->join();
  }
  if (cleanup_hook_set_) {
    cleanup_hook_set_ = false;
    napi_remove_env_cleanup_hook(Env(), reinterpret_cast<void (*)(void*)>(&SourceWrap::CleanupHook), this);
  }
  if (started_ && !ended_) {
    ended_ = true;
    tsfn_.Abort();
  }
}

void SourceWrap::CleanupHook(SourceWrap* self) {
  self->cleanup_hook_set_ = false;  // the hook is being run: do not remove it again
  self->shutdown_without_js();
}

Napi::Value SourceWrap::Start(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (started_) throw capture_error(env, "already_running", "this source was already started");
  if (ended_) throw capture_error(env, "not_running", "this source was stopped before it started; open a new one");
  started_ = true;
  tsfn_ = Tsfn::New(env, "wirewatch-capture", 0, 1, this);
  napi_add_env_cleanup_hook(env, reinterpret_cast<void (*)(void*)>(&SourceWrap::CleanupHook), this);
  cleanup_hook_set_ = true;
  Ref();  // keep the wrapper alive while the thread runs
  source_->start([this] { wake(); });
  return env.Undefined();
}

void SourceWrap::wake() {
  if (!wake_pending_.exchange(true, std::memory_order_acq_rel)) tsfn_.NonBlockingCall();
}

void SourceWrap::CallDrain(Napi::Env env, Napi::Function, SourceWrap* self, void*) {
  if (env == nullptr || self == nullptr) return;  // the environment is going away
  try {
    self->drain(env);
  } catch (const Napi::Error& error) {
    // A 'batch' or 'end' listener threw, or the environment is terminating
    // (a worker being stopped): hand the exception back to JavaScript, where
    // it becomes an uncaught exception, instead of unwinding out of libuv.
    // napi_throw directly: Error::ThrowAsJavaScriptException would throw
    // again (and abort) when the environment can no longer run JavaScript.
    napi_throw(env, error.Value());
  }
}

// Hands every filled batch to onBatch(slot); a batch is released back to the
// capture thread unless onBatch returns true (the caller then calls release()).
void SourceWrap::drain(Napi::Env env) {
  if (ended_) return;
  wake_pending_.store(false, std::memory_order_release);
  Napi::HandleScope scope(env);
  if (!deliver_filled(env)) return;  // onBatch called stop()
  if (source_->finished()) finish(env);
}

// Calls onBatch for every filled batch. False if a listener stopped the source.
bool SourceWrap::deliver_filled(Napi::Env env) {
  uint32_t slot;
  while (source_->pop_filled(slot)) {
    Napi::Value kept = on_batch_.Call({Napi::Number::New(env, slot)});
    if (!(kept.IsBoolean() && kept.As<Napi::Boolean>().Value())) source_->release(slot);
    if (ended_) return false;
  }
  return true;
}

// The capture thread has ended (or was stopped): report once, let go of the loop.
void SourceWrap::finish(Napi::Env env) {
  // A listener may call stop() while we deliver the last batches: once.
  if (ended_ || finishing_) return;
  finishing_ = true;
  source_->join();
  // Batches published between the last drain and the end of the thread.
  deliver_filled(env);
  ended_ = true;
  if (cleanup_hook_set_) {
    cleanup_hook_set_ = false;
    napi_remove_env_cleanup_hook(env, reinterpret_cast<void (*)(void*)>(&SourceWrap::CleanupHook), this);
  }
  tsfn_.Release();
  source_->close_handle();
  const CaptureFailure& failure = source_->failure();
  Napi::Value error = failure ? capture_error(env, failure.kind, failure.message).Value() : env.Null();
  Unref();
  // Drop the callbacks: they close over the JS object that owns this wrapper,
  // and persistent references to them would keep both alive forever.
  Napi::Function on_end = on_end_.Value();
  on_batch_.Reset();
  on_end_.Reset();
  on_end.Call({error});
}

Napi::Value SourceWrap::Stop(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (ended_ || finishing_) return env.Undefined();
  if (!started_) {
    // Never started: nothing to join or drain; release the handle and callbacks.
    ended_ = true;
    source_->close_handle();
    on_batch_.Reset();
    on_end_.Reset();
    return env.Undefined();
  }
  source_->request_stop();
  finish(env);
  return env.Undefined();
}

Napi::Value SourceWrap::Stats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const SourceCounters c = source_->counters();
  Napi::Object o = Napi::Object::New(env);
  o.Set("packets", Napi::Number::New(env, double(c.packets)));
  o.Set("bytes", Napi::Number::New(env, double(c.bytes)));
  o.Set("kernelReceived", Napi::Number::New(env, double(c.kernel_received)));
  o.Set("kernelDrops", Napi::Number::New(env, double(c.kernel_drops)));
  o.Set("interfaceDrops", Napi::Number::New(env, double(c.interface_drops)));
  o.Set("ringDrops", Napi::Number::New(env, double(c.ring_drops)));
  o.Set("batches", Napi::Number::New(env, double(c.batches)));
  o.Set("errorsTruncated", Napi::Number::New(env, double(c.errors_truncated)));
  o.Set("errorsMalformed", Napi::Number::New(env, double(c.errors_malformed)));
  o.Set("errorsUnsupportedLink", Napi::Number::New(env, double(c.errors_unsupported_link)));
  o.Set("loops", Napi::Number::New(env, double(c.loops)));
  return o;
}

Napi::Value SourceWrap::SetFilter(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string expression = require_string(info, 0, "filter");
  if (ended_) throw capture_error(env, "not_running", "this source has ended; open a new one");
  CaptureFailure failure;
  if (!source_->set_filter(expression, failure)) throw capture_error(env, failure.kind, failure.message);
  return env.Undefined();
}

Napi::Value SourceWrap::Release(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) throw Napi::TypeError::New(env, "slot must be a number");
  const uint32_t slot = info[0].As<Napi::Number>().Uint32Value();
  if (slot >= buffer_refs_.size()) throw Napi::RangeError::New(env, "slot out of range");
  if (!ended_) source_->release(slot);
  return env.Undefined();
}

}  // namespace wirewatch

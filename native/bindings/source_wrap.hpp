// JavaScript binding of one CaptureSource (lib/capture/source.ts wraps it).
//
// Threads: every method here runs on the JS thread, except wake(), which the
// capture thread calls; wake() only schedules drain() on the JS thread through
// a ThreadSafeFunction and never touches env.
#pragma once

#include <napi.h>

#include <atomic>
#include <memory>

#include "../capture/capture_source.hpp"

namespace wirewatch {

class SourceWrap : public Napi::ObjectWrap<SourceWrap> {
 public:
  static Napi::Function Define(Napi::Env env);

  // new Source(options, onBatch, onEnd): opens the handle now (while the
  // caller is privileged) but captures nothing until start().
  explicit SourceWrap(const Napi::CallbackInfo& info);
  ~SourceWrap() override;

 private:
  static void CallDrain(Napi::Env env, Napi::Function callback, SourceWrap* self, void* data);
  using Tsfn = Napi::TypedThreadSafeFunction<SourceWrap, void, &SourceWrap::CallDrain>;
  static void CleanupHook(SourceWrap* self);

  Napi::Value Start(const Napi::CallbackInfo& info);
  Napi::Value Stop(const Napi::CallbackInfo& info);
  Napi::Value Stats(const Napi::CallbackInfo& info);
  Napi::Value SetFilter(const Napi::CallbackInfo& info);
  Napi::Value Release(const Napi::CallbackInfo& info);

  void wake();
  void drain(Napi::Env env);
  bool deliver_filled(Napi::Env env);
  void finish(Napi::Env env);
  void shutdown_without_js();

  std::unique_ptr<CaptureSource> source_;
  std::vector<Napi::Reference<Napi::ArrayBuffer>> buffer_refs_;
  Napi::FunctionReference on_batch_;
  Napi::FunctionReference on_end_;
  Tsfn tsfn_;
  std::atomic<bool> wake_pending_{false};
  bool started_ = false;
  bool ended_ = false;
  bool finishing_ = false;  // finish() is delivering the last batches
  bool cleanup_hook_set_ = false;
};

}  // namespace wirewatch

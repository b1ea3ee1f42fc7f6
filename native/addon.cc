// The addon's bindings, and nothing else: each unit lives in its own file.
#include <napi.h>

#include "bindings/flow_core_wrap.hpp"
#include "bindings/module_functions.hpp"
#include "bindings/source_wrap.hpp"

namespace wirewatch {

class WirewatchAddon : public Napi::Addon<WirewatchAddon> {
 public:
  WirewatchAddon(Napi::Env env, Napi::Object exports) {
    DefineAddon(exports, {
                             InstanceValue("Source", SourceWrap::Define(env), napi_enumerable),
                             InstanceValue("FlowCore", FlowCoreWrap::Define(env), napi_enumerable),
                             InstanceMethod<&WirewatchAddon::Call<ListInterfaces>>("listInterfaces"),
                             InstanceMethod<&WirewatchAddon::Call<LibpcapVersion>>("libpcapVersion"),
                             InstanceMethod<&WirewatchAddon::Call<DropPrivileges>>("dropPrivileges"),
                             InstanceMethod<&WirewatchAddon::Call<CheckFilter>>("checkFilter"),
                             InstanceMethod<&WirewatchAddon::Call<DecodeFrame>>("decodeFrame"),
                             InstanceMethod<&WirewatchAddon::Call<BatchLayout>>("batchLayout"),
                             InstanceMethod<&WirewatchAddon::Call<SourceHash>>("sourceHash"),
                         });
  }

 private:
  template <Napi::Value (*F)(const Napi::CallbackInfo&)>
  Napi::Value Call(const Napi::CallbackInfo& info) { return F(info); }
};

}  // namespace wirewatch

using wirewatch::WirewatchAddon;
NODE_API_ADDON(WirewatchAddon)

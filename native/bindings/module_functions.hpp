// Module-level functions of the addon (everything that is not a Source).
#pragma once

#include <napi.h>

namespace wirewatch {

Napi::Value ListInterfaces(const Napi::CallbackInfo& info);
Napi::Value LibpcapVersion(const Napi::CallbackInfo& info);
Napi::Value DropPrivileges(const Napi::CallbackInfo& info);
Napi::Value CheckFilter(const Napi::CallbackInfo& info);
Napi::Value DecodeFrame(const Napi::CallbackInfo& info);
Napi::Value BatchLayout(const Napi::CallbackInfo& info);
Napi::Value SourceHash(const Napi::CallbackInfo& info);

}  // namespace wirewatch

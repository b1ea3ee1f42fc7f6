// Cheap argument checks at the native edge. TypeScript validates options
// first with friendlier messages; these catch callers that bypass it.
#pragma once

#include <napi.h>

#include <string>

namespace wirewatch {

inline Napi::Object require_object(const Napi::CallbackInfo& info, size_t index, const char* name) {
  if (info.Length() <= index || !info[index].IsObject())
    throw Napi::TypeError::New(info.Env(), std::string(name) + " must be an object");
  return info[index].As<Napi::Object>();
}

inline Napi::Function require_function(const Napi::CallbackInfo& info, size_t index, const char* name) {
  if (info.Length() <= index || !info[index].IsFunction())
    throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a function");
  return info[index].As<Napi::Function>();
}

inline std::string require_string(const Napi::CallbackInfo& info, size_t index, const char* name) {
  if (info.Length() <= index || !info[index].IsString())
    throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a string");
  return info[index].As<Napi::String>().Utf8Value();
}

inline std::string string_option(const Napi::Object& o, const char* key, const std::string& fallback) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined()) return fallback;
  if (!v.IsString()) throw Napi::TypeError::New(o.Env(), std::string("options.") + key + " must be a string");
  return v.As<Napi::String>().Utf8Value();
}

inline bool bool_option(const Napi::Object& o, const char* key, bool fallback) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined()) return fallback;
  if (!v.IsBoolean()) throw Napi::TypeError::New(o.Env(), std::string("options.") + key + " must be a boolean");
  return v.As<Napi::Boolean>().Value();
}

inline double number_option(const Napi::Object& o, const char* key, double fallback, double min, double max) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined()) return fallback;
  if (!v.IsNumber()) throw Napi::TypeError::New(o.Env(), std::string("options.") + key + " must be a number");
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= min && d <= max))
    throw Napi::RangeError::New(o.Env(), std::string("options.") + key + " must be between " + std::to_string(min) +
                                             " and " + std::to_string(max));
  return d;
}

// A capture failure as a JS Error carrying `kind`; lib/capture/errors.ts turns
// it into a CaptureError.
inline Napi::Error capture_error(Napi::Env env, const std::string& kind, const std::string& message) {
  Napi::Error error = Napi::Error::New(env, message);
  error.Set("kind", Napi::String::New(env, kind));
  return error;
}

}  // namespace wirewatch

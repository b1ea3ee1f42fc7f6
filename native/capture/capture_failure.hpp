// A capture failure as a value: a stable kind (the TypeScript CaptureError
// catalogue in lib/capture/errors.ts documents each) and a message a person
// can act on.
#pragma once

#include <string>

namespace wirewatch {

struct CaptureFailure {
  std::string kind;  // empty: no failure
  std::string message;

  explicit operator bool() const { return !kind.empty(); }
  void set(std::string k, std::string m) {
    kind = std::move(k);
    message = std::move(m);
  }
};

}  // namespace wirewatch

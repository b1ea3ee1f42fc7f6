// Backs part of an ArrayBuffer with memory on a libuv worker thread
// (populate_range, system/huge_pages.hpp), so that the JS thread's first
// writes there do not stop for page faults: zeroing a 2 MiB page takes ~1 ms
// on a VM. The reference keeps the buffer, and so its mapping, alive until
// the work is done. Best effort: without kernel support nothing happens.
#pragma once

#include <napi.h>

#include <cstddef>

#include "../system/huge_pages.hpp"

namespace wirewatch {

class PrefaultWork : public Napi::AsyncWorker {
 public:
  // Queues the work; it deletes itself when done.
  static void Start(Napi::ArrayBuffer buffer, size_t offset, size_t bytes) {
    if (offset >= buffer.ByteLength() || bytes == 0) return;
    if (bytes > buffer.ByteLength() - offset) bytes = buffer.ByteLength() - offset;
    (new PrefaultWork(buffer, offset, bytes))->Queue();
  }

  void Execute() override { populate_range(start_, bytes_); }

 private:
  PrefaultWork(Napi::ArrayBuffer buffer, size_t offset, size_t bytes)
      : Napi::AsyncWorker(buffer.Env(), "wirewatch.prefault"),
        buffer_(Napi::Persistent(buffer)),
        start_(static_cast<char*>(buffer.Data()) + offset),
        bytes_(bytes) {}

  Napi::Reference<Napi::ArrayBuffer> buffer_;
  char* start_;
  size_t bytes_;
};

}  // namespace wirewatch

// Opening libpcap handles and compiling filters. No threads here: the caller
// opens every handle while privileged, then hands them to CaptureSource.
#pragma once

#include <pcap/pcap.h>

#include <string>

#include "capture_failure.hpp"

namespace wirewatch {

struct LiveOptions {
  std::string device;
  int snaplen = 256;
  bool promiscuous = true;
  int buffer_bytes = 32 << 20;
  int timeout_ms = 50;
  bool immediate = false;
};

struct OpenedHandle {
  pcap_t* handle = nullptr;
  bool nanos = false;    // timestamps in the handle are nanoseconds
  std::string warning;   // a non-fatal pcap_activate warning, if any
};

OpenedHandle open_live(const LiveOptions& options, CaptureFailure& failure);
OpenedHandle open_file(const std::string& path, CaptureFailure& failure);

// Compiles `expression` for a handle of `link_type` and `snaplen`. Thread-safe:
// it never touches a running handle. `program` must be freed with pcap_freecode.
bool compile_filter(int link_type, int snaplen, const std::string& expression, bpf_program& program,
                    CaptureFailure& failure);

// Classifies an error met while reading a capture file.
void classify_file_read_error(const std::string& path, const std::string& pcap_message, uint64_t packets_read,
                              CaptureFailure& failure);

}  // namespace wirewatch

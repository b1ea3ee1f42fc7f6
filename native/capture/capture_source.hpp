// One capture source: a libpcap handle, the capture thread that reads it, and
// the pool of batch buffers that carry its packets to JavaScript.
//
// Threads:
//  - the capture thread (run()) alone reads the handle, parses packets, fills
//    batches, pushes them onto filled_ and pops free buffers from free_;
//  - the consumer thread (the JS thread) alone pops filled_, pushes free_
//    (release()) and calls start/request_stop/join/stats/set_filter.
// A live source never waits for the consumer: with no free buffer it drops
// the packet and counts it in ring_drops. A file source waits instead, so a
// replay is lossless and deterministic.
#pragma once

#include <pcap/pcap.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "../batch/batch_writer.hpp"
#include "../ring/spsc_ring.hpp"
#include "capture_failure.hpp"

namespace wirewatch {

struct SourceConfig {
  uint16_t id = 0;
  std::string name;
  bool is_file = false;
  std::string path;        // file sources: reopened when looping
  double speed = 0;        // file sources: 0 = as fast as possible, else real time × speed
  bool loop = false;       // file sources: start again at the end
  bool parse = true;       // run the parser (off only for benchmarks of raw delivery)
  bool nanos = false;      // the handle's timestamps are nanoseconds
  uint32_t batch_rows = 1024;
  uint32_t batch_ms = 50;  // hand a partial batch over once it is this old
  uint32_t copy_bytes = 256;  // bytes of each packet copied into the batch
};

struct SourceCounters {
  uint64_t packets = 0;  // delivered into batches
  uint64_t bytes = 0;    // wire bytes of those packets
  uint64_t kernel_received = 0;
  uint64_t kernel_drops = 0;
  uint64_t interface_drops = 0;
  uint64_t ring_drops = 0;
  uint64_t batches = 0;
  uint64_t errors_truncated = 0;
  uint64_t errors_malformed = 0;
  uint64_t errors_unsupported_link = 0;
  uint64_t loops = 0;
};

class CaptureSource {
 public:
  // `buffers` are `buffer_count` batch buffers of at least
  // batch_bytes(batch_rows, batch_rows * copy_bytes) bytes each; they must
  // outlive the source. The source takes ownership of `handle`.
  CaptureSource(SourceConfig config, pcap_t* handle, std::vector<uint8_t*> buffers);
  ~CaptureSource();

  CaptureSource(const CaptureSource&) = delete;
  CaptureSource& operator=(const CaptureSource&) = delete;

  // Consumer thread. `wake` is called on the capture thread after a batch is
  // published and once when the thread finishes; it must be cheap and
  // thread-safe.
  void start(std::function<void()> wake);
  void request_stop();
  void join();
  // Consumer thread, once the capture thread has been joined (or never ran):
  // frees the libpcap handle and its descriptor now rather than at GC.
  void close_handle();
  bool running() const { return thread_.joinable(); }

  // Consumer thread: take the next filled batch, give a buffer back.
  bool pop_filled(uint32_t& slot) { return filled_.pop(slot); }
  void release(uint32_t slot) { free_.push(slot); }

  // True once the capture thread has published its last batch.
  bool finished() const { return finished_.load(std::memory_order_acquire); }
  // Valid once finished(): why the thread ended, if it failed.
  const CaptureFailure& failure() const { return failure_; }

  SourceCounters counters() const;
  const SourceConfig& config() const { return config_; }
  int link_type() const { return link_type_; }
  int snaplen() const { return snaplen_; }

  // Consumer thread. Validates and compiles now; the capture thread installs
  // it before its next read. An empty expression removes the filter.
  bool set_filter(const std::string& expression, CaptureFailure& failure);

 private:
  static void on_packet_trampoline(u_char* user, const pcap_pkthdr* header, const u_char* bytes);
  void run();
  void on_packet(const pcap_pkthdr* header, const u_char* bytes);
  bool acquire_buffer();
  void publish();
  void flush_if_old();
  bool pace(uint64_t packet_ns);
  void apply_pending_filter();
  void poll_kernel_stats();
  void publish_counters();
  void wait_for_packets();
  bool reopen_for_loop();

  SourceConfig config_;
  pcap_t* handle_;
  int link_type_;
  int snaplen_;
  std::vector<uint8_t*> buffers_;
  SpscRing<uint32_t> free_;
  SpscRing<uint32_t> filled_;
  std::function<void()> wake_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> finished_{false};
  int stop_fd_ = -1;  // live sources: written by request_stop() to wake poll()
  CaptureFailure failure_;  // written by the capture thread before finished_

  // Capture thread state.
  BatchWriter writer_;
  uint32_t current_slot_ = 0;
  uint32_t sequence_ = 0;
  uint64_t batch_started_mono_ns_ = 0;
  uint64_t pace_origin_packet_ns_ = 0;
  uint64_t pace_origin_mono_ns_ = 0;
  bool pace_started_ = false;
  uint64_t loop_offset_ns_ = 0;
  uint64_t pass_first_ns_ = 0;
  uint64_t pass_last_ns_ = 0;
  uint64_t pass_packets_ = 0;
  uint32_t last_ps_recv_ = 0, last_ps_drop_ = 0, last_ps_ifdrop_ = 0;
  static constexpr int kErrorKinds = 4;
  struct {
    uint64_t packets = 0, bytes = 0;
    uint64_t errors[kErrorKinds] = {0, 0, 0, 0};  // by ErrorKind
  } tally_;

  // Counters: written by the capture thread, read by anyone.
  std::atomic<uint64_t> packets_{0}, bytes_{0}, kernel_received_{0}, kernel_drops_{0}, interface_drops_{0},
      ring_drops_{0}, batches_{0}, errors_truncated_{0}, errors_malformed_{0}, errors_unsupported_{0}, loops_{0};

  // A filter compiled on the consumer thread, waiting to be installed.
  std::mutex filter_mutex_;
  bool filter_pending_ = false;
  bool has_pending_program_ = false;
  bpf_program pending_program_{};
  bool has_current_program_ = false;
  bpf_program current_program_{};  // kept to re-install after a loop reopen
  std::atomic<bool> filter_flag_{false};
};

}  // namespace wirewatch

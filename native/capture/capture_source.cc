#include "capture_source.hpp"

#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>

#include "pcap_open.hpp"

namespace wirewatch {

namespace {

uint64_t monotonic_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return uint64_t(ts.tv_sec) * 1000000000ull + uint64_t(ts.tv_nsec);
}

constexpr uint64_t kMaxSleepSliceNs = 20 * 1000000ull;  // re-check stop_ at least this often
constexpr int kFileDispatchCount = 4096;

// Adds the change of a 32-bit libpcap counter (which wraps) to a 64-bit total.
void accumulate_wrapping(uint32_t current, uint32_t& last, std::atomic<uint64_t>& total) {
  total.fetch_add(uint32_t(current - last), std::memory_order_relaxed);
  last = current;
}

}  // namespace

CaptureSource::CaptureSource(SourceConfig config, pcap_t* handle, std::vector<uint8_t*> buffers)
    : config_(std::move(config)),
      handle_(handle),
      link_type_(pcap_datalink(handle)),
      snaplen_(pcap_snapshot(handle)),
      buffers_(std::move(buffers)),
      free_(buffers_.size()),
      filled_(buffers_.size()) {
  for (uint32_t i = 0; i < buffers_.size(); i++) free_.push(i);
  if (!config_.is_file) {
    // Live handles are read non-blocking and waited on with poll(), so the
    // thread wakes for stop requests (stop_fd_) and to hand over partial
    // batches on time even when no packet arrives.
    char errbuf[PCAP_ERRBUF_SIZE];
    pcap_setnonblock(handle_, 1, errbuf);
    stop_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  }
}

CaptureSource::~CaptureSource() {
  request_stop();
  join();
  if (has_pending_program_) pcap_freecode(&pending_program_);
  if (has_current_program_) pcap_freecode(&current_program_);
  if (handle_) pcap_close(handle_);
  if (stop_fd_ >= 0) close(stop_fd_);
}

void CaptureSource::start(std::function<void()> wake) {
  wake_ = std::move(wake);
  thread_ = std::thread([this] { run(); });
}

void CaptureSource::request_stop() {
  if (stop_.exchange(true)) return;
  // A live thread may sit in poll(); the eventfd wakes it. File handles are
  // only touched by their thread (a loop reopens them), and their reads
  // return quickly anyway, so they just see stop_.
  if (stop_fd_ >= 0) {
    const uint64_t one = 1;
    ssize_t ignored = write(stop_fd_, &one, sizeof one);
    (void)ignored;
  }
}

void CaptureSource::join() {
  if (thread_.joinable()) thread_.join();
}

void CaptureSource::close_handle() {
  if (thread_.joinable() || !handle_) return;
  pcap_close(handle_);
  handle_ = nullptr;
}

SourceCounters CaptureSource::counters() const {
  SourceCounters c;
  c.packets = packets_.load(std::memory_order_relaxed);
  c.bytes = bytes_.load(std::memory_order_relaxed);
  c.kernel_received = kernel_received_.load(std::memory_order_relaxed);
  c.kernel_drops = kernel_drops_.load(std::memory_order_relaxed);
  c.interface_drops = interface_drops_.load(std::memory_order_relaxed);
  c.ring_drops = ring_drops_.load(std::memory_order_relaxed);
  c.batches = batches_.load(std::memory_order_relaxed);
  c.errors_truncated = errors_truncated_.load(std::memory_order_relaxed);
  c.errors_malformed = errors_malformed_.load(std::memory_order_relaxed);
  c.errors_unsupported_link = errors_unsupported_.load(std::memory_order_relaxed);
  c.loops = loops_.load(std::memory_order_relaxed);
  return c;
}

bool CaptureSource::set_filter(const std::string& expression, CaptureFailure& failure) {
  if (!handle_) {
    failure.set("not_running", "this source has ended; open a new one");
    return false;
  }
  bpf_program program{};
  const bool empty = expression.find_first_not_of(" \t\r\n") == std::string::npos;
  // An empty expression compiles to "accept everything", which is what removing a filter means.
  if (!compile_filter(link_type_, snaplen_, empty ? "" : expression, program, failure)) return false;
  {
    std::lock_guard<std::mutex> lock(filter_mutex_);
    if (has_pending_program_) pcap_freecode(&pending_program_);
    pending_program_ = program;
    has_pending_program_ = true;
    filter_flag_.store(true, std::memory_order_release);
  }
  if (!thread_.joinable()) {
    // Not running yet: install now, so the first packet already sees it.
    apply_pending_filter();
  }
  return true;
}

void CaptureSource::apply_pending_filter() {
  if (!filter_flag_.load(std::memory_order_acquire)) return;
  std::lock_guard<std::mutex> lock(filter_mutex_);
  filter_flag_.store(false, std::memory_order_relaxed);
  if (!has_pending_program_) return;
  if (pcap_setfilter(handle_, &pending_program_) != 0) {
    // The program compiled for this link type, so this is a kernel refusal;
    // keep capturing with the old filter rather than failing the source.
    pcap_freecode(&pending_program_);
    has_pending_program_ = false;
    return;
  }
  if (has_current_program_) pcap_freecode(&current_program_);
  current_program_ = pending_program_;
  has_current_program_ = true;
  has_pending_program_ = false;
}

void CaptureSource::on_packet_trampoline(u_char* user, const pcap_pkthdr* header, const u_char* bytes) {
  reinterpret_cast<CaptureSource*>(user)->on_packet(header, bytes);
}

bool CaptureSource::acquire_buffer() {
  uint32_t slot;
  while (!free_.pop(slot)) {
    // Live: never wait for JavaScript; the caller drops the packet.
    if (!config_.is_file || stop_.load(std::memory_order_relaxed)) return false;
    std::this_thread::sleep_for(std::chrono::microseconds(100));
  }
  current_slot_ = slot;
  writer_.attach(buffers_[slot], config_.batch_rows, config_.batch_rows * config_.copy_bytes, config_.id,
                 sequence_++);
  batch_started_mono_ns_ = monotonic_ns();
  return true;
}

void CaptureSource::publish() {
  if (!writer_.attached()) return;
  if (writer_.empty()) return;  // keep the buffer for the next packet
  writer_.finish();
  writer_.detach();
  // filled_ holds as many slots as there are buffers, so this cannot fail.
  filled_.push(current_slot_);
  batches_.fetch_add(1, std::memory_order_relaxed);
  publish_counters();
  if (wake_) wake_();
}

// Per-packet counts live in plain fields of the capture thread (an atomic
// add per packet cost ~10% of capture time); readers see them as of the last
// batch handed over or the last read returning.
void CaptureSource::publish_counters() {
  packets_.store(tally_.packets, std::memory_order_relaxed);
  bytes_.store(tally_.bytes, std::memory_order_relaxed);
  errors_truncated_.store(tally_.errors[kErrTruncated], std::memory_order_relaxed);
  errors_malformed_.store(tally_.errors[kErrMalformed], std::memory_order_relaxed);
  errors_unsupported_.store(tally_.errors[kErrUnsupportedLink], std::memory_order_relaxed);
}

void CaptureSource::flush_if_old() {
  if (!writer_.attached() || writer_.empty()) return;
  if (monotonic_ns() - batch_started_mono_ns_ >= uint64_t(config_.batch_ms) * 1000000ull) publish();
}

// Sleeps until a paced file's packet is due. Returns false if stopped meanwhile.
bool CaptureSource::pace(uint64_t packet_ns) {
  if (!pace_started_) {
    pace_started_ = true;
    pace_origin_packet_ns_ = packet_ns;
    pace_origin_mono_ns_ = monotonic_ns();
    return true;
  }
  if (packet_ns <= pace_origin_packet_ns_) return true;
  const uint64_t due = pace_origin_mono_ns_ + uint64_t(double(packet_ns - pace_origin_packet_ns_) / config_.speed);
  for (;;) {
    if (stop_.load(std::memory_order_relaxed)) return false;
    const uint64_t now = monotonic_ns();
    if (now >= due) return true;
    // While waiting, hand over what we have so consumers see data at pace.
    flush_if_old();
    const uint64_t slice = std::min<uint64_t>(due - now, kMaxSleepSliceNs);
    std::this_thread::sleep_for(std::chrono::nanoseconds(slice));
  }
}

void CaptureSource::on_packet(const pcap_pkthdr* header, const u_char* bytes) {
  // Classic pcap stores both fields as unsigned 32-bit values, which libpcap
  // sign-extends into time_t/suseconds_t; undo that, so dates from 2038 to
  // 2106 stay right. (pcapng and live timestamps are never negative.)
  const int64_t sec = header->ts.tv_sec < 0 ? int64_t(header->ts.tv_sec) + (int64_t(1) << 32) : header->ts.tv_sec;
  const int64_t fraction = header->ts.tv_usec < 0 ? int64_t(header->ts.tv_usec) + (int64_t(1) << 32) : header->ts.tv_usec;
  const uint64_t sub = config_.nanos ? uint64_t(fraction) : uint64_t(fraction) * 1000ull;
  uint64_t packet_ns = uint64_t(sec) * 1000000000ull + sub;
  if (config_.is_file) {
    if (pass_packets_++ == 0) pass_first_ns_ = packet_ns;
    pass_last_ns_ = packet_ns;
    packet_ns += loop_offset_ns_;
    if (config_.speed > 0 && !pace(packet_ns)) {
      pcap_breakloop(handle_);
      return;
    }
  }
  if (!writer_.attached() && !acquire_buffer()) {
    if (config_.is_file) {
      pcap_breakloop(handle_);  // stopping
    } else {
      ring_drops_.fetch_add(1, std::memory_order_relaxed);
    }
    return;
  }

  const uint32_t cap_len = header->caplen;
  const uint32_t copy = std::min(cap_len, config_.copy_bytes);
  if (config_.parse) {
    ParsedPacket parsed;
    parse_packet(bytes, cap_len, uint32_t(link_type_), parsed);
    writer_.append(double(packet_ns / 1000000000ull), uint32_t(packet_ns % 1000000000ull), header->len, cap_len,
                   uint16_t(link_type_), bytes, copy, &parsed, flow_hash(config_.id, parsed));
    tally_.errors[parsed.error < kErrorKinds ? parsed.error : 0]++;
  } else {
    writer_.append(double(packet_ns / 1000000000ull), uint32_t(packet_ns % 1000000000ull), header->len, cap_len,
                   uint16_t(link_type_), bytes, copy, nullptr, 0);
  }
  tally_.packets++;
  tally_.bytes += header->len;
  if (writer_.full()) publish();
  if (stop_.load(std::memory_order_relaxed)) pcap_breakloop(handle_);
}

void CaptureSource::poll_kernel_stats() {
  pcap_stat st;
  if (pcap_stats(handle_, &st) != 0) return;
  accumulate_wrapping(st.ps_recv, last_ps_recv_, kernel_received_);
  accumulate_wrapping(st.ps_drop, last_ps_drop_, kernel_drops_);
  accumulate_wrapping(st.ps_ifdrop, last_ps_ifdrop_, interface_drops_);
}

bool CaptureSource::reopen_for_loop() {
  CaptureFailure failure;
  OpenedHandle reopened = open_file(config_.path, failure);
  if (!reopened.handle) {
    failure_ = failure;
    return false;
  }
  if (has_current_program_ && pcap_setfilter(reopened.handle, &current_program_) != 0) {
    failure_.set("bad_filter", std::string("cannot re-apply the filter after looping: ") + pcap_geterr(reopened.handle));
    pcap_close(reopened.handle);
    return false;
  }
  pcap_close(handle_);
  handle_ = reopened.handle;
  // Keep time moving forward: the next pass starts one millisecond after the last packet.
  loop_offset_ns_ += (pass_last_ns_ - pass_first_ns_) + 1000000ull;
  pass_packets_ = 0;
  loops_.fetch_add(1, std::memory_order_relaxed);
  return true;
}

// Live sources: sleeps until the handle is readable, a stop is requested, or
// the open batch is due to be handed over (at most kIdleWakeMs, for stats).
void CaptureSource::wait_for_packets() {
  constexpr uint64_t kIdleWakeMs = 100;
  uint64_t wait_ms = kIdleWakeMs;
  if (writer_.attached() && !writer_.empty()) {
    const uint64_t age_ms = (monotonic_ns() - batch_started_mono_ns_) / 1000000ull;
    wait_ms = age_ms >= config_.batch_ms ? 0 : std::min<uint64_t>(config_.batch_ms - age_ms, kIdleWakeMs);
  }
  pollfd fds[2] = {{pcap_get_selectable_fd(handle_), POLLIN, 0}, {stop_fd_, POLLIN, 0}};
  poll(fds, 2, int(wait_ms));
}

void CaptureSource::run() {
  const std::string thread_name = "ww-cap-" + std::to_string(config_.id);
  pthread_setname_np(pthread_self(), thread_name.substr(0, 15).c_str());

  while (!stop_.load(std::memory_order_relaxed)) {
    apply_pending_filter();
    const int n = pcap_dispatch(handle_, config_.is_file ? kFileDispatchCount : -1, on_packet_trampoline,
                                reinterpret_cast<u_char*>(this));
    publish_counters();
    if (n == PCAP_ERROR_BREAK) continue;  // stop_ or a wake-up: the loop condition decides
    if (n == PCAP_ERROR) {
      const std::string message = pcap_geterr(handle_);
      if (config_.is_file) {
        classify_file_read_error(config_.path, message, tally_.packets, failure_);
      } else {
        failure_.set(message.find("went down") != std::string::npos ? "interface_down" : "capture_failed",
                     "capture on " + config_.name + " failed: " + message);
      }
      break;
    }
    if (config_.is_file) {
      if (n == 0) {  // end of file
        if (!config_.loop || pass_packets_ == 0 || !reopen_for_loop()) break;
      }
    } else {
      poll_kernel_stats();
      flush_if_old();
      if (n == 0) wait_for_packets();
      continue;
    }
    flush_if_old();
  }
  if (!config_.is_file) poll_kernel_stats();
  publish();
  publish_counters();
  finished_.store(true, std::memory_order_release);
  if (wake_) wake_();
}

}  // namespace wirewatch

#include "pcap_open.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <mutex>

namespace wirewatch {

namespace {

// libpcap's filter compiler was not reentrant before 1.8 and still shares
// some state in places; filters are compiled rarely, so serialise them.
std::mutex compile_mutex;

std::string live_error_kind(int status) {
  switch (status) {
    case PCAP_ERROR_NO_SUCH_DEVICE:
      return "no_such_device";
    case PCAP_ERROR_PERM_DENIED:
    case PCAP_ERROR_PROMISC_PERM_DENIED:
      return "permission_denied";
    case PCAP_ERROR_IFACE_NOT_UP:
      return "interface_down";
    default:
      return "capture_failed";
  }
}

// True for a classic pcap file with the microsecond magic, in either byte order.
bool is_microsecond_pcap(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return false;
  unsigned char m[4] = {0};
  const bool got = std::fread(m, 1, 4, f) == 4;
  std::fclose(f);
  if (!got) return false;
  const uint32_t le = uint32_t(m[0]) | uint32_t(m[1]) << 8 | uint32_t(m[2]) << 16 | uint32_t(m[3]) << 24;
  const uint32_t be = uint32_t(m[3]) | uint32_t(m[2]) << 8 | uint32_t(m[1]) << 16 | uint32_t(m[0]) << 24;
  return le == 0xa1b2c3d4u || be == 0xa1b2c3d4u;
}

}  // namespace

OpenedHandle open_live(const LiveOptions& options, CaptureFailure& failure) {
  OpenedHandle opened;
  char errbuf[PCAP_ERRBUF_SIZE] = {0};
  pcap_t* p = pcap_create(options.device.c_str(), errbuf);
  if (!p) {
    failure.set("capture_failed", "cannot create a capture handle for " + options.device + ": " + errbuf);
    return opened;
  }
  pcap_set_snaplen(p, options.snaplen);
  pcap_set_promisc(p, options.promiscuous ? 1 : 0);
  pcap_set_timeout(p, options.timeout_ms);
  pcap_set_buffer_size(p, options.buffer_bytes);
  pcap_set_immediate_mode(p, options.immediate ? 1 : 0);
  // Nanosecond timestamps where the platform has them; microseconds otherwise.
  pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_NANO);

  const int status = pcap_activate(p);
  if (status < 0) {
    std::string detail = status == PCAP_ERROR ? pcap_geterr(p) : pcap_statustostr(status);
    if (status != PCAP_ERROR) {
      const char* more = pcap_geterr(p);
      if (more && *more) detail += std::string(" (") + more + ")";
    }
    const std::string kind = live_error_kind(status);
    std::string message;
    if (kind == "no_such_device") {
      message = "no such interface: " + options.device;
    } else if (kind == "permission_denied") {
      message = "permission denied opening " + options.device + ": " + detail;
    } else if (kind == "interface_down") {
      message = "interface " + options.device + " is down: " + detail;
    } else {
      message = "cannot capture on " + options.device + ": " + detail;
    }
    failure.set(kind, message);
    pcap_close(p);
    return opened;
  }
  if (status > 0) opened.warning = std::string(pcap_statustostr(status)) + ": " + pcap_geterr(p);
  opened.handle = p;
  opened.nanos = pcap_get_tstamp_precision(p) == PCAP_TSTAMP_PRECISION_NANO;
  return opened;
}

OpenedHandle open_file(const std::string& path, CaptureFailure& failure) {
  OpenedHandle opened;
  struct stat st;
  if (stat(path.c_str(), &st) != 0) {
    const int err = errno;
    if (err == ENOENT || err == ENOTDIR) {
      failure.set("file_not_found", "no such capture file: " + path);
    } else if (err == EACCES) {
      failure.set("permission_denied", "permission denied reading " + path);
    } else {
      failure.set("bad_file", "cannot read " + path + ": " + std::strerror(err));
    }
    return opened;
  }
  if (S_ISDIR(st.st_mode)) {
    failure.set("bad_file", path + " is a directory, not a capture file");
    return opened;
  }
  // Open a classic microsecond pcap at microsecond precision, so libpcap hands
  // over the record's fields unscaled (CaptureSource undoes their sign
  // extension); nanosecond pcap and pcapng at nanosecond precision.
  const bool micro = is_microsecond_pcap(path);
  char errbuf[PCAP_ERRBUF_SIZE] = {0};
  pcap_t* p = pcap_open_offline_with_tstamp_precision(
      path.c_str(), micro ? PCAP_TSTAMP_PRECISION_MICRO : PCAP_TSTAMP_PRECISION_NANO, errbuf);
  if (!p) {
    if (std::strstr(errbuf, "Permission denied")) {
      failure.set("permission_denied", "permission denied reading " + path);
    } else if (st.st_size == 0) {
      failure.set("bad_file", path + " is empty, not a pcap or pcapng file");
    } else if (std::strstr(errbuf, "truncated")) {
      failure.set("truncated_file", path + ": the file header is cut short (" + errbuf + ")");
    } else {
      failure.set("bad_file", path + " is not a readable pcap or pcapng file: " + errbuf);
    }
    return opened;
  }
  opened.handle = p;
  opened.nanos = !micro;
  return opened;
}

bool compile_filter(int link_type, int snaplen, const std::string& expression, bpf_program& program,
                    CaptureFailure& failure) {
  std::lock_guard<std::mutex> lock(compile_mutex);
  pcap_t* dead = pcap_open_dead(link_type, snaplen > 0 ? snaplen : 262144);
  if (!dead) {
    failure.set("capture_failed", "cannot allocate a handle to compile the filter");
    return false;
  }
  const int rc = pcap_compile(dead, &program, expression.c_str(), 1, PCAP_NETMASK_UNKNOWN);
  if (rc != 0) {
    failure.set("bad_filter", "invalid BPF filter \"" + expression + "\": " + pcap_geterr(dead));
    pcap_close(dead);
    return false;
  }
  pcap_close(dead);
  return true;
}

void classify_file_read_error(const std::string& path, const std::string& pcap_message, uint64_t packets_read,
                              CaptureFailure& failure) {
  const std::string where = " after " + std::to_string(packets_read) + " packets";
  if (pcap_message.find("truncated") != std::string::npos) {
    failure.set("truncated_file", path + " is truncated" + where + ": " + pcap_message);
  } else {
    failure.set("bad_file", path + " is corrupt" + where + ": " + pcap_message);
  }
}

}  // namespace wirewatch

#include "privileges.hpp"

#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace wirewatch {

namespace {

std::string errno_text(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

// Clears the permitted, effective and inheritable sets of the calling thread
// (glibc has no wrapper and we do not want a libcap dependency).
bool clear_capabilities() {
  __user_cap_header_struct header{};
  header.version = _LINUX_CAPABILITY_VERSION_3;
  header.pid = 0;
  __user_cap_data_struct data[2]{};
  return syscall(SYS_capset, &header, data) == 0;
}

bool has_any_capability() {
  __user_cap_header_struct header{};
  header.version = _LINUX_CAPABILITY_VERSION_3;
  __user_cap_data_struct data[2]{};
  if (syscall(SYS_capget, &header, data) != 0) return true;  // unknown: assume the worst
  return data[0].permitted || data[1].permitted || data[0].effective || data[1].effective;
}

}  // namespace

DropResult drop_privileges(const std::string& user, const std::string& group) {
  DropResult result;
  std::vector<char> buf(16384);

  passwd pw{};
  passwd* pw_found = nullptr;
  if (getpwnam_r(user.c_str(), &pw, buf.data(), buf.size(), &pw_found) != 0 || !pw_found) {
    result.error = "no such user: " + user;
    return result;
  }
  uid_t uid = pw.pw_uid;
  gid_t gid = pw.pw_gid;
  const std::string user_name = pw.pw_name;

  if (!group.empty()) {
    std::vector<char> gbuf(16384);
    struct group gr {};
    struct group* gr_found = nullptr;
    if (getgrnam_r(group.c_str(), &gr, gbuf.data(), gbuf.size(), &gr_found) != 0 || !gr_found) {
      result.error = "no such group: " + group;
      return result;
    }
    gid = gr.gr_gid;
  }

  if (uid == 0) {
    result.error = "refusing to drop privileges to root (user " + user + " has uid 0)";
    return result;
  }

  const bool is_root = geteuid() == 0;
  if (is_root) {
    // Supplementary groups first: after setuid we could no longer change them.
    if (initgroups(user_name.c_str(), gid) != 0) {
      result.error = errno_text("initgroups");
      return result;
    }
    // glibc applies set*id to every thread of the process, so the capture
    // threads already running change too.
    if (setresgid(gid, gid, gid) != 0) {
      result.error = errno_text("setresgid");
      return result;
    }
    if (setresuid(uid, uid, uid) != 0) {
      result.error = errno_text("setresuid");
      return result;
    }
  } else if (getuid() != uid) {
    result.error = "not running as root, so cannot switch to user " + user;
    return result;
  }

  // A non-root process started with capabilities (systemd AmbientCapabilities)
  // keeps them across exec; drop them all.
  prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
  if (!clear_capabilities()) {
    result.error = errno_text("capset");
    return result;
  }
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    result.error = errno_text("prctl(PR_SET_NO_NEW_PRIVS)");
    return result;
  }

  // Prove it: none of these may succeed now.
  if (setuid(0) == 0 || seteuid(0) == 0 || setgid(0) == 0 || geteuid() == 0 || getegid() == 0) {
    result.error = "privileges could still be regained after the drop";
    return result;
  }
  if (has_any_capability()) {
    result.error = "capabilities remain after the drop";
    return result;
  }
  result.ok = true;
  result.uid = getuid();
  result.gid = getgid();
  return result;
}

}  // namespace wirewatch

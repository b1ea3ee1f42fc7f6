// Dropping root (or capabilities) once every capture handle is open.
#pragma once

#include <string>
#include <sys/types.h>

namespace wirewatch {

struct DropResult {
  bool ok = false;
  std::string error;  // why it failed, when !ok
  uid_t uid = 0;
  gid_t gid = 0;
};

// Switches real, effective and saved ids of every thread to `user` (and
// `group`, or the user's primary group when empty), sets the supplementary
// groups to the user's, clears all capabilities, sets no_new_privs and then
// proves that root cannot be regained. Open file descriptors (and so open
// capture handles) keep working.
DropResult drop_privileges(const std::string& user, const std::string& group);

}  // namespace wirewatch

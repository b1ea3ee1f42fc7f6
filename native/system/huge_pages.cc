#include "huge_pages.hpp"

#include <cerrno>
#include <cstring>
#include <sys/mman.h>

namespace wirewatch {

void* map_large(size_t bytes, std::string& error) {
  void* data = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (data == MAP_FAILED) {
    error = std::strerror(errno);
    return nullptr;
  }
#ifdef MADV_HUGEPAGE
  madvise(data, bytes, MADV_HUGEPAGE);
#endif
  return data;
}

void unmap_large(void* data, size_t bytes) { munmap(data, bytes); }

}  // namespace wirewatch

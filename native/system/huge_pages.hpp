// Big, zeroed, anonymous memory that the kernel may back with 2 MiB pages.
#pragma once

#include <cstddef>
#include <string>

namespace wirewatch {

// Maps `bytes` of zeroed memory and asks for transparent huge pages
// (madvise(MADV_HUGEPAGE): THP's "madvise" mode, Debian's default, only backs
// regions that ask). Untouched pages still cost no RSS. For tables probed at
// random (the flow table): with 4 KiB pages nearly every probe of a 100 MB
// table also misses the TLB and faults once per page on first touch.
// Returns nullptr and sets `error` on failure. A refused madvise is not a
// failure: the memory then simply has small pages.
void* map_large(size_t bytes, std::string& error);

void unmap_large(void* data, size_t bytes);

// Backs the whole pages inside [data, data + bytes) with zeroed memory now, as
// write faults would (madvise(MADV_POPULATE_WRITE), Linux 5.14+), without
// changing their contents: safe while other threads use the memory. Returns
// false where the kernel cannot (the pages then fault on first touch as usual).
bool populate_range(void* data, size_t bytes);

}  // namespace wirewatch

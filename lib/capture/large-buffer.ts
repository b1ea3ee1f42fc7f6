// Memory for big tables probed at random (the flow table). From the addon it
// is an mmap'd region that asks for transparent huge pages: with 4 KiB pages
// almost every probe of a 100+ MB table also misses the TLB, and every page
// faults once on first touch (measured on a 1 M-flow replay: see
// bench/RESULTS.md §4). Zeroed and lazily backed like `new ArrayBuffer`, so
// pre-sizing a table still costs no RSS until it is used.
import { loadAddon } from './binding.js';

/** Tables smaller than one huge page gain nothing. */
const MIN_LARGE = 2 * 1024 * 1024;

export function largeBuffer(bytes: number): ArrayBuffer {
  if (bytes < MIN_LARGE) return new ArrayBuffer(bytes);
  return loadAddon().largeBuffer(bytes);
}

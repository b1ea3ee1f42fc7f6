// The daemon's worker threads (pipeline, history writer) and the capture threads
// they start run at a lower CPU priority than the main thread, which serves the
// API: when all of them want the CPU (a full-speed replay on a small machine),
// a request is answered first and capture waits a moment in its buffers, instead
// of every request queueing behind busy workers (bench/RESULTS.md §6).
import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/** How much nicer than the process the workers are (nice 0 → 10: about a tenth of the main thread's CPU share while both want the CPU). */
export const WORKER_NICE_STEP = 10;

/**
 * Raises the calling thread's nice value by `step` (never lowers it, so no
 * privilege is needed). Threads it starts afterwards inherit the value. Linux
 * only (/proc/thread-self names the thread); returns the new nice value, or
 * null where threads cannot be addressed.
 */
export function lowerThisThreadPriority(step = WORKER_NICE_STEP): number | null {
  let tid: number;
  try {
    tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
  } catch {
    return null;
  }
  if (!Number.isInteger(tid) || tid <= 0) return null;
  try {
    const nice = Math.min(19, getPriority(tid) + step);
    setPriority(tid, nice);
    return getPriority(tid);
  } catch {
    return null;
  }
}

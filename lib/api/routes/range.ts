// Time ranges of history queries: defaults (the last hour up to now) and checks.
import { ApiError } from '../errors.js';

/** [from, to) in unix seconds; `nowMs` is the wall clock. */
export function resolveRange(from: number | undefined, to: number | undefined, nowMs: number, maxSpanS: number): { from: number; to: number } {
  const end = to ?? (from !== undefined ? Math.max(from + 1, nowMs / 1000) : nowMs / 1000);
  const start = from ?? end - 3600;
  if (!(end > start)) throw new ApiError('invalid_query', `to: must be after from (from=${start}, to=${end})`);
  if (end - start > maxSpanS) throw new ApiError('invalid_query', `to - from: at most ${maxSpanS} s per query, got ${end - start}`);
  return { from: Math.max(0, start), to: end };
}

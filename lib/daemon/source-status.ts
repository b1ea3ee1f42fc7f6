// A capture source's counters in the API's shape (snake_case, DESIGN §7 style).
import type { SourceStats } from '../capture/source.js';
import type { SourceStatus } from './view.js';

export function sourceCounters(s: SourceStats): Pick<SourceStatus, 'packets' | 'bytes' | 'kernel_drops' | 'if_drops' | 'ring_drops' | 'errors'> {
  return {
    packets: s.packets,
    bytes: s.bytes,
    kernel_drops: s.kernelDrops,
    if_drops: s.interfaceDrops,
    ring_drops: s.ringDrops,
    errors: { truncated: s.errorsTruncated, malformed: s.errorsMalformed, unsupported_link: s.errorsUnsupportedLink },
  };
}

// Drop bursts in the log: one warning when a source's drop counters start
// rising and one when they stop (with how many the burst lost), never a line
// per tick while it lasts.
import type { Logger } from '../log/index.js';
import type { SourceStatus } from './view.js';

export class DropBurstLog {
  readonly #logger: Logger;
  /** Per source id: drops seen at the last tick, and the total when the current burst began. */
  readonly #seen = new Map<number, { total: number; burst: number | null }>();

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  /** Call with every tick's source counters. */
  update(sources: readonly SourceStatus[]): void {
    for (const s of sources) {
      const total = s.kernel_drops + s.if_drops + s.ring_drops;
      const prev = this.#seen.get(s.id);
      const burst = prev?.burst ?? null;
      const rising = prev !== undefined && total > prev.total;
      if (rising && burst === null) {
        this.#logger.warn('packets are being dropped', { source: s.name, kernel_drops: s.kernel_drops, if_drops: s.if_drops, ring_drops: s.ring_drops });
      } else if (!rising && burst !== null) {
        this.#logger.warn('packet drops stopped', { source: s.name, dropped_in_burst: total - burst });
      }
      this.#seen.set(s.id, { total, burst: rising ? (burst ?? prev!.total) : null });
    }
  }
}

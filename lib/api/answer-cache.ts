// Serialized answers of read-only routes whose data changes once per snapshot
// (/api/stats, live /api/flows). Dashboards and scripts poll the same URLs:
// between two ticks every such request would build and stringify the same
// JSON again. Entries go at the next snapshot or state change (the caller
// clears them) and after ttlMs regardless, so an answer is never older than
// the data it was built from by more than that.

export interface AnswerCacheOptions {
  /** Distinct URLs kept at once; the oldest goes first. Default 64. */
  maxEntries?: number;
  /** Longest an entry is served, ms. Default 1000 (the tick). */
  ttlMs?: number;
  now?: () => number;
}

export class AnswerCache {
  readonly #entries = new Map<string, { body: string; at: number }>();
  readonly #maxEntries: number;
  readonly #ttlMs: number;
  readonly #now: () => number;

  constructor(options: AnswerCacheOptions = {}) {
    this.#maxEntries = options.maxEntries ?? 64;
    this.#ttlMs = options.ttlMs ?? 1000;
    this.#now = options.now ?? (() => performance.now());
  }

  get size(): number {
    return this.#entries.size;
  }

  get(key: string): string | undefined {
    const e = this.#entries.get(key);
    if (!e) return undefined;
    if (this.#now() - e.at >= this.#ttlMs) {
      this.#entries.delete(key);
      return undefined;
    }
    return e.body;
  }

  set(key: string, body: string): void {
    this.#entries.delete(key);
    this.#entries.set(key, { body, at: this.#now() });
    if (this.#entries.size > this.#maxEntries) this.#entries.delete(this.#entries.keys().next().value!);
  }

  clear(): void {
    this.#entries.clear();
  }
}

// Serialized answers of read-only routes whose data changes once per snapshot
// (/api/stats, live /api/flows). Dashboards and scripts poll the same URLs:
// between two ticks every such request would build and stringify the same
// JSON again. Entries go at the next snapshot or state change (the caller
// clears them) and after ttlMs regardless, so an answer is never older than
// the data it was built from by more than that.

export interface AnswerCacheOptions {
  /** Distinct URLs kept at once; the oldest goes first. Default 64. */
  maxEntries?: number;
  /** Characters kept in all (a page of 1000 flows is ~400k); the oldest go first. Default 8 Mi. */
  maxChars?: number;
  /** Longest an entry is served, ms. Default 1000 (the tick). */
  ttlMs?: number;
  now?: () => number;
}

export class AnswerCache {
  readonly #entries = new Map<string, { body: string; at: number }>();
  readonly #maxEntries: number;
  readonly #maxChars: number;
  #chars = 0;
  readonly #ttlMs: number;
  readonly #now: () => number;

  constructor(options: AnswerCacheOptions = {}) {
    this.#maxEntries = options.maxEntries ?? 64;
    this.#maxChars = options.maxChars ?? 8 * 1024 * 1024;
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
      this.#delete(key);
      return undefined;
    }
    return e.body;
  }

  set(key: string, body: string): void {
    if (body.length > this.#maxChars) return;
    this.#delete(key);
    this.#entries.set(key, { body, at: this.#now() });
    this.#chars += body.length;
    while (this.#entries.size > this.#maxEntries || this.#chars > this.#maxChars) this.#delete(this.#entries.keys().next().value!);
  }

  clear(): void {
    this.#entries.clear();
    this.#chars = 0;
  }

  #delete(key: string): void {
    const e = this.#entries.get(key);
    if (!e) return;
    this.#chars -= e.body.length;
    this.#entries.delete(key);
  }
}

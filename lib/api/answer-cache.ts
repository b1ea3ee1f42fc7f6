// Serialized answers of read-only routes whose data changes once per snapshot
// (/api/stats, live /api/flows). Dashboards and scripts poll the same URLs:
// between two ticks every such request would build and stringify the same
// JSON again. Entries go at the next snapshot or state change (the caller
// clears them) and after ttlMs regardless, so an answer is never older than
// the data it was built from by more than that.
import type { Role } from '../config/types.js';

export interface AnswerCacheOptions {
  /** Distinct URLs kept at once; the oldest goes first. Default 64. */
  maxEntries?: number;
  /** Bytes kept in all (a page of 1000 flows is ~400 KB); the oldest go first. Default 8 MiB. */
  maxBytes?: number;
  /** Longest an entry is served, ms. Default 1000 (the tick). */
  ttlMs?: number;
  now?: () => number;
}

/** The key an answer is kept under: the method (lower case) and the URL exactly as received. */
export function keptAnswerKey(method: string, url: string): string {
  return `${method.toLowerCase()} ${url}`;
}

export interface KeptAnswer {
  /** The JSON text, UTF-8 encoded once. */
  body: Buffer;
  /** The role a caller needs to be given it. */
  needs: Role;
}

export class AnswerCache {
  readonly #entries = new Map<string, KeptAnswer & { at: number }>();
  readonly #maxEntries: number;
  readonly #maxBytes: number;
  #bytes = 0;
  readonly #ttlMs: number;
  readonly #now: () => number;

  constructor(options: AnswerCacheOptions = {}) {
    this.#maxEntries = options.maxEntries ?? 64;
    this.#maxBytes = options.maxBytes ?? 8 * 1024 * 1024;
    this.#ttlMs = options.ttlMs ?? 1000;
    this.#now = options.now ?? (() => performance.now());
  }

  get size(): number {
    return this.#entries.size;
  }

  get(key: string): KeptAnswer | undefined {
    const e = this.#entries.get(key);
    if (!e) return undefined;
    if (this.#now() - e.at >= this.#ttlMs) {
      this.#delete(key);
      return undefined;
    }
    return e;
  }

  set(key: string, body: Buffer, needs: Role): void {
    if (body.length > this.#maxBytes) return;
    this.#delete(key);
    this.#entries.set(key, { body, needs, at: this.#now() });
    this.#bytes += body.length;
    while (this.#entries.size > this.#maxEntries || this.#bytes > this.#maxBytes) this.#delete(this.#entries.keys().next().value!);
  }

  clear(): void {
    this.#entries.clear();
    this.#bytes = 0;
  }

  #delete(key: string): void {
    const e = this.#entries.get(key);
    if (!e) return;
    this.#bytes -= e.body.length;
    this.#entries.delete(key);
  }
}

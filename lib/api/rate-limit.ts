// Token buckets per client (login and control). A bucket holds up to `burst`
// tokens and refills at `perMinute`; each request takes one, and an empty
// bucket answers 429 with the seconds until the next token in Retry-After.
// Memory is bounded: at most `maxClients` buckets, the least recently used
// dropped first (a dropped bucket was the quietest client, so it loses little).
import type { RequestHandler } from 'express';
import { clientKey } from './address.js';
import { ApiError } from './errors.js';

export interface RateLimit {
  /** Requests allowed at once. */
  burst: number;
  /** Sustained requests per minute. */
  perMinute: number;
}

export interface TokenBucketsOptions extends RateLimit {
  /** Buckets kept. Default 10 000. */
  maxClients?: number;
  /** Clock in ms. Default Date.now. */
  now?: () => number;
}

export type TakeResult = { ok: true } | { ok: false; retryAfterS: number };

export class TokenBuckets {
  readonly #burst: number;
  readonly #perMs: number;
  readonly #max: number;
  readonly #now: () => number;
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(options: TokenBucketsOptions) {
    const { burst, perMinute, maxClients = 10_000, now = Date.now } = options;
    if (!Number.isInteger(burst) || burst < 1) throw new RangeError(`burst: expected an integer ≥ 1, got ${String(burst)}`);
    if (typeof perMinute !== 'number' || !(perMinute > 0)) throw new RangeError(`perMinute: expected a number > 0, got ${String(perMinute)}`);
    if (!Number.isInteger(maxClients) || maxClients < 1) throw new RangeError(`maxClients: expected an integer ≥ 1, got ${String(maxClients)}`);
    this.#burst = burst;
    this.#perMs = perMinute / 60_000;
    this.#max = maxClients;
    this.#now = now;
  }

  get size(): number {
    return this.#buckets.size;
  }

  take(key: string): TakeResult {
    const now = this.#now();
    const old = this.#buckets.get(key);
    let tokens = this.#burst;
    if (old) {
      tokens = Math.min(this.#burst, old.tokens + Math.max(0, now - old.at) * this.#perMs);
      this.#buckets.delete(key); // re-inserted below: Map order is recency order
    } else if (this.#buckets.size >= this.#max) {
      this.#buckets.delete(this.#buckets.keys().next().value!);
    }
    if (tokens >= 1) {
      this.#buckets.set(key, { tokens: tokens - 1, at: now });
      return { ok: true };
    }
    this.#buckets.set(key, { tokens, at: now });
    return { ok: false, retryAfterS: Math.max(1, Math.ceil((1 - tokens) / this.#perMs / 1000)) };
  }
}

/** Middleware: one token per request from req.ip (the socket address unless a proxy is trusted). */
export function rateLimit(buckets: TokenBuckets, what: string): RequestHandler {
  return (req, _res, next) => {
    const r = buckets.take(clientKey(req.ip ?? req.socket.remoteAddress));
    if (r.ok) return next();
    next(new ApiError('rate_limited', `too many ${what} requests from this address; retry in ${r.retryAfterS} s`, { headers: { 'Retry-After': String(r.retryAfterS) } }));
  };
}

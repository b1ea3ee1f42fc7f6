// The webhook sink (alerts.webhook): one JSON POST per alert event, in order,
// one at a time, signed with HMAC-SHA256. A delivery that fails with a network
// error, a timeout, 408, 425, 429 or 5xx stays at the head of the queue and is
// retried with exponential backoff and jitter until the receiver takes it; any
// other answer (3xx, 4xx) will not get better and becomes a dead letter, as do
// the oldest deliveries pushed out of a full queue (max_queue).
//
// Request:
//   POST <url>   content-type: application/json
//   x-wirewatch-timestamp: <unix seconds>        (= body.sent_at)
//   x-wirewatch-signature: sha256=<hex HMAC-SHA256(secret, raw body)>
//   x-wirewatch-delivery:  <queue sequence number> (stable across retries)
//   body: {"version":1,"delivery":N,"attempt":K,"sent_at":T,"event":AlertEvent}
// The timestamp is inside the signed body, so a receiver can refuse replays.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { WebhookConfig } from '../config/types.js';
import type { Logger } from '../log/index.js';
import { createAnonymizer, type Anonymizer } from './anonymize.js';
import type { AlertEvent, RetryOptions, WebhookStats } from './types.js';
import type { DeliveryQueue, QueueItem } from './webhook-queue.js';

export const SIGNATURE_HEADER = 'x-wirewatch-signature';
export const TIMESTAMP_HEADER = 'x-wirewatch-timestamp';
export const DELIVERY_HEADER = 'x-wirewatch-delivery';

/** "sha256=<hex>" of `body` under `secret`. */
export function signWebhookBody(secret: string, body: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** For receivers: does `header` sign `rawBody` under `secret`? (constant-time compare) */
export function verifyWebhookSignature(secret: string, rawBody: string | Buffer, header: string | undefined | null): boolean {
  if (typeof header !== 'string') return false;
  const expected = Buffer.from(signWebhookBody(secret, rawBody));
  const got = Buffer.from(header);
  return got.length === expected.length && timingSafeEqual(got, expected);
}

export interface WebhookSenderOptions {
  config: WebhookConfig;
  queue: DeliveryQueue;
  fetch: typeof fetch;
  now: () => number;
  logger: Logger | null;
  retry?: RetryOptions;
  random?: () => number;
}

type Outcome = { ok: true } | { ok: false; retry: boolean; error: string };

export class WebhookSender {
  #config: WebhookConfig;
  #anonymize: Anonymizer | null;
  readonly #queue: DeliveryQueue;
  readonly #fetch: typeof fetch;
  readonly #now: () => number;
  readonly #logger: Logger | null;
  readonly #baseMs: number;
  readonly #maxMs: number;
  readonly #random: () => number;
  #running: Promise<void> | null = null;
  #timer: NodeJS.Timeout | null = null;
  #abort: AbortController | null = null;
  #closed = false;
  #delivered = 0;
  #failed = 0;
  /** Consecutive failures of the head delivery (for the backoff and the "recovered" log line). */
  #streak = 0;
  #lastError: string | null = null;
  #lastLatency: number | null = null;

  constructor(options: WebhookSenderOptions) {
    this.#config = options.config;
    this.#anonymize = options.config.anonymize_key ? createAnonymizer(options.config.anonymize_key) : null;
    this.#queue = options.queue;
    this.#fetch = options.fetch;
    this.#now = options.now;
    this.#logger = options.logger;
    this.#baseMs = positive(options.retry?.baseMs, 1000, 'retry.baseMs');
    this.#maxMs = Math.max(this.#baseMs, positive(options.retry?.maxMs, 60_000, 'retry.maxMs'));
    this.#random = options.random ?? Math.random;
    if (this.#queue.size() > 0) {
      this.#logger?.info('webhook: delivering alerts queued before the restart', { queued: this.#queue.size() });
      this.#kick();
    }
  }

  /** New url, secret, key or bound; queued deliveries are sent with the new settings. */
  setConfig(config: WebhookConfig): void {
    if (config.url !== this.#config.url && this.#timer) {
      // A new receiver: do not make it wait for the old one's backoff.
      clearTimeout(this.#timer);
      this.#timer = null;
      this.#streak = 0;
    }
    this.#config = config;
    this.#anonymize = config.anonymize_key ? createAnonymizer(config.anonymize_key) : null;
    this.#enforceBound();
    this.#kick();
  }

  enqueue(event: AlertEvent): void {
    if (this.#closed) return;
    this.#queue.push(JSON.stringify(event), this.#now());
    this.#enforceBound();
    this.#kick();
  }

  stats(): WebhookStats {
    return {
      queued: this.#queue.size(),
      delivered: this.#delivered,
      failed_attempts: this.#failed,
      dead_letters: this.#queue.deadLetters,
      in_memory: !this.#queue.persistent,
      last_error: this.#lastError,
      last_latency_ms: this.#lastLatency,
    };
  }

  /** Stops sending: aborts the request in flight (it stays queued) and waits for the loop to end. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#abort?.abort();
    await this.#running;
  }

  #enforceBound(): void {
    const over = this.#queue.size() - this.#config.max_queue;
    if (over <= 0) return;
    const dropped = this.#queue.dropOldest(over);
    this.#queue.addDeadLetters(dropped.length);
    this.#logger?.warn('webhook queue full: oldest alerts dropped (dead letters)', {
      dropped: dropped.length,
      max_queue: this.#config.max_queue,
      dead_letters: this.#queue.deadLetters,
    });
  }

  #kick(): void {
    if (this.#closed || this.#running || this.#timer) return;
    this.#running = this.#drain().finally(() => {
      this.#running = null;
    });
  }

  async #drain(): Promise<void> {
    while (!this.#closed) {
      const item = this.#queue.peek();
      if (!item) return;
      const outcome = await this.#attempt(item);
      if (this.#closed) return;
      if (outcome.ok) {
        this.#queue.remove(item.seq);
        this.#delivered++;
        this.#lastLatency = Math.max(0, this.#now() - item.created_at);
        if (this.#streak > 0) this.#logger?.info('webhook delivering again', { failed_attempts: this.#streak });
        this.#streak = 0;
        this.#lastError = null;
        continue;
      }
      this.#failed++;
      this.#lastError = outcome.error;
      if (!outcome.retry) {
        this.#queue.remove(item.seq);
        this.#queue.addDeadLetters(1);
        this.#streak = 0;
        this.#logger?.warn('webhook delivery rejected: dropped (dead letter)', { delivery: item.seq, error: outcome.error, dead_letters: this.#queue.deadLetters });
        continue;
      }
      this.#queue.setAttempts(item.seq, item.attempts + 1);
      if (this.#streak === 0) this.#logger?.warn('webhook delivery failed: retrying with backoff', { delivery: item.seq, error: outcome.error, queued: this.#queue.size() });
      this.#streak++;
      const delay = this.#backoff(this.#streak);
      this.#timer = setTimeout(() => {
        this.#timer = null;
        this.#kick();
      }, delay);
      this.#timer.unref?.();
      return;
    }
  }

  /** Exponential with "equal jitter": half fixed, half random, so retries of many senders spread out. */
  #backoff(failures: number): number {
    const full = Math.min(this.#maxMs, this.#baseMs * 2 ** Math.min(failures - 1, 30));
    return full / 2 + (this.#random() * full) / 2;
  }

  async #attempt(item: QueueItem): Promise<Outcome> {
    let event: AlertEvent;
    try {
      event = JSON.parse(item.event) as AlertEvent;
    } catch {
      return { ok: false, retry: false, error: 'the queued alert is not valid JSON' };
    }
    if (this.#anonymize) event = this.#anonymize(event);
    const sentAt = Math.floor(this.#now() / 1000);
    const body = JSON.stringify({ version: 1, delivery: item.seq, attempt: item.attempts + 1, sent_at: sentAt, event });
    const abort = new AbortController();
    this.#abort = abort;
    const timer = setTimeout(() => abort.abort(new Error(`no answer within ${this.#config.timeout_ms} ms`)), this.#config.timeout_ms);
    try {
      const res = await this.#fetch(this.#config.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'wirewatch-alerts/1',
          [TIMESTAMP_HEADER]: String(sentAt),
          [SIGNATURE_HEADER]: signWebhookBody(this.#config.secret, body),
          [DELIVERY_HEADER]: String(item.seq),
        },
        body,
        redirect: 'manual',
        signal: abort.signal,
      });
      await res.arrayBuffer().catch(() => undefined); // free the connection for reuse
      if (res.status >= 200 && res.status < 300) return { ok: true };
      const retry = res.status === 408 || res.status === 425 || res.status === 429 || res.status >= 500;
      return { ok: false, retry, error: `the receiver answered ${res.status}${res.status >= 300 && res.status < 400 ? ' (redirects are not followed)' : ''}` };
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const reason = abort.signal.aborted && abort.signal.reason instanceof Error ? abort.signal.reason.message : cause?.code ?? cause?.message ?? (error as Error).message;
      return { ok: false, retry: true, error: String(reason) };
    } finally {
      clearTimeout(timer);
      this.#abort = null;
    }
  }
}

function positive(v: number | undefined, fallback: number, name: string): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new RangeError(`${name}: expected a number of ms > 0, got ${String(v)}`);
  return v;
}

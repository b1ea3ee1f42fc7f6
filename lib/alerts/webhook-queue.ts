// Webhook deliveries waiting for the receiver, oldest first. With a database
// the queue is the alert_webhook_queue table, so alerts raised while the
// receiver is down survive a restart; without one it lives in memory.
import type { Database, Statement } from 'better-sqlite3';

export interface QueueItem {
  seq: number;
  /** The AlertEvent as JSON (addresses in clear; anonymized when sent). */
  event: string;
  attempts: number;
  /** Unix ms when queued. */
  created_at: number;
}

export interface DeliveryQueue {
  readonly persistent: boolean;
  push(event: string, now: number): void;
  peek(): QueueItem | undefined;
  remove(seq: number): void;
  setAttempts(seq: number, attempts: number): void;
  size(): number;
  /** Removes the `n` oldest items and returns them. */
  dropOldest(n: number): QueueItem[];
  /** Dead letters so far (kept across restarts when persistent). */
  readonly deadLetters: number;
  addDeadLetters(n: number): void;
}

export class MemoryQueue implements DeliveryQueue {
  readonly persistent = false;
  #items: QueueItem[] = [];
  #seq = 1;
  #dead = 0;

  push(event: string, now: number): void {
    this.#items.push({ seq: this.#seq++, event, attempts: 0, created_at: now });
  }
  peek(): QueueItem | undefined {
    const head = this.#items[0];
    return head ? { ...head } : undefined;
  }
  remove(seq: number): void {
    const i = this.#items.findIndex((x) => x.seq === seq);
    if (i >= 0) this.#items.splice(i, 1);
  }
  setAttempts(seq: number, attempts: number): void {
    const item = this.#items.find((x) => x.seq === seq);
    if (item) item.attempts = attempts;
  }
  size(): number {
    return this.#items.length;
  }
  dropOldest(n: number): QueueItem[] {
    return this.#items.splice(0, Math.max(0, n));
  }
  get deadLetters(): number {
    return this.#dead;
  }
  addDeadLetters(n: number): void {
    this.#dead += n;
  }
}

const DEAD_KEY = 'webhook_dead_letters';

export class SqliteQueue implements DeliveryQueue {
  readonly persistent = true;
  readonly #db: Database;
  readonly #push: Statement;
  readonly #peek: Statement;
  readonly #remove: Statement;
  readonly #attempts: Statement;
  readonly #size: Statement;
  readonly #oldest: Statement;
  readonly #addDead: Statement;
  #dead: number;

  constructor(db: Database) {
    this.#db = db;
    this.#push = db.prepare('INSERT INTO alert_webhook_queue (event, attempts, created_at) VALUES (?, 0, ?)');
    this.#peek = db.prepare('SELECT seq, event, attempts, created_at FROM alert_webhook_queue ORDER BY seq LIMIT 1');
    this.#remove = db.prepare('DELETE FROM alert_webhook_queue WHERE seq = ?');
    this.#attempts = db.prepare('UPDATE alert_webhook_queue SET attempts = ? WHERE seq = ?');
    this.#size = db.prepare('SELECT count(*) AS n FROM alert_webhook_queue').pluck();
    this.#oldest = db.prepare('SELECT seq, event, attempts, created_at FROM alert_webhook_queue ORDER BY seq LIMIT ?');
    this.#addDead = db.prepare(
      'INSERT INTO alert_counters (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = value + excluded.value',
    );
    const row = db.prepare('SELECT value FROM alert_counters WHERE key = ?').pluck().get(DEAD_KEY) as number | undefined;
    this.#dead = row ?? 0;
  }

  push(event: string, now: number): void {
    this.#push.run(event, Math.round(now));
  }
  peek(): QueueItem | undefined {
    return this.#peek.get() as QueueItem | undefined;
  }
  remove(seq: number): void {
    this.#remove.run(seq);
  }
  setAttempts(seq: number, attempts: number): void {
    this.#attempts.run(attempts, seq);
  }
  size(): number {
    return this.#size.get() as number;
  }
  dropOldest(n: number): QueueItem[] {
    if (n <= 0) return [];
    return this.#db.transaction(() => {
      const items = this.#oldest.all(n) as QueueItem[];
      for (const item of items) this.#remove.run(item.seq);
      return items;
    })();
  }
  get deadLetters(): number {
    return this.#dead;
  }
  addDeadLetters(n: number): void {
    if (n <= 0) return;
    this.#dead += n;
    this.#addDead.run(DEAD_KEY, n);
  }
}

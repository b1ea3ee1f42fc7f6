// Alert history: the latest state of each recent alert in memory (what
// /api/alerts serves) and, with a database, one row per alert in
// alert_history (updated when it resolves), pruned to the newest rows.
import type { Database, Statement } from 'better-sqlite3';
import type { AlertEvent, AlertListQuery } from './types.js';

/** Alerts kept in memory for list(). */
export const MEMORY_ALERTS = 1000;
/** Rows kept in alert_history (oldest deleted beyond). */
export const HISTORY_ROWS = 100_000;
const DEFAULT_LIMIT = 100;

interface Row {
  id: number;
  rule: string;
  kind: string;
  severity: string;
  state: string;
  host: string | null;
  peer: string | null;
  source: string | null;
  value: number;
  threshold: number | null;
  score: number | null;
  reason: string;
  started_at: number;
  resolved_at: number | null;
  time: number;
}

function toRow(e: AlertEvent): Row {
  return {
    id: e.id,
    rule: e.rule,
    kind: e.kind,
    severity: e.severity,
    state: e.state,
    host: e.host ?? null,
    peer: e.peer ?? null,
    source: e.source ?? null,
    value: e.value,
    threshold: e.threshold ?? null,
    score: e.score ?? null,
    reason: e.reason,
    started_at: e.started_at,
    resolved_at: e.resolved_at ?? null,
    time: e.time,
  };
}

function fromRow(r: Row): AlertEvent {
  const e: AlertEvent = {
    id: r.id,
    rule: r.rule,
    kind: r.kind === 'anomaly' ? 'anomaly' : 'threshold',
    severity: r.severity === 'critical' || r.severity === 'warning' ? r.severity : 'info',
    state: r.state === 'firing' ? 'firing' : 'resolved',
    value: r.value,
    reason: r.reason,
    started_at: r.started_at,
    time: r.time,
  };
  if (r.host !== null) e.host = r.host;
  if (r.peer !== null) e.peer = r.peer;
  if (r.source !== null) e.source = r.source;
  if (r.threshold !== null) e.threshold = r.threshold;
  if (r.score !== null) e.score = r.score;
  if (r.resolved_at !== null) e.resolved_at = r.resolved_at;
  return e;
}

export class AlertHistory {
  /** id → latest state; Map order = first fired first. */
  readonly #recent = new Map<number, AlertEvent>();
  readonly #upsert: Statement | null;
  readonly #prune: Statement | null;
  #nextId = 1;
  #writes = 0;

  /** Loads the newest alerts; alerts still firing from a previous run are closed (nothing will resolve them). */
  constructor(db: Database | undefined) {
    if (!db) {
      this.#upsert = this.#prune = null;
      return;
    }
    const max = db.prepare('SELECT max(id) AS id FROM alert_history').get() as { id: number | null };
    this.#nextId = (max.id ?? 0) + 1;
    db.prepare(
      `UPDATE alert_history SET state = 'resolved', resolved_at = time, reason = reason || '; closed: wirewatch restarted while it was firing' WHERE state = 'firing'`,
    ).run();
    const rows = db.prepare('SELECT * FROM alert_history ORDER BY id DESC LIMIT ?').all(MEMORY_ALERTS) as Row[];
    for (const r of rows.reverse()) this.#recent.set(r.id, fromRow(r));
    this.#upsert = db.prepare(
      `INSERT OR REPLACE INTO alert_history (id, rule, kind, severity, state, host, peer, source, value, threshold, score, reason, started_at, resolved_at, time)
       VALUES (@id, @rule, @kind, @severity, @state, @host, @peer, @source, @value, @threshold, @score, @reason, @started_at, @resolved_at, @time)`,
    );
    this.#prune = db.prepare('DELETE FROM alert_history WHERE id <= (SELECT id FROM alert_history ORDER BY id DESC LIMIT 1 OFFSET ?)');
  }

  nextId(): number {
    return this.#nextId++;
  }

  /** In memory first (never fails); then the row. A database error is thrown for the caller to log. */
  record(event: AlertEvent): void {
    if (!this.#recent.has(event.id) && this.#recent.size >= MEMORY_ALERTS) {
      this.#recent.delete(this.#recent.keys().next().value as number);
    }
    this.#recent.set(event.id, event);
    if (!this.#upsert) return;
    this.#upsert.run(toRow(event));
    if (++this.#writes % 1000 === 0) this.#prune!.run(HISTORY_ROWS);
  }

  list(query: AlertListQuery = {}): AlertEvent[] {
    const limit = Number.isInteger(query.limit) && query.limit! > 0 ? Math.min(query.limit!, MEMORY_ALERTS) : DEFAULT_LIMIT;
    const out: AlertEvent[] = [];
    const all = [...this.#recent.values()];
    for (let i = all.length - 1; i >= 0 && out.length < limit; i--) {
      const e = all[i]!;
      if (query.state === undefined || e.state === query.state) out.push({ ...e });
    }
    return out;
  }
}

// Tables of lib/alerts. Idempotent (IF NOT EXISTS), so it can run as one of the
// store's versioned migrations and again at every start without harm.
import type { Database } from 'better-sqlite3';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS alert_history (
  id INTEGER PRIMARY KEY,
  rule TEXT NOT NULL, kind TEXT NOT NULL, severity TEXT NOT NULL, state TEXT NOT NULL,
  host TEXT, peer TEXT, source TEXT,
  value REAL NOT NULL, threshold REAL, score REAL,
  reason TEXT NOT NULL,
  started_at REAL NOT NULL, resolved_at REAL, time REAL NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS alert_history_time ON alert_history (time);

-- One row per local host: its baseline as JSON (see baseline-codec.ts).
CREATE TABLE IF NOT EXISTS alert_baselines (
  host TEXT PRIMARY KEY,
  data TEXT NOT NULL,
  updated_at INTEGER NOT NULL
) WITHOUT ROWID, STRICT;

-- Webhook deliveries not yet accepted by the receiver, oldest first.
CREATE TABLE IF NOT EXISTS alert_webhook_queue (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  event TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL
) STRICT;

-- Counters that outlive a restart (webhook dead letters).
CREATE TABLE IF NOT EXISTS alert_counters (
  key TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID, STRICT;
`;

export const ALERT_TABLES = ['alert_history', 'alert_baselines', 'alert_webhook_queue', 'alert_counters'] as const;

/** Creates the alert tables when missing. Safe to call on every start. */
export function migrateAlerts(db: Database): void {
  db.exec(SCHEMA);
}

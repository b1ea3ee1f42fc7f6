// Versioned schema. `PRAGMA user_version` holds the version; MIGRATIONS is an
// ordered list and each entry runs in its own transaction together with the
// version bump, so a crash mid-upgrade leaves the previous version intact.
// A release that needs a new table (API sessions, alerts, baselines) appends
// one entry; entries already shipped are never edited.
import type { Database } from 'better-sqlite3';
import { parseAddress } from './address.js';

export interface Migration {
  version: number;
  description: string;
  up(db: Database): void;
}

// Counters and nanosecond times are INTEGER: SQLite stores 64-bit integers,
// enough for ns until 2262 and bytes far past 2^32. STRICT rejects a value of
// the wrong type instead of storing it as text.
const V1 = `
CREATE TABLE samples (
  ts INTEGER NOT NULL, source INTEGER NOT NULL, cls TEXT NOT NULL,
  packets INTEGER NOT NULL, bytes INTEGER NOT NULL,
  PRIMARY KEY (ts, source, cls)
) WITHOUT ROWID, STRICT;

CREATE TABLE rollups (
  ts INTEGER NOT NULL, source INTEGER NOT NULL, cls TEXT NOT NULL,
  packets INTEGER NOT NULL, bytes INTEGER NOT NULL,
  PRIMARY KEY (ts, source, cls)
) WITHOUT ROWID, STRICT;

CREATE TABLE flows (
  id INTEGER PRIMARY KEY,
  community_id TEXT NOT NULL,
  source INTEGER NOT NULL, vlan INTEGER NOT NULL, proto INTEGER NOT NULL,
  src_ip TEXT NOT NULL, src_port INTEGER NOT NULL,
  dst_ip TEXT NOT NULL, dst_port INTEGER NOT NULL,
  first_ns INTEGER NOT NULL, last_ns INTEGER NOT NULL,
  packets_c2s INTEGER NOT NULL, bytes_c2s INTEGER NOT NULL,
  packets_s2c INTEGER NOT NULL, bytes_s2c INTEGER NOT NULL,
  tcp_flags INTEGER NOT NULL, state TEXT NOT NULL, end_reason TEXT
) STRICT;
CREATE INDEX flows_last ON flows (last_ns);

CREATE TABLE source_stats (
  ts INTEGER NOT NULL, source INTEGER NOT NULL, name TEXT NOT NULL,
  packets INTEGER NOT NULL, bytes INTEGER NOT NULL,
  kernel_drops INTEGER NOT NULL, if_drops INTEGER NOT NULL, ring_drops INTEGER NOT NULL,
  PRIMARY KEY (ts, source)
) WITHOUT ROWID, STRICT;
`;

// v2: 16-byte address keys so address and CIDR filters are index range scans
// (text would sort "10.0.0.10" before "10.0.0.9"), and the longest record span
// so a time-overlap query can bound its last_ns range (see queries.ts).
const V2 = `
ALTER TABLE flows ADD COLUMN src_addr BLOB;
ALTER TABLE flows ADD COLUMN dst_addr BLOB;
UPDATE flows SET src_addr = ww_addr16(src_ip), dst_addr = ww_addr16(dst_ip);
CREATE INDEX flows_src ON flows (src_addr, last_ns);
CREATE INDEX flows_dst ON flows (dst_addr, last_ns);
CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID, STRICT;
INSERT INTO meta (key, value) VALUES ('flow_max_span_ns', (SELECT coalesce(max(last_ns - first_ns), 0) FROM flows));
`;

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, description: 'samples, rollups, flows, source_stats', up: (db) => db.exec(V1) },
  {
    version: 2,
    description: 'flows: 16-byte address columns and indexes; meta.flow_max_span_ns',
    up: (db) => {
      db.function('ww_addr16', { deterministic: true }, (text: unknown) => (typeof text === 'string' ? parseAddress(text) : null));
      db.exec(V2);
    },
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

export function schemaVersion(db: Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Brings `db` to `target` (default: the latest) by running, in order, each
 * migration above the current version, each in its own IMMEDIATE transaction
 * with its version bump. Returns the versions before and after. The caller
 * checks first that the database is not newer than this code.
 */
export function migrate(db: Database, target = SCHEMA_VERSION, migrations: readonly Migration[] = MIGRATIONS): { from: number; to: number } {
  const from = schemaVersion(db);
  for (const m of migrations) {
    if (m.version <= from || m.version > target) continue;
    db.transaction(() => {
      if (schemaVersion(db) >= m.version) return; // another process upgraded meanwhile
      m.up(db);
      db.pragma(`user_version = ${m.version}`);
    }).immediate();
  }
  return { from, to: schemaVersion(db) };
}

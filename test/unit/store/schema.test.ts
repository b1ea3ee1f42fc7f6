// Versioned migrations: an empty file becomes the latest schema; a database made
// by the v1 migration alone (the previous release) is upgraded in place with
// its rows kept and the new columns backfilled; a failing migration leaves the
// previous version intact.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { MIGRATIONS, migrate, SCHEMA_VERSION, Store, type Migration } from '../../../lib/store/index.js';
import { flow, removeTempDirs, sample, tempDir } from './helpers.js';

afterEach(removeTempDirs);

const tables = (db: Database.Database) =>
  (db.prepare("SELECT name FROM sqlite_schema WHERE type IN ('table', 'index') AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all() as string[]);

const columns = (db: Database.Database, table: string) => (db.pragma(`table_info(${table})`) as Array<{ name: string }>).map((c) => c.name);

/** A database exactly as the v1 release created it. */
function v1Database(path: string): Database.Database {
  const db = new Database(path);
  db.pragma('auto_vacuum = INCREMENTAL');
  db.pragma('journal_mode = WAL');
  expect(migrate(db, 1)).toEqual({ from: 0, to: 1 });
  return db;
}

describe('migrations', () => {
  it('versions are 1..N in order', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
    expect(SCHEMA_VERSION).toBe(MIGRATIONS.length);
  });

  it('an empty file becomes the latest schema', () => {
    const path = join(tempDir(), 'wirewatch.db');
    const store = Store.open(path);
    expect(store.schemaVersion).toBe(SCHEMA_VERSION);
    store.close();
    const db = new Database(path, { readonly: true });
    expect(tables(db)).toEqual(['flows', 'flows_dst', 'flows_last', 'flows_src', 'meta', 'rollups', 'samples', 'source_stats']);
    expect(columns(db, 'flows')).toEqual([
      'id', 'community_id', 'source', 'vlan', 'proto', 'src_ip', 'src_port', 'dst_ip', 'dst_port', 'first_ns', 'last_ns',
      'packets_c2s', 'bytes_c2s', 'packets_s2c', 'bytes_s2c', 'tcp_flags', 'state', 'end_reason', 'src_addr', 'dst_addr',
    ]);
    db.close();
  });

  it('a zero-length file (touch) is a new database', () => {
    const path = join(tempDir(), 'wirewatch.db');
    new Database(path).close(); // creates an empty file
    const store = Store.open(path);
    expect(store.schemaVersion).toBe(SCHEMA_VERSION);
    store.close();
  });

  it('v1 → latest keeps every row, backfills the address keys and the span, and the new queries find old rows', () => {
    const path = join(tempDir(), 'wirewatch.db');
    const db = v1Database(path);
    expect(columns(db, 'flows')).not.toContain('src_addr');
    const old = [
      flow(1_700_000_000, { src_ip: '10.1.2.3', dst_ip: '2001:db8::5', proto: 17 }, 30),
      flow(1_700_000_100, { src_ip: '192.0.2.9', dst_ip: '10.9.9.9', bytes_c2s: 5_000_000_000 }, 7),
    ];
    const insert = db.prepare(
      'INSERT INTO flows (community_id, source, vlan, proto, src_ip, src_port, dst_ip, dst_port, first_ns, last_ns, packets_c2s, bytes_c2s, packets_s2c, bytes_s2c, tcp_flags, state, end_reason) ' +
        'VALUES (@community_id, @source, @vlan, @proto, @src_ip, @src_port, @dst_ip, @dst_port, @first_ns, @last_ns, @packets_c2s, @bytes_c2s, @packets_s2c, @bytes_s2c, @tcp_flags, @state, @end_reason)',
    );
    for (const r of old) insert.run({ ...r, first_ns: BigInt(r.first_ns), last_ns: BigInt(r.last_ns) });
    db.prepare('INSERT INTO samples VALUES (?, ?, ?, ?, ?)').run(1_700_000_001, 0, 'tcp', 5, 500);
    db.prepare('INSERT INTO rollups VALUES (?, ?, ?, ?, ?)').run(1_699_999_980, 0, 'tcp', 5, 500);
    db.close();

    const store = Store.open(path);
    expect(store.schemaVersion).toBe(SCHEMA_VERSION);
    const all = store.flows({ from: 1_600_000_000, to: 1_800_000_000, order: 'asc' });
    expect(all.flows).toEqual(old);
    expect(store.flows({ from: 1_600_000_000, to: 1_800_000_000, cidr: '10.0.0.0/8' }).flows).toHaveLength(2);
    expect(store.flows({ from: 1_600_000_000, to: 1_800_000_000, cidr: '2001:db8::/32' }).flows).toEqual([old[0]]);
    // the backfilled span (30 s) lets a range that ends inside the long record find it
    expect(store.flows({ from: 1_700_000_020, to: 1_700_000_021 }).flows).toEqual([old[0]]);
    expect(store.history({ from: 1_700_000_000, to: 1_700_000_002, now: 1_700_000_010 }).series.tcp).toEqual([{ ts: 1_700_000_001, packets: 5, bytes: 500, pps: 5, bps: 4000 }]);
    // new writes work on the upgraded file
    expect(store.insertSamples([sample(1_700_000_001, 'tcp', 1, 100)]).written).toBe(1);
    store.close();

    const again = Store.open(path); // opening an up-to-date database migrates nothing
    expect(again.schemaVersion).toBe(SCHEMA_VERSION);
    again.close();
  });

  it('a migration that fails is rolled back whole: the file stays at the previous version', () => {
    const path = join(tempDir(), 'wirewatch.db');
    Store.open(path).close();
    const db = new Database(path);
    const broken: Migration = {
      version: SCHEMA_VERSION + 1,
      description: 'test: creates a table, then fails',
      up: (d) => {
        d.exec('CREATE TABLE half_done (x INTEGER)');
        d.exec('INSERT INTO no_such_table VALUES (1)');
      },
    };
    expect(() => migrate(db, SCHEMA_VERSION + 1, [...MIGRATIONS, broken])).toThrow(/no such table/);
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(tables(db)).not.toContain('half_done');
    // a later release's working migration applies on top
    const next: Migration = { version: SCHEMA_VERSION + 1, description: 'test: alerts', up: (d) => d.exec('CREATE TABLE alerts (id INTEGER PRIMARY KEY)') };
    expect(migrate(db, SCHEMA_VERSION + 1, [...MIGRATIONS, next])).toEqual({ from: SCHEMA_VERSION, to: SCHEMA_VERSION + 1 });
    expect(tables(db)).toContain('alerts');
    db.close();
  });
});

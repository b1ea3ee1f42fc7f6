import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrateSessions, SESSIONS_TABLE, SessionStore } from '../../../lib/api/auth/sessions.js';

function store(options: { idleMs?: number; maxMs?: number; maxSessions?: number } = {}) {
  const db = new Database(':memory:');
  const clock = { t: 1_000_000 };
  const s = new SessionStore(db, { idleMs: options.idleMs ?? 60_000, maxMs: options.maxMs ?? 600_000, now: () => clock.t, ...(options.maxSessions ? { maxSessions: options.maxSessions } : {}) });
  return { db, clock, s };
}

describe('SessionStore', () => {
  it('rejects non-positive timeouts', () => {
    const db = new Database(':memory:');
    expect(() => new SessionStore(db, { idleMs: 0, maxMs: 1, now: Date.now })).toThrow(RangeError);
    expect(() => new SessionStore(db, { idleMs: 1, maxMs: Number.NaN, now: Date.now })).toThrow(RangeError);
  });

  it('ignores tokens that cannot be ours without touching the database', () => {
    const { s } = store();
    for (const t of ['', 'x', 'a'.repeat(42), 'a'.repeat(44), `${'a'.repeat(42)}=`, `${'a'.repeat(42)}/`, "' OR 1=1 --"]) {
      expect(s.lookup(t)).toBeNull();
      expect(s.revoke(t)).toBe(false);
    }
  });

  it('migrateSessions is idempotent', () => {
    const db = new Database(':memory:');
    migrateSessions(db);
    migrateSessions(db);
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type IN ('table', 'index') AND name LIKE 'api_sessions%' ORDER BY name").all();
    expect(tables.map((t) => (t as { name: string }).name)).toEqual(['api_sessions', 'api_sessions_created', 'api_sessions_last_seen']);
  });

  it('stores only the SHA-256 of a 256-bit token', () => {
    const { db, s } = store();
    const { token, session } = s.create('alice');
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(session).toEqual({ username: 'alice', createdMs: 1_000_000, lastSeenMs: 1_000_000, expiresMs: 1_600_000 });
    const rows = db.prepare(`SELECT * FROM ${SESSIONS_TABLE}`).all() as Array<{ token_hash: Buffer }>;
    expect(rows).toHaveLength(1);
    expect(rows[0]!.token_hash.equals(createHash('sha256').update(token).digest())).toBe(true);
    expect(JSON.stringify(rows)).not.toContain(token);
    expect(s.create('alice').token).not.toBe(token);
  });

  it('idle and absolute expiry; use refreshes the idle timer (throttled)', () => {
    const { clock, s } = store({ idleMs: 60_000, maxMs: 150_000 });
    const { token } = s.create('bob');
    clock.t += 59_000;
    expect(s.lookup(token)?.lastSeenMs).toBe(clock.t);
    clock.t += 3_000; // < idle/10 since the last touch: no write
    expect(s.lookup(token)?.lastSeenMs).toBe(clock.t - 3_000);
    clock.t += 57_000; // 60 s after the last write
    expect(s.lookup(token)).toBeNull();
    expect(s.count).toBe(0);

    const b = s.create('bob');
    for (let i = 0; i < 2; i++) {
      clock.t += 50_000;
      expect(s.lookup(b.token)).not.toBeNull();
    }
    clock.t += 50_000; // 150 s after login
    expect(s.lookup(b.token)).toBeNull();
  });

  it('purges expired sessions and keeps at most maxSessions (oldest out)', () => {
    const { clock, s } = store({ maxSessions: 3 });
    const tokens = [];
    for (let i = 0; i < 5; i++) {
      tokens.push(s.create(`u${i}`).token);
      clock.t += 1;
    }
    expect(s.count).toBe(3);
    expect(s.lookup(tokens[0]!)).toBeNull();
    expect(s.lookup(tokens[4]!)?.username).toBe('u4');
    clock.t += 10 * 60_000;
    expect(s.purgeExpired()).toBe(3);
  });
});

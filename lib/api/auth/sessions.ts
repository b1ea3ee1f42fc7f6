// Login sessions in SQLite (table api_sessions), so they survive a restart.
// The token (256 random bits, base64url) is given to the client once and
// stored only as its SHA-256: a copy of the database lets nobody log in.
// A session ends after `idleMs` without use or `maxMs` after login, whichever
// comes first. Use refreshes last_seen at most every min(60 s, idle/10), so a
// busy dashboard does not write once per request (the idle timeout is exact to
// within that).
//
// better-sqlite3 is synchronous: every call here is one indexed statement on
// the caller's thread (microseconds), never a scan.
import { createHash, randomBytes } from 'node:crypto';
import type { Database, Statement } from 'better-sqlite3';

export const SESSIONS_TABLE = 'api_sessions';

/** Creates the sessions table and its indexes if missing. Idempotent: safe at every start and as one of the store's migrations. */
export function migrateSessions(db: Database): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS ${SESSIONS_TABLE} (
      token_hash BLOB PRIMARY KEY NOT NULL,
      username TEXT NOT NULL,
      created_ms INTEGER NOT NULL,
      last_seen_ms INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS ${SESSIONS_TABLE}_last_seen ON ${SESSIONS_TABLE} (last_seen_ms);
    CREATE INDEX IF NOT EXISTS ${SESSIONS_TABLE}_created ON ${SESSIONS_TABLE} (created_ms);
  `);
}

/** 32 random bytes as base64url: 43 characters. */
const TOKEN = /^[A-Za-z0-9_-]{43}$/;
export const SESSION_TOKEN_BYTES = 32;

export interface SessionStoreOptions {
  idleMs: number;
  maxMs: number;
  now: () => number;
  /** Sessions kept at most; the oldest go first. Default 10 000. */
  maxSessions?: number;
}

export interface Session {
  username: string;
  createdMs: number;
  lastSeenMs: number;
  /** When the session ends if used continuously (absolute expiry), ms. */
  expiresMs: number;
}

function hashToken(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

export class SessionStore {
  readonly #idleMs: number;
  readonly #maxMs: number;
  readonly #now: () => number;
  readonly #maxSessions: number;
  readonly #touchEveryMs: number;
  readonly #insert: Statement;
  readonly #get: Statement;
  readonly #touch: Statement;
  readonly #delete: Statement;
  readonly #purge: Statement;
  readonly #count: Statement;
  readonly #trim: Statement;

  constructor(db: Database, options: SessionStoreOptions) {
    const { idleMs, maxMs, now, maxSessions = 10_000 } = options;
    if (!(idleMs > 0) || !(maxMs > 0)) throw new RangeError('idleMs and maxMs must be > 0');
    this.#idleMs = idleMs;
    this.#maxMs = maxMs;
    this.#now = now;
    this.#maxSessions = maxSessions;
    this.#touchEveryMs = Math.min(60_000, idleMs / 10);
    migrateSessions(db);
    const t = SESSIONS_TABLE;
    this.#insert = db.prepare(`INSERT INTO ${t} (token_hash, username, created_ms, last_seen_ms) VALUES (?, ?, ?, ?)`);
    this.#get = db.prepare(`SELECT username, created_ms, last_seen_ms FROM ${t} WHERE token_hash = ?`);
    this.#touch = db.prepare(`UPDATE ${t} SET last_seen_ms = ? WHERE token_hash = ?`);
    this.#delete = db.prepare(`DELETE FROM ${t} WHERE token_hash = ?`);
    this.#purge = db.prepare(`DELETE FROM ${t} WHERE last_seen_ms < ? OR created_ms < ?`);
    this.#count = db.prepare(`SELECT count(*) AS n FROM ${t}`);
    this.#trim = db.prepare(`DELETE FROM ${t} WHERE token_hash IN (SELECT token_hash FROM ${t} ORDER BY created_ms LIMIT ?)`);
  }

  /** A new session for `username`; the token is returned here and never again. */
  create(username: string): { token: string; session: Session } {
    const now = this.#now();
    this.purgeExpired();
    const over = (this.#count.get() as { n: number }).n - this.#maxSessions + 1;
    if (over > 0) this.#trim.run(over);
    const token = randomBytes(SESSION_TOKEN_BYTES).toString('base64url');
    this.#insert.run(hashToken(token), username, now, now);
    return { token, session: { username, createdMs: now, lastSeenMs: now, expiresMs: now + this.#maxMs } };
  }

  /** The live session of `token`, refreshed; null (and the row deleted) if unknown or expired. */
  lookup(token: string): Session | null {
    if (!TOKEN.test(token)) return null;
    const hash = hashToken(token);
    const row = this.#get.get(hash) as { username: string; created_ms: number; last_seen_ms: number } | undefined;
    if (!row) return null;
    const now = this.#now();
    if (now - row.last_seen_ms >= this.#idleMs || now - row.created_ms >= this.#maxMs) {
      this.#delete.run(hash);
      return null;
    }
    let lastSeen = row.last_seen_ms;
    if (now - lastSeen >= this.#touchEveryMs) {
      this.#touch.run(now, hash);
      lastSeen = now;
    }
    return { username: row.username, createdMs: row.created_ms, lastSeenMs: lastSeen, expiresMs: row.created_ms + this.#maxMs };
  }

  /** Ends a session (logout). True if it existed. */
  revoke(token: string): boolean {
    if (!TOKEN.test(token)) return false;
    return this.#delete.run(hashToken(token)).changes > 0;
  }

  /** Deletes every expired session; returns how many. */
  purgeExpired(): number {
    const now = this.#now();
    return this.#purge.run(now - this.#idleMs, now - this.#maxMs).changes;
  }

  get count(): number {
    return (this.#count.get() as { n: number }).n;
  }
}

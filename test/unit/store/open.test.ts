// Start-up: every way the database cannot be opened or written is a StoreError
// with a stable code and a message naming the path and the fix; then what a
// good open sets up (WAL, synchronous, incremental auto-vacuum, busy timeout).
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { SCHEMA_VERSION, Store, StoreError, type StoreErrorCode } from '../../../lib/store/index.js';
import { runChild } from '../../support/child.js';
import { isRoot } from '../../support/paths.js';
import { removeTempDirs, sample, tempDir } from './helpers.js';

const openWrite = new URL('./children/open-write.ts', import.meta.url).pathname;
const NOBODY = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'];

afterEach(removeTempDirs);

function openError(path: string, options = {}): StoreError {
  try {
    Store.open(path, options).close();
  } catch (error) {
    expect(error).toBeInstanceOf(StoreError);
    return error as StoreError;
  }
  throw new Error(`Store.open(${path}) succeeded`);
}

function expectError(e: StoreError, code: StoreErrorCode, path: string, fix: RegExp): void {
  expect(e.code).toBe(code);
  expect(e.path).toBe(path);
  expect(e.message).toContain(path);
  expect(e.message).toMatch(fix);
}

describe('Store.open: failures at start', () => {
  it('a parent directory that cannot be created → store_open_failed', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'file'), 'x');
    const path = join(dir, 'file', 'sub', 'wirewatch.db');
    expectError(openError(path), 'store_open_failed', path, /ENOTDIR.*storage\.path/);
  });

  it('a directory at the path → store_open_failed, suggesting a file inside it', () => {
    const dir = tempDir();
    const path = join(dir, 'wirewatch.db');
    mkdirSync(path);
    expectError(openError(path), 'store_open_failed', path, /is a directory.*wirewatch\.db\/wirewatch\.db/);
  });

  it('a file that is not a database → store_corrupt', () => {
    const path = join(tempDir(), 'wirewatch.db');
    writeFileSync(path, 'this is a YAML config, not a database\n'.repeat(200));
    expectError(openError(path), 'store_corrupt', path, /not a SQLite database.*move it aside/);
  });

  it('a damaged database header → store_corrupt', () => {
    const path = join(tempDir(), 'wirewatch.db');
    Store.open(path).close();
    const db = new Database(path);
    const size = (db.pragma('page_size', { simple: true }) as number) * (db.pragma('page_count', { simple: true }) as number);
    db.close();
    // keep the 16-byte magic, garble the rest of page 1 (page size, schema)
    const bytes = Buffer.alloc(size, 0xa5);
    Buffer.from('SQLite format 3\0').copy(bytes);
    writeFileSync(path, bytes);
    expectError(openError(path), 'store_corrupt', path, /move it aside/);
  });

  it('a database from a newer release → store_schema_newer, file untouched', () => {
    const path = join(tempDir(), 'wirewatch.db');
    Store.open(path).close();
    const db = new Database(path);
    db.pragma(`user_version = ${SCHEMA_VERSION + 7}`);
    db.close();
    expectError(openError(path), 'store_schema_newer', path, /upgrade wirewatch/);
    const again = new Database(path, { readonly: true });
    expect(again.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION + 7);
    again.close();
  });

  it('a read-only database file → store_readonly (checked by a write probe, not on first flush)', () => {
    const dir = tempDir();
    const path = join(dir, 'wirewatch.db');
    Store.open(path).close();
    chmodSync(path, 0o444);
    if (isRoot) {
      // root ignores file modes: open it as nobody, for whom the root-owned 0444 file is read-only
      chmodSync(dir, 0o755);
      const { result, stderr } = runChild(openWrite, [path], NOBODY);
      expect(result, stderr).toMatchObject({ ok: false, code: 'store_readonly', uid: 65534 });
      expect(result.message).toContain(path);
      expect(result.message).toMatch(/writable by the daemon's user/);
    } else {
      expectError(openError(path), 'store_readonly', path, /writable/);
    }
  });

  it('a read-only directory with a writable file → store_readonly (WAL needs -wal/-shm beside it)', () => {
    const dir = tempDir();
    const path = join(dir, 'wirewatch.db');
    Store.open(path).close();
    chmodSync(path, 0o666);
    chmodSync(dir, 0o555);
    if (isRoot) {
      const { result, stderr } = runChild(openWrite, [path], NOBODY);
      expect(result, stderr).toMatchObject({ ok: false, code: 'store_readonly', uid: 65534 });
      expect(result.message).toContain(path);
    } else {
      expect(openError(path).code).toBe('store_readonly');
    }
    chmodSync(dir, 0o755);
  });

  it('bad options are RangeErrors naming the option, before any file is touched', () => {
    const path = join(tempDir(), 'x', 'wirewatch.db');
    expect(() => Store.open(path, { samplesHours: 0 })).toThrow(/samplesHours/);
    expect(() => Store.open(path, { retentionDays: Number.NaN })).toThrow(/retentionDays/);
    expect(() => Store.open(path, { busyTimeoutMs: -1 })).toThrow(/busyTimeoutMs/);
    expect(() => Store.open('')).toThrow(TypeError);
    expect(existsSync(path)).toBe(false);
  });

  it('readonly: a missing file is not created → store_open_failed', () => {
    const path = join(tempDir(), 'absent.db');
    expect(openError(path, { readonly: true }).code).toBe('store_open_failed');
    expect(existsSync(path)).toBe(false);
  });
});

describe.skipIf(!isRoot)('Store.open on a full or read-only file system (tmpfs)', () => {
  const mounts: string[] = [];
  const mount = (size: string) => {
    const dir = mkdtempSync(join(tmpdir(), 'ww-store-mnt-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]);
    mounts.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const m of mounts.splice(0)) {
      execFileSync('umount', ['-l', m]);
      rmSync(m, { recursive: true, force: true });
    }
  });

  it('a full disk → store_full', () => {
    const dir = mount('64k');
    try {
      writeFileSync(join(dir, 'filler'), Buffer.alloc(1 << 20));
    } catch {
      // ENOSPC: the disk is full now, which is the point
    }
    const path = join(dir, 'wirewatch.db');
    expectError(openError(path), 'store_full', path, /full.*free space/);
  });

  it('an existing database on a read-only mount → store_readonly', () => {
    const dir = mount('4m');
    const path = join(dir, 'wirewatch.db');
    Store.open(path).close();
    execFileSync('mount', ['-o', 'remount,ro', dir]);
    expectError(openError(path), 'store_readonly', path, /cannot be written/);
  });
});

describe('Store.open: a good database', () => {
  it('creates the directory and sets WAL, synchronous=NORMAL, incremental auto-vacuum and a busy timeout', () => {
    const path = join(tempDir(), 'deep', 'er', 'wirewatch.db');
    const store = Store.open(path, { busyTimeoutMs: 1234 });
    expect(store.schemaVersion).toBe(SCHEMA_VERSION);
    store.insertSamples([sample(100, 'tcp', 1, 60)]);
    store.close();
    const db = new Database(path);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('auto_vacuum', { simple: true })).toBe(2); // INCREMENTAL
    db.close();
    // per-connection settings, read from a live Store through a second open
    const s2 = Store.open(path, { busyTimeoutMs: 1234 });
    expect(s2.options).toMatchObject({ samplesHours: 24, retentionDays: 30, busyTimeoutMs: 1234, readonly: false });
    s2.close();
  });

  it('readonly stores read alongside a writer and refuse writes', () => {
    const path = join(tempDir(), 'wirewatch.db');
    const writer = Store.open(path);
    writer.insertSamples([sample(120, 'udp', 3, 300)]);
    const reader = Store.open(path, { readonly: true });
    expect(reader.history({ from: 120, to: 121, now: 130 }).series.udp).toEqual([{ ts: 120, packets: 3, bytes: 300, pps: 3, bps: 2400 }]);
    expect(() => reader.insertSamples([sample(121, 'udp', 1, 1)])).toThrow(expect.objectContaining({ code: 'store_readonly' }));
    reader.close();
    writer.close();
    expect(() => writer.history({ from: 0, to: 1 })).toThrow(expect.objectContaining({ code: 'store_closed' }));
    writer.close(); // idempotent
  });
});

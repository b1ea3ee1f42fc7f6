// Opening the database file: path checks with clear errors, the connection
// pragmas, migrations and a write probe, so every start-up failure surfaces
// here as a StoreError and not later in the middle of capture.
import { accessSync, constants, existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { sqliteCode, StoreError, toStoreError } from './errors.js';
import { migrate, SCHEMA_VERSION, schemaVersion } from './schema.js';

export interface OpenOptions {
  readonly: boolean;
  busyTimeoutMs: number;
}

function checkPath(path: string, readonly: boolean): void {
  let isDir = false;
  try {
    isDir = statSync(path).isDirectory();
  } catch {
    // absent: created below (or refused when read-only)
  }
  if (isDir) {
    throw new StoreError('store_open_failed', path, `${path} is a directory: set storage.path to a file inside it, e.g. ${resolve(path, 'wirewatch.db')}`);
  }
  if (readonly) return;
  const dir = dirname(path);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new StoreError(
      'store_open_failed',
      path,
      `cannot create the directory ${dir} for the history database ${path} (${reason}): create it with write permission for the daemon's user, or set storage.path elsewhere`,
      { cause: error },
    );
  }
}

/**
 * SQLite says only "unable to open database file" when it cannot create the
 * -wal/-shm files: find out whether the file or its directory is unwritable
 * (read-only mount, permissions) so the error can say so.
 */
function whyCantOpen(path: string): NodeJS.ErrnoException | null {
  for (const p of existsSync(path) ? [path, dirname(path)] : [dirname(path)]) {
    try {
      accessSync(p, constants.W_OK);
    } catch (error) {
      return error as NodeJS.ErrnoException;
    }
  }
  return null;
}

export function openDatabase(path: string, options: OpenOptions): Database.Database {
  checkPath(path, options.readonly);
  let db: Database.Database | null = null;
  try {
    db = new Database(path, { readonly: options.readonly, fileMustExist: options.readonly, timeout: options.busyTimeoutMs });
    if (options.readonly) {
      const version = schemaVersion(db); // the first read: a non-database file fails here
      if (version !== SCHEMA_VERSION) {
        throw new StoreError(
          version > SCHEMA_VERSION ? 'store_schema_newer' : 'store_open_failed',
          path,
          `${path} has schema version ${version}, this wirewatch reads version ${SCHEMA_VERSION}: ` +
            (version > SCHEMA_VERSION ? 'upgrade wirewatch' : 'start the daemon once so it upgrades the database'),
        );
      }
      return db;
    }
    // auto_vacuum can only be chosen before the first table exists (it shapes the file's page layout).
    const fresh = (db.pragma('page_count', { simple: true }) as number) === 0;
    if (fresh) db.pragma('auto_vacuum = INCREMENTAL');
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (mode !== 'wal') throw new StoreError('store_open_failed', path, `${path}: the file system does not support SQLite's WAL mode (got ${String(mode)}); put storage.path on a local disk`);
    // WAL + synchronous=NORMAL: a commit is in the WAL file (the OS has it) when
    // COMMIT returns, so a killed or crashed process loses nothing it committed;
    // only a power loss or kernel crash can lose the last commits, and even then
    // the database stays consistent. FULL would fsync on every 1 s flush for no
    // gain against the failure we guard against (process death).
    db.pragma('synchronous = NORMAL');
    const version = schemaVersion(db);
    if (version > SCHEMA_VERSION) {
      throw new StoreError(
        'store_schema_newer',
        path,
        `${path} has schema version ${version}, newer than this wirewatch knows (${SCHEMA_VERSION}): upgrade wirewatch, or set storage.path to another file`,
      );
    }
    migrate(db);
    // Write probe: a read-only file, directory or mount opens fine and fails only on the first write.
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
    return db;
  } catch (error) {
    try {
      db?.close();
    } catch {
      // closing a half-open handle must not hide the real error
    }
    if (sqliteCode(error) === 'SQLITE_CANTOPEN' && !options.readonly) {
      const why = whyCantOpen(path);
      if (why) throw toStoreError(Object.assign(new Error(`${(error as Error).message}: ${why.code} on ${why.path}`), { code: why.code }), path);
    }
    throw toStoreError(error, path);
  }
}

// The catalogue of store failures. Start-up failures are StoreErrors with a
// stable `code` and a message that names the path and the fix; caller mistakes
// (bad query arguments) are TypeError/RangeError naming the argument (DESIGN §8).

export const STORE_ERROR_CODES = {
  store_open_failed: 'the database file or its directory cannot be opened or created (missing parent, a directory at the path, permissions)',
  store_readonly: 'the database opens but cannot be written (read-only file, directory or file system)',
  store_full: 'the disk (or the quota) holding the database is full',
  store_corrupt: 'the file at the path is not a SQLite database, or is damaged',
  store_schema_newer: 'the database was written by a newer wirewatch; this release does not know its schema',
  store_closed: 'the store was used after close()',
} as const;

export type StoreErrorCode = keyof typeof STORE_ERROR_CODES;

export class StoreError extends Error {
  readonly code: StoreErrorCode;
  readonly path: string;

  constructor(code: StoreErrorCode, path: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreError';
    this.code = code;
    this.path = path;
  }
}

/** The error's code: a SQLite result code (better-sqlite3's `SqliteError.code`, e.g. SQLITE_FULL) or an errno name; '' if none. */
export function sqliteCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}

/** Turns an error from opening / migrating / probing into a StoreError with advice. */
export function toStoreError(error: unknown, path: string): StoreError {
  if (error instanceof StoreError) return error;
  const code = sqliteCode(error);
  const detail = error instanceof Error ? error.message : String(error);
  if (code.startsWith('SQLITE_READONLY') || code === 'EACCES' || code === 'EROFS' || code === 'EPERM') {
    return new StoreError(
      'store_readonly',
      path,
      `the history database ${path} cannot be written (${detail}): make the file and its directory writable by the daemon's user ` +
        '(wirewatch chowns them when it starts as root), or set storage.path to a writable location',
      { cause: error },
    );
  }
  if (code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT') {
    return new StoreError(
      'store_full',
      path,
      `the disk holding the history database ${path} is full (${detail}): free space there, lower storage.retention_days, or set storage.path to another disk`,
      { cause: error },
    );
  }
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) {
    return new StoreError(
      'store_corrupt',
      path,
      `${path} is not a SQLite database or is damaged (${detail}): move it aside (wirewatch then creates a new one) or set storage.path to another file`,
      { cause: error },
    );
  }
  return new StoreError(
    'store_open_failed',
    path,
    `cannot open the history database ${path} (${detail}): check that its directory exists or can be created and that the path is a file, or set storage.path elsewhere`,
    { cause: error },
  );
}

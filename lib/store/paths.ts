// Keeping the database writable across the privilege drop: SQLite in WAL mode
// creates <db>-wal and <db>-shm next to the database, so the user the daemon
// drops to needs write access to the directory as well as to the files.
import { chownSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { StoreError } from './errors.js';

export interface PreparedStorePath {
  dir: string;
  /** Paths whose owner was changed. */
  chowned: string[];
}

const SIDE_FILES = ['', '-wal', '-shm', '-journal'];

/** Would `uid`/`gid` (no supplementary groups) be able to create files in `dir`? */
function canWrite(dir: string, uid: number, gid: number): boolean {
  const st = statSync(dir);
  if (uid === 0) return true;
  if (st.uid === uid) return (st.mode & 0o300) === 0o300;
  if (st.gid === gid) return (st.mode & 0o030) === 0o030;
  return (st.mode & 0o003) === 0o003;
}

/**
 * Run as root before dropping privileges. Creates the database directory (mode
 * 0750) and gives `uid`:`gid` the directories it created, the database
 * directory itself when it holds nothing but this database's files, and the
 * database, -wal, -shm and -journal files that exist. A shared directory such as
 * /var/lib is never chowned: when `uid` cannot write there, this throws a
 * StoreError naming the fix. uid/gid -1 means "no privilege drop": only the
 * directory is created.
 */
export function prepareStorePath(path: string, uid: number, gid: number): PreparedStorePath {
  const file = resolve(path);
  const dir = dirname(file);
  const chowned: string[] = [];
  let firstCreated: string | undefined;
  try {
    firstCreated = mkdirSync(dir, { recursive: true, mode: 0o750 });
  } catch (error) {
    throw new StoreError(
      'store_open_failed',
      path,
      `cannot create the directory ${dir} for the history database (${(error as NodeJS.ErrnoException).code ?? String(error)}): create it, or set storage.path elsewhere`,
      { cause: error },
    );
  }
  if (uid < 0 && gid < 0) return { dir, chowned };
  const chown = (p: string) => {
    chownSync(p, uid, gid);
    chowned.push(p);
  };
  try {
    // the directories mkdir created, outermost first
    if (firstCreated !== undefined) {
      for (let d = dir; ; d = dirname(d)) {
        chown(d);
        if (d === firstCreated || d === dirname(d)) break;
      }
    } else {
      const own = new Set(SIDE_FILES.map((s) => basename(file) + s));
      const dedicated = readdirSync(dir).every((name) => own.has(name));
      if (dedicated) chown(dir);
      else if (!canWrite(dir, uid, gid)) {
        throw new StoreError(
          'store_readonly',
          path,
          `the directory ${dir} holds other files and is not writable by uid ${uid}, which the daemon drops to; ` +
            'SQLite needs to create the -wal and -shm files there: give the database its own directory (e.g. /var/lib/wirewatch/) or make this one writable',
        );
      }
    }
    for (const suffix of SIDE_FILES) if (existsSync(file + suffix)) chown(file + suffix);
  } catch (error) {
    if (error instanceof StoreError) throw error;
    throw new StoreError(
      'store_open_failed',
      path,
      `cannot hand ${dir} to uid ${uid} gid ${gid} (${(error as NodeJS.ErrnoException).code ?? String(error)}): run the daemon as root, or chown it yourself`,
      { cause: error },
    );
  }
  return { dir, chowned };
}

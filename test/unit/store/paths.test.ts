// prepareStorePath: after it runs as root, the user the daemon drops to can
// open and write the database (checked in a child process that really runs as
// nobody), and a shared directory is never handed over.
import { chmodSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { prepareStorePath, Store, StoreError } from '../../../lib/store/index.js';
import { runChild } from '../../support/child.js';
import { isRoot } from '../../support/paths.js';
import { removeTempDirs, sample, tempDir } from './helpers.js';

const openWrite = new URL('./children/open-write.ts', import.meta.url).pathname;
const NOBODY = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'];

afterEach(removeTempDirs);

/** A temp dir that nobody can traverse (mkdtemp makes it 0700). */
function openDir(): string {
  const dir = tempDir();
  chmodSync(dir, 0o755);
  return dir;
}

describe('prepareStorePath', () => {
  it('a parent that cannot be created → store_open_failed naming the directory', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'file'), '');
    const path = join(dir, 'file', 'db', 'w.db');
    expect(() => prepareStorePath(path, -1, -1)).toThrow(StoreError);
    expect(() => prepareStorePath(path, -1, -1)).toThrow(/cannot create the directory .*file\/db.*ENOTDIR/);
  });

  it('uid/gid -1 (no privilege drop): creates the directory, changes no owner', () => {
    const path = join(tempDir(), 'a', 'b', 'w.db');
    const r = prepareStorePath(path, -1, -1);
    expect(r.chowned).toEqual([]);
    expect(statSync(join(r.dir)).isDirectory()).toBe(true);
  });
});

describe.skipIf(!isRoot)('prepareStorePath as root, then write as nobody (setpriv)', () => {
  it('new nested directories are created for and owned by the target user', () => {
    const base = openDir();
    const path = join(base, 'var', 'wirewatch', 'w.db');
    const r = prepareStorePath(path, 65534, 65534);
    expect(r.chowned).toEqual([join(base, 'var', 'wirewatch'), join(base, 'var')]);
    expect(statSync(join(base, 'var', 'wirewatch'))).toMatchObject({ uid: 65534, gid: 65534 });
    expect(statSync(base).uid).toBe(0); // the existing parent is left alone
    const { result, stderr } = runChild(openWrite, [path], NOBODY);
    expect(result, stderr).toEqual({ ok: true, written: 1, uid: 65534 });
  });

  it('an existing root-owned database, -wal and -shm in its own directory: unwritable for nobody until prepared', () => {
    const dir = join(openDir(), 'data');
    mkdirSync(dir, { mode: 0o755 });
    const path = join(dir, 'w.db');
    const rootStore = Store.open(path); // root creates the files, as a first run without a drop would
    rootStore.insertSamples([sample(1, 'tcp', 1, 1)]);
    // control: without preparing, nobody cannot write
    const before = runChild(openWrite, [path], NOBODY);
    expect(before.result, before.stderr).toMatchObject({ ok: false, code: 'store_readonly', uid: 65534 });
    // the writer's connection stays open, so -wal and -shm exist while preparing
    const r = prepareStorePath(path, 65534, 65534);
    expect(r.chowned.sort()).toEqual([dir, path, `${path}-shm`, `${path}-wal`].sort());
    for (const p of r.chowned) expect(statSync(p)).toMatchObject({ uid: 65534, gid: 65534 });
    rootStore.close();
    const { result, stderr } = runChild(openWrite, [path], NOBODY);
    expect(result, stderr).toEqual({ ok: true, written: 1, uid: 65534 });
    const check = Store.open(path, { readonly: true });
    expect(check.history({ from: 1_700_000_000, to: 1_700_000_001, now: 1_700_000_001 }).series.tcp?.[0]?.packets).toBe(1);
    check.close();
  });

  it('a shared directory (other files, not writable by the user) is not chowned: store_readonly with the fix', () => {
    const dir = openDir();
    writeFileSync(join(dir, 'someone-elses.conf'), 'x');
    const path = join(dir, 'w.db');
    let error: unknown;
    try {
      prepareStorePath(path, 65534, 65534);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).code).toBe('store_readonly');
    expect((error as StoreError).message).toMatch(/own directory/);
    expect(statSync(dir).uid).toBe(0);
  });

  it('a shared directory the user can already write is fine (only the files are chowned)', () => {
    const dir = openDir();
    chmodSync(dir, 0o1777);
    writeFileSync(join(dir, 'other'), 'x');
    const path = join(dir, 'w.db');
    Store.open(path).close();
    expect(prepareStorePath(path, 65534, 65534).chowned).toEqual([path]);
    expect(statSync(dir).uid).toBe(0);
    const child = runChild(openWrite, [path], NOBODY);
    expect(child.result, child.stderr).toEqual({ ok: true, written: 1, uid: 65534 });
  });
});

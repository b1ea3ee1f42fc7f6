// The whole daemon killed with SIGKILL in the middle of heavy writes, again and
// again on the same database: it must stay intact, and every flow record that
// was committed (visible to a reader) before a kill must still be there after.
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { fixture } from '../../support/paths.js';
import { startRun, tempDir, writeConfig, type RunningChild } from './support.js';

let child: RunningChild | null = null;
let dir = '';
afterEach(() => {
  child?.child.kill('SIGKILL');
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const KILLS = 5;

function committed(db: string): { flows: Set<string>; samples: number } {
  if (!existsSync(db)) return { flows: new Set(), samples: 0 };
  const conn = new Database(db, { readonly: true, fileMustExist: true });
  try {
    const flows = new Set(
      (conn.prepare('SELECT community_id, first_ns, last_ns, end_reason, bytes_c2s, bytes_s2c FROM flows').raw().all() as unknown[][]).map((r) => r.join(' ')),
    );
    const samples = (conn.prepare('SELECT count(*) FROM samples').pluck().get() as number) ?? 0;
    return { flows, samples };
  } finally {
    conn.close();
  }
}

describe('daemon crash safety', () => {
  it(`survives ${KILLS} SIGKILLs at random moments during heavy writes`, { timeout: 120_000 }, async () => {
    dir = tempDir();
    const db = join(dir, 'db', 'wirewatch.db');
    // demo.pcap at 60× with times rebased to now: ~8,000 packets and ~300 flow records per second of wall time.
    const file = writeConfig(
      dir,
      `capture:\n  backend: file\n  file: ${fixture('demo.pcap')}\n  speed: 60\n  loop: true\n  rebase_time: true\n` +
        `storage:\n  path: ${db}\n  flush_ms: 250\napi:\n  enabled: false\nprivileges:\n  drop: false\n  allow_root: true\nlogging:\n  format: json\n`,
    );
    let before = { flows: new Set<string>(), samples: 0 };
    for (let k = 0; k < KILLS; k++) {
      child = startRun(['--config', file]);
      await child.waitFor(/capture started/);
      // Wait until this run has committed records of its own (the writer worker is up), then kill at a random moment.
      for (let i = 0; i < 100 && committed(db).flows.size <= before.flows.size; i++) await new Promise((r) => setTimeout(r, 100));
      await new Promise((r) => setTimeout(r, Math.random() * 1500));
      // What a reader sees now is committed; the daemon keeps writing until the kill a moment later.
      const seen = committed(db);
      child.child.kill('SIGKILL');
      await child.exited;
      child = null;

      const conn = new Database(db, { readonly: true });
      expect(conn.pragma('integrity_check', { simple: true })).toBe('ok');
      conn.close();
      const after = committed(db);
      for (const f of seen.flows) expect(after.flows.has(f), `flow ${f} lost after kill ${k + 1}`).toBe(true);
      for (const f of before.flows) expect(after.flows.has(f)).toBe(true);
      expect(after.samples).toBeGreaterThanOrEqual(seen.samples);
      // Every run added to the history: each start found the database and kept writing.
      expect(after.flows.size).toBeGreaterThan(before.flows.size);
      expect(after.flows.size).toBeGreaterThanOrEqual(seen.flows.size);
      before = after;
    }
  });
});

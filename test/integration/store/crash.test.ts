// Crash safety: a child writes heavily through a StoreWriter and reports what
// each flush committed; it is SIGKILLed at random moments (≥ 10 times, some
// during start-up). After every kill the database opens, PRAGMA integrity_check
// is ok, everything reported committed is there, and no flush is half there.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { Store } from '../../../lib/store/index.js';
import { removeTempDirs, tempDir } from '../../unit/store/helpers.js';

const tsx = createRequire(import.meta.url).resolve('tsx');
const child = new URL('./children/crash-writer.ts', import.meta.url).pathname;
const RECORDS = 200; // per tick, as in the child
const BASE_NS = 1_700_000_000_000_000_000n;

afterAll(removeTempDirs);

interface Run {
  run: number;
  killedAfterMs: number;
  ready: boolean;
  committed: { c: number; t: number };
}

function killAtRandom(path: string, run: number, rnd: () => number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', tsx, child, path, String(run)], { stdio: ['ignore', 'pipe', 'pipe'] });
    const started = Date.now();
    const state: Run = { run, killedAfterMs: 0, ready: false, committed: { c: 0, t: 0 } };
    let buffered = '';
    let stderr = '';
    let timer: NodeJS.Timeout | null = null;
    const kill = () => {
      state.killedAfterMs = Date.now() - started;
      p.kill('SIGKILL');
    };
    // a third of the kills land anywhere from spawn (start-up, open, migration), the rest during the writes
    const early = rnd() < 1 / 3;
    if (early) timer = setTimeout(kill, rnd() * 700);
    p.stdout.on('data', (d: Buffer) => {
      buffered += d.toString();
      let nl;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = JSON.parse(buffered.slice(0, nl));
        buffered = buffered.slice(nl + 1);
        if (line.ready) {
          state.ready = true;
          if (!early) timer = setTimeout(kill, 100 + rnd() * 900);
        } else {
          state.committed = line; // only ever printed after the commit returned
        }
      }
    });
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('exit', (code, signal) => {
      if (timer) clearTimeout(timer);
      if (signal !== 'SIGKILL') reject(new Error(`child exited by itself (code ${code}): ${stderr}`));
      else resolve(state);
    });
  });
}

describe('crash safety under SIGKILL', () => {
  it('every kill leaves an intact database holding everything reported committed', async () => {
    const path = join(tempDir('ww-crash-'), 'crash.db');
    let seed = Number(process.env.WW_CRASH_SEED ?? Date.now() % 1_000_000);
    const rnd = () => ((seed = (Math.imul(seed, 48271) + 1) % 2147483647 >>> 0) & 0xffffff) / 0x1000000;
    const startSeed = seed;
    const started = Date.now();
    const runs: Run[] = [];
    for (let run = 0; run < 16 && (runs.length < 10 || Date.now() - started < 15_000); run++) {
      if (runs.length >= 10 && Date.now() - started > 20_000) break;
      const r = await killAtRandom(path, run, rnd);
      runs.push(r);
      const why = `seed ${startSeed}, run ${run}: ${JSON.stringify(r)}`;
      // restart: the database opens (recovering the WAL) and is intact
      const store = Store.open(path);
      expect(store.integrityCheck(), why).toBe('ok');
      store.close();
      const db = new Database(path, { readonly: true });
      const flows = db
        .prepare('SELECT count(*) AS n, coalesce(max(first_ns), 0) AS top FROM flows WHERE source = ?')
        .safeIntegers(true)
        .get(run) as { n: bigint; top: bigint };
      const committed = BigInt(r.committed.c);
      // every record up to the last reported commit is there, and seqs are dense (no holes, no half flush)
      expect(flows.n >= committed, why).toBe(true);
      if (flows.n > 0n) expect(flows.top - BASE_NS, why).toBe(flows.n);
      expect(Number(flows.n) % RECORDS, why).toBe(0);
      const prefix = db
        .prepare('SELECT count(*) FROM flows WHERE source = ? AND first_ns BETWEEN ? AND ?')
        .pluck()
        .safeIntegers(true)
        .get(run, BASE_NS + 1n, BASE_NS + committed) as bigint;
      expect(prefix, why).toBe(committed);
      const ticks = db.prepare('SELECT count(*) FROM samples WHERE source = ? AND ts BETWEEN ? AND ?').pluck().get(run, 1_000_000 * (run + 1) + 1, 1_000_000 * (run + 1) + r.committed.t) as number;
      expect(ticks, why).toBe(r.committed.t);
      db.close();
    }
    expect(runs.length).toBeGreaterThanOrEqual(10);
    // the kills did land while writing: most runs had committed flushes before they died
    expect(runs.filter((r) => r.committed.c > 0).length).toBeGreaterThanOrEqual(5);
    const total = runs.reduce((a, r) => a + r.committed.c, 0);
    expect(total).toBeGreaterThan(10_000);
  }, 60_000);
});

// Retention in small steps: each step deletes at most maxRowsPerStep rows of
// one table in its own short transaction (the oldest first, found through the
// index), so the writer never holds the database for one huge delete. Freed
// pages go back to the file system with PRAGMA incremental_vacuum (the
// database is created with auto_vacuum=INCREMENTAL).
import type { Database, Statement } from 'better-sqlite3';
import type { RetentionOptions, RetentionResult } from './types.js';

type Table = keyof RetentionResult['deleted'];

export interface RetentionLimits {
  samplesHours: number;
  retentionDays: number;
}

export class Retention {
  readonly #db: Database;
  readonly #limits: RetentionLimits;
  readonly #deletes: Record<Table, Statement>;
  readonly #probes: Record<Table, Statement>;
  readonly #freelist: Statement;

  constructor(db: Database, limits: RetentionLimits) {
    this.#db = db;
    this.#limits = limits;
    // "older than the limit" = strictly before the cutoff: the cutoff second itself stays.
    this.#deletes = {
      samples: db.prepare(
        'DELETE FROM samples WHERE (ts, source, cls) IN (SELECT ts, source, cls FROM samples WHERE ts < @cutoff ORDER BY ts LIMIT @n)',
      ),
      rollups: db.prepare(
        'DELETE FROM rollups WHERE (ts, source, cls) IN (SELECT ts, source, cls FROM rollups WHERE ts < @cutoff ORDER BY ts LIMIT @n)',
      ),
      flows: db.prepare('DELETE FROM flows WHERE id IN (SELECT id FROM flows WHERE last_ns < @cutoff ORDER BY last_ns LIMIT @n)'),
      source_stats: db.prepare(
        'DELETE FROM source_stats WHERE (ts, source) IN (SELECT ts, source FROM source_stats WHERE ts < @cutoff ORDER BY ts LIMIT @n)',
      ),
    };
    // one index seek per table says whether it has anything to delete, so a pass spends its steps on real work
    this.#probes = {
      samples: db.prepare('SELECT 1 FROM samples WHERE ts < @cutoff LIMIT 1').pluck(),
      rollups: db.prepare('SELECT 1 FROM rollups WHERE ts < @cutoff LIMIT 1').pluck(),
      flows: db.prepare('SELECT 1 FROM flows WHERE last_ns < @cutoff LIMIT 1').pluck(),
      source_stats: db.prepare('SELECT 1 FROM source_stats WHERE ts < @cutoff LIMIT 1').pluck(),
    };
    this.#freelist = db.prepare('PRAGMA freelist_count').pluck();
  }

  /** Cutoffs for `now` (unix seconds): rows strictly older are deleted. flows compare last_ns. */
  cutoffs(now: number): Record<Table, number | bigint> {
    const samples = Math.floor(now - this.#limits.samplesHours * 3600);
    const long = Math.floor(now - this.#limits.retentionDays * 86400);
    return { samples, rollups: long, flows: BigInt(long) * 1_000_000_000n, source_stats: long };
  }

  run(options: RetentionOptions = {}): RetentionResult {
    const n = options.maxRowsPerStep ?? 5000;
    const maxSteps = options.maxSteps ?? Infinity;
    const vacuumPages = options.vacuumPages ?? 2048;
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`maxRowsPerStep must be a positive integer, got ${n}`);
    if (!Number.isInteger(vacuumPages) || vacuumPages < 1) throw new RangeError(`vacuumPages must be a positive integer, got ${vacuumPages}`);
    const cutoffs = this.cutoffs(options.now ?? Date.now() / 1000);
    const deleted: RetentionResult['deleted'] = { samples: 0, rollups: 0, flows: 0, source_stats: 0 };
    const tables: Table[] = ['samples', 'rollups', 'flows', 'source_stats'];
    const pending = new Set<Table>(tables.filter((t) => this.#probes[t].get({ cutoff: cutoffs[t] }) !== undefined));
    let steps = 0;
    while (pending.size > 0 && steps < maxSteps) {
      for (const table of [...pending]) {
        if (steps >= maxSteps) break;
        const changes = this.#db.transaction(() => this.#deletes[table].run({ cutoff: cutoffs[table], n }).changes)();
        steps++;
        deleted[table] += changes;
        if (changes < n) pending.delete(table);
      }
    }
    let vacuumed = 0;
    const free = this.#freelist.get() as number;
    if (free > 0) {
      this.#db.exec(`PRAGMA incremental_vacuum(${Math.min(free, vacuumPages)})`);
      vacuumed = free - (this.#freelist.get() as number);
      // In WAL mode the file is truncated when the checkpoint copies the shrunk database back.
      this.#db.pragma('wal_checkpoint(PASSIVE)');
    }
    return { deleted, steps, done: pending.size === 0, vacuumed_pages: vacuumed };
  }
}

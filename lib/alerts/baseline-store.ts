// Baselines in SQLite (alert_baselines): one JSON row per host, written for the
// hosts that changed (periodically and on close) in one transaction, read
// once at start. A row that cannot be decoded is deleted and that host starts
// learning again: one log line for all of them, never an error.
import type { Database, Statement } from 'better-sqlite3';
import { HostBaseline } from './host-baseline.js';

export interface LoadResult {
  hosts: HostBaseline[];
  corrupt: Array<{ host: string; why: string }>;
}

export class BaselineStore {
  readonly #db: Database;
  readonly #put: Statement;
  readonly #delete: Statement;

  constructor(db: Database) {
    this.#db = db;
    this.#put = db.prepare('INSERT OR REPLACE INTO alert_baselines (host, data, updated_at) VALUES (?, ?, ?)');
    this.#delete = db.prepare('DELETE FROM alert_baselines WHERE host = ?');
  }

  /** The `maxHosts` most recently active baselines, least recently active first (the LRU order); other rows are deleted. */
  load(maxHosts: number, maxPeers: number): LoadResult {
    const rows = this.#db.prepare('SELECT host, data FROM alert_baselines').all() as Array<{ host: unknown; data: unknown }>;
    let hosts: HostBaseline[] = [];
    const corrupt: LoadResult['corrupt'] = [];
    const drop: string[] = [];
    for (const row of rows) {
      const host = typeof row.host === 'string' ? row.host : String(row.host);
      const h = HostBaseline.decode(host, row.data, maxPeers);
      if (typeof h === 'string') {
        corrupt.push({ host, why: h });
        drop.push(host);
      } else {
        hosts.push(h);
      }
    }
    hosts.sort((a, b) => a.last - b.last || (a.ip < b.ip ? -1 : 1));
    if (hosts.length > maxHosts) {
      for (const h of hosts.slice(0, hosts.length - maxHosts)) drop.push(h.ip);
      hosts = hosts.slice(hosts.length - maxHosts);
    }
    if (drop.length > 0) this.#db.transaction(() => drop.forEach((host) => this.#delete.run(host)))();
    return { hosts, corrupt };
  }

  save(hosts: ReadonlyArray<{ ip: string; data: string }>, deleted: readonly string[], nowMs: number): void {
    if (hosts.length === 0 && deleted.length === 0) return;
    const at = Math.round(nowMs);
    this.#db.transaction(() => {
      for (const h of hosts) this.#put.run(h.ip, h.data, at);
      for (const ip of deleted) this.#delete.run(ip);
    })();
  }
}

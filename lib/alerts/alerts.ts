// createAlerts(): threshold rules and baselines fed by the daemon once per
// tick (a snapshot, a group of ended flow records), and the sinks every alert
// event goes to, in this order: memory list + alert_history, one log line, the
// webhook queue, the 'alert' event (the daemon forwards it to SSE). Nothing
// here runs per packet, and nothing here throws into the daemon: a database
// or listener failure is logged and counted.
import { EventEmitter } from 'node:events';
import type { Database } from 'better-sqlite3';
import type { AlertRuleConfig, AlertsConfig } from '../config/types.js';
import type { DaemonSnapshot } from '../daemon/view.js';
import type { FlowRecord } from '../flows/records.js';
import type { Logger, LogLevel } from '../log/index.js';
import { BaselineStore } from './baseline-store.js';
import { Baselines } from './baselines.js';
import { AlertHistory } from './history.js';
import { ThresholdRules, snapshotTime } from './rules.js';
import { migrateAlerts } from './schema.js';
import type { AlertEvent, AlertListQuery, Alerts, AlertsEvents, AlertsStats, CreateAlertsOptions } from './types.js';
import { MemoryQueue, SqliteQueue, type DeliveryQueue } from './webhook-queue.js';
import { WebhookSender } from './webhook.js';

const DEFAULT_PERSIST_MS = 300_000;
/** Database errors logged per minute, at most (the rest are counted). */
const DB_ERROR_LOGS_PER_MIN = 5;

export function createAlerts(options: CreateAlertsOptions): Alerts {
  return new AlertsService(options);
}

class AlertsService extends EventEmitter<AlertsEvents> implements Alerts {
  #config: AlertsConfig;
  readonly #db: Database | null;
  readonly #logger: Logger | null;
  readonly #now: () => number;
  readonly #fetch: typeof fetch;
  readonly #retry: CreateAlertsOptions['retry'];
  readonly #history: AlertHistory;
  readonly #rules: ThresholdRules;
  readonly #baselines: Baselines;
  readonly #baselineStore: BaselineStore | null;
  #queue: DeliveryQueue | null = null;
  #webhook: WebhookSender | null = null;
  readonly #closingWebhooks: Array<Promise<void>> = [];
  readonly #persistTimer: NodeJS.Timeout | null;
  #closed: Promise<void> | null = null;
  #events = { threshold: 0, anomaly: 0 };
  #corruptRows = 0;
  #persistedAt: number | null = null;
  #dbErrors = 0;
  #dbErrorWindow = { start: 0, logged: 0 };
  #failureLogged = new Set<string>();

  constructor(options: CreateAlertsOptions) {
    super();
    if (!options || typeof options !== 'object') throw new TypeError('createAlerts: expected an options object');
    checkConfig(options.config);
    if (options.now !== undefined && typeof options.now !== 'function') throw new TypeError('now: expected a function returning ms');
    if (options.fetch !== undefined && typeof options.fetch !== 'function') throw new TypeError('fetch: expected a fetch function');
    const persistMs = options.persistMs ?? DEFAULT_PERSIST_MS;
    if (!Number.isFinite(persistMs) || persistMs <= 0) throw new RangeError(`persistMs: expected a number of ms > 0, got ${String(persistMs)}`);
    this.#config = options.config;
    this.#db = options.db ?? null;
    this.#logger = options.logger ? options.logger.child({ component: 'alerts' }) : null;
    this.#now = options.now ?? Date.now;
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#retry = options.retry;

    if (this.#db) migrateAlerts(this.#db);
    this.#history = new AlertHistory(this.#db ?? undefined);
    const nextId = () => this.#history.nextId();
    this.#rules = new ThresholdRules(nextId, (msg, ctx) => this.#logger?.warn(msg, ctx));
    this.#rules.setRules(this.#config.rules);
    this.#baselines = new Baselines(this.#config, nextId);
    this.#baselineStore = this.#db ? new BaselineStore(this.#db) : null;
    if (this.#baselineStore) {
      const { hosts, corrupt } = this.#baselineStore.load(this.#config.baselines.max_hosts, this.#config.baselines.max_peers_per_host);
      this.#baselines.restore(hosts);
      if (corrupt.length > 0) {
        this.#corruptRows += corrupt.length;
        this.#logger?.warn('unreadable baselines skipped: these hosts learn again from new traffic', {
          rows: corrupt.length,
          hosts: corrupt.slice(0, 10).map((c) => c.host),
          first_error: corrupt[0]!.why,
        });
      }
    }
    this.#setWebhook();
    this.#persistTimer = this.#baselineStore ? setInterval(() => this.#persist(), persistMs) : null;
    this.#persistTimer?.unref();
  }

  onSnapshot(snapshot: DaemonSnapshot): void {
    if (this.#closed) return;
    try {
      const events = this.#rules.evaluate(snapshot);
      const t = snapshotTime(snapshot);
      if (t !== null) events.push(...this.#baselines.advance(t));
      this.#emitAll(events);
    } catch (error) {
      this.#failure('snapshot', error);
    }
  }

  onFlows(records: readonly FlowRecord[]): void {
    if (this.#closed) return;
    try {
      this.#emitAll(this.#baselines.ingest(records));
    } catch (error) {
      this.#failure('flows', error);
    }
  }

  list(query: AlertListQuery = {}): AlertEvent[] {
    return this.#history.list(query);
  }

  reconfigure(config: AlertsConfig): void {
    checkConfig(config);
    if (this.#closed) return;
    this.#config = config;
    const events = this.#rules.setRules(config.rules);
    events.push(...this.#baselines.configure(config));
    this.#setWebhook();
    this.#emitAll(events);
  }

  stats(): AlertsStats {
    const b = this.#baselines.stats();
    return {
      rules: this.#rules.count,
      rules_ignored: this.#rules.ignored,
      firing: this.#history.list({ state: 'firing', limit: 1000 }).length,
      events: { ...this.#events },
      suppressed: b.suppressed,
      baselines: {
        enabled: this.#baselines.enabled,
        hosts: b.hosts,
        learning: b.learning,
        evicted_hosts: b.evicted_hosts,
        corrupt_rows: this.#corruptRows,
        persisted_at: this.#persistedAt,
      },
      webhook: this.#webhook?.stats() ?? null,
      db_errors: this.#dbErrors,
    };
  }

  close(): Promise<void> {
    this.#closed ??= (async () => {
      if (this.#persistTimer) clearInterval(this.#persistTimer);
      this.#persist();
      const sender = this.#webhook;
      this.#webhook = null;
      await Promise.all([sender?.close(), ...this.#closingWebhooks]);
    })();
    return this.#closed;
  }

  #setWebhook(): void {
    const config = this.#config.webhook;
    if (!config) {
      if (this.#webhook) this.#closingWebhooks.push(this.#webhook.close());
      this.#webhook = null;
      return;
    }
    if (this.#webhook) {
      this.#webhook.setConfig(config);
      return;
    }
    if (!this.#queue) {
      this.#queue = this.#db ? new SqliteQueue(this.#db) : new MemoryQueue();
      if (!this.#db) this.#logger?.warn('webhook queue is in memory (storage disabled): alerts queued while the receiver is down are lost on restart');
    }
    this.#webhook = new WebhookSender({ config, queue: this.#queue, fetch: this.#fetch, now: this.#now, logger: this.#logger, retry: this.#retry });
  }

  #emitAll(events: AlertEvent[]): void {
    for (const e of events) this.#emit(e);
  }

  #emit(event: AlertEvent): void {
    const frozen = Object.freeze({ ...event });
    if (frozen.state === 'firing') this.#events[frozen.kind]++;
    try {
      this.#history.record(frozen);
    } catch (error) {
      this.#dbError('alert history', error);
    }
    this.#logger?.log(level(frozen), frozen.state === 'firing' ? 'alert firing' : 'alert resolved', {
      alert_id: frozen.id,
      rule: frozen.rule,
      kind: frozen.kind,
      severity: frozen.severity,
      ...(frozen.host !== undefined ? { host: frozen.host } : {}),
      ...(frozen.peer !== undefined ? { peer: frozen.peer } : {}),
      ...(frozen.source !== undefined ? { source: frozen.source } : {}),
      value: frozen.value,
      ...(frozen.threshold !== undefined ? { threshold: frozen.threshold } : {}),
      ...(frozen.score !== undefined ? { score: Number(frozen.score.toPrecision(4)) } : {}),
      reason: frozen.reason,
      alert_time: frozen.time,
    });
    try {
      this.#webhook?.enqueue(frozen);
    } catch (error) {
      this.#dbError('webhook queue', error);
    }
    // Each listener on its own: one that throws must not keep the event from the others (SSE, tests).
    for (const listener of this.rawListeners('alert') as Array<(e: AlertEvent) => void>) {
      try {
        listener.call(this, frozen);
      } catch (error) {
        this.#failure('alert listener', error);
      }
    }
  }

  #persist(): void {
    if (!this.#baselineStore) return;
    const { hosts, deleted } = this.#baselines.takeDirty();
    if (hosts.length === 0 && deleted.length === 0) return;
    try {
      this.#baselineStore.save(hosts, deleted, this.#now());
      this.#persistedAt = this.#now();
    } catch (error) {
      this.#baselines.markDirty(hosts.map((h) => h.ip), deleted);
      this.#dbError('baselines', error);
    }
  }

  #dbError(what: string, error: unknown): void {
    this.#dbErrors++;
    const now = this.#now();
    if (now - this.#dbErrorWindow.start > 60_000) this.#dbErrorWindow = { start: now, logged: 0 };
    if (this.#dbErrorWindow.logged++ < DB_ERROR_LOGS_PER_MIN) {
      this.#logger?.error(`alerts: writing ${what} to the database failed`, { error: (error as Error)?.message ?? String(error), db_errors: this.#dbErrors });
    }
  }

  /** A bug or a hostile input: logged once per kind, never thrown into the daemon. */
  #failure(what: string, error: unknown): void {
    if (this.#failureLogged.has(what)) return;
    this.#failureLogged.add(what);
    this.#logger?.error(`alerts: processing a ${what} failed`, { error: (error as Error)?.message ?? String(error), stack: (error as Error)?.stack });
  }
}

function level(e: AlertEvent): LogLevel {
  if (e.state === 'resolved') return 'info';
  return e.severity === 'critical' ? 'error' : e.severity === 'warning' ? 'warn' : 'info';
}

const METRICS = ['bytes_per_s', 'packets_per_s', 'new_flows_per_s', 'active_flows', 'drops'];
const SCOPES = ['total', 'source', 'host'];
const OPS = ['>', '>=', '<', '<='];
const SEVERITIES = ['info', 'warning', 'critical'];

/** The config is validated by lib/config; this catches a library caller's mistakes with the key path. */
function checkConfig(config: AlertsConfig): void {
  const fail = (path: string, expected: string, got: unknown): never => {
    throw new TypeError(`alerts.${path}: expected ${expected}, got ${JSON.stringify(got)}`);
  };
  if (!config || typeof config !== 'object') fail('', 'an object', config);
  if (!Array.isArray(config.local_networks)) fail('local_networks', 'an array of CIDR strings', config.local_networks);
  if (typeof config.learning_hours !== 'number' || !(config.learning_hours >= 0)) fail('learning_hours', 'a number ≥ 0', config.learning_hours);
  if (!Array.isArray(config.rules)) fail('rules', 'an array', config.rules);
  config.rules.forEach((r: AlertRuleConfig, i) => {
    const p = `rules[${i}]`;
    if (!r || typeof r !== 'object') fail(p, 'a rule object', r);
    if (typeof r.name !== 'string' || r.name.length === 0) fail(`${p}.name`, 'a non-empty string', r.name);
    if (!METRICS.includes(r.metric)) fail(`${p}.metric`, `one of ${METRICS.join(', ')}`, r.metric);
    if (!SCOPES.includes(r.scope)) fail(`${p}.scope`, `one of ${SCOPES.join(', ')}`, r.scope);
    if (![1, 10, 60].includes(r.window)) fail(`${p}.window`, '1, 10 or 60', r.window);
    if (!OPS.includes(r.op)) fail(`${p}.op`, `one of ${OPS.join(' ')}`, r.op);
    if (typeof r.threshold !== 'number' || !Number.isFinite(r.threshold)) fail(`${p}.threshold`, 'a finite number', r.threshold);
    if (typeof r.for_s !== 'number' || !(r.for_s >= 0)) fail(`${p}.for_s`, 'a number of seconds ≥ 0', r.for_s);
    if (typeof r.cooldown_s !== 'number' || !(r.cooldown_s >= 0)) fail(`${p}.cooldown_s`, 'a number of seconds ≥ 0', r.cooldown_s);
    if (!SEVERITIES.includes(r.severity)) fail(`${p}.severity`, `one of ${SEVERITIES.join(', ')}`, r.severity);
  });
  const b = config.baselines;
  if (!b || typeof b !== 'object') fail('baselines', 'an object', b);
  if (typeof b.enabled !== 'boolean') fail('baselines.enabled', 'true or false', b.enabled);
  if (!Number.isInteger(b.max_hosts) || b.max_hosts < 1) fail('baselines.max_hosts', 'an integer ≥ 1', b.max_hosts);
  if (!Number.isInteger(b.max_peers_per_host) || b.max_peers_per_host < 1) fail('baselines.max_peers_per_host', 'an integer ≥ 1', b.max_peers_per_host);
  const w = config.webhook;
  if (w !== undefined) {
    if (!w || typeof w !== 'object') fail('webhook', 'an object', w);
    if (typeof w.url !== 'string' || !/^https?:\/\//i.test(w.url)) fail('webhook.url', 'an http:// or https:// URL', w.url);
    if (typeof w.secret !== 'string' || w.secret.length === 0) fail('webhook.secret', 'a non-empty string', '[redacted]');
    if (w.anonymize_key !== undefined && (typeof w.anonymize_key !== 'string' || w.anonymize_key.length === 0)) fail('webhook.anonymize_key', 'a non-empty string', '[redacted]');
    if (typeof w.timeout_ms !== 'number' || !(w.timeout_ms > 0)) fail('webhook.timeout_ms', 'a number of ms > 0', w.timeout_ms);
    if (!Number.isInteger(w.max_queue) || w.max_queue < 1) fail('webhook.max_queue', 'an integer ≥ 1', w.max_queue);
  }
}

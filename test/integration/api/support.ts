// Test support for the API: a DaemonView backed by a REAL Pipeline fed by a
// real CaptureSource replaying a fixture (so every number the API shows can be
// checked against the replay), a real Store filled by a full replay, real
// config sections, and small HTTP helpers. No mocks of wirewatch components.
import { sourceCounters } from '../../../lib/daemon/source-status.js';
import { EventEmitter } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { CaptureSource } from '../../../lib/capture/index.js';
import type { ApiConfig } from '../../../lib/config/types.js';
import type {
  DaemonSnapshot,
  DaemonView,
  DaemonViewEvents,
  LiveFlowQuery,
  ReadyState,
  ReloadResult,
  SourceStatus,
} from '../../../lib/daemon/view.js';
import type { FlowRecord } from '../../../lib/flows/index.js';
import { createLogger, type Logger } from '../../../lib/log/index.js';
import { Pipeline } from '../../../lib/pipeline/index.js';
import type { ClassName, SampleRow } from '../../../lib/stats/index.js';
import { Store } from '../../../lib/store/index.js';
import { createApi, listen, serverUrl, type Api, type CreateApiOptions, type TrafficTotal } from '../../../lib/api/index.js';
import { fixture, fixturesDir } from '../../support/paths.js';

export const MIXED = fixture('mixed.pcap');
export const expected = JSON.parse(readFileSync(join(fixturesDir, 'expected.json'), 'utf8')) as Record<
  string,
  { packets: number; wire_bytes: number; first_ts: string; last_ts: string; layers: Record<string, number>; flows: { total: number } }
>;

/**
 * A DaemonView over one replayed capture: batches go through a real Pipeline;
 * tick() emits a snapshot exactly as the daemon's worker does (flows ended by
 * the tick first, then the snapshot). Control calls are recorded.
 */
export class ReplayView extends EventEmitter<DaemonViewEvents> implements DaemonView {
  readonly pipeline: Pipeline;
  readonly calls: string[] = [];
  reloadResult: ReloadResult = { ok: true, applied: ['aggregation.windows'], restart_required: ['api.port'] };
  #state: DaemonView['state'] = 'running';
  #snapshot: DaemonSnapshot | null = null;
  #source: SourceStatus;
  #pendingFlows: FlowRecord[] = [];
  /** Cumulative packets/bytes per (source, class) from closed seconds: what a daemon would pass as trafficTotals. */
  readonly traffic = new Map<string, TrafficTotal>();
  /** Every flow record the pipeline emitted (ended flows). */
  readonly ended: FlowRecord[] = [];

  private constructor(pipeline: Pipeline, source: SourceStatus) {
    super();
    this.pipeline = pipeline;
    this.#source = source;
  }

  /** Replays `file` to the end (no flush: flows stay open) and ticks once. */
  static async replay(file = MIXED, options: { id?: number; name?: string } = {}): Promise<ReplayView> {
    const id = options.id ?? 3;
    const name = options.name ?? 'mixed';
    const pipeline = new Pipeline();
    const view = new ReplayView(pipeline, {
      id, name, kind: 'file', state: 'opening', packets: 0, bytes: 0, kernel_drops: 0, if_drops: 0, ring_drops: 0,
      errors: { truncated: 0, malformed: 0, unsupported_link: 0 },
    });
    pipeline.on('flow', (r) => {
      view.#pendingFlows.push(r);
      view.ended.push(r);
    });
    pipeline.on('second', (rows) => view.#addTraffic(rows));
    const source = CaptureSource.openFile({ file, id, name });
    source.on('batch', (b) => pipeline.ingest(b));
    source.start();
    await source.ended();
    view.#source = { ...view.#source, state: 'ended', ...sourceCounters(source.stats()) };
    view.tick();
    return view;
  }

  #addTraffic(rows: SampleRow[]): void {
    for (const r of rows) {
      const key = `${r.source}/${r.cls}`;
      const t = this.traffic.get(key) ?? { source: r.source, cls: r.cls as ClassName, packets: 0, bytes: 0 };
      t.packets += r.packets;
      t.bytes += r.bytes;
      this.traffic.set(key, t);
    }
  }

  trafficTotals = (): TrafficTotal[] => [...this.traffic.values()];

  /** One pipeline tick → `flows` (if any ended) and `snapshot` events. */
  tick(): DaemonSnapshot {
    const pipeline = this.pipeline.tick();
    if (this.#pendingFlows.length > 0) {
      const group = this.#pendingFlows;
      this.#pendingFlows = [];
      this.emit('flows', group);
    }
    this.#snapshot = { taken: Date.now() / 1000, pipeline, sources: [this.#source], lag_s: 0 };
    this.emit('snapshot', this.#snapshot);
    return this.#snapshot;
  }

  /** Emits the latest snapshot again (a new object, as a daemon tick would) without touching the pipeline. */
  emitSnapshot(taken = Date.now() / 1000): DaemonSnapshot {
    const s = { ...this.#snapshot!, taken };
    this.#snapshot = s;
    this.emit('snapshot', s);
    return s;
  }

  snapshot(): DaemonSnapshot | null {
    return this.#snapshot;
  }

  sources(): SourceStatus[] {
    return [this.#source];
  }

  liveFlows(query: LiveFlowQuery = {}): Promise<FlowRecord[]> {
    this.calls.push('liveFlows');
    return Promise.resolve(this.pipeline.liveFlows(query.limit));
  }

  ready(): ReadyState {
    const checks = [
      { name: `source:${this.#source.name}`, ok: true, detail: this.#source.state },
      { name: 'pipeline', ok: this.#state === 'running', detail: this.#state },
    ];
    return { ready: checks.every((c) => c.ok), checks };
  }

  get state(): DaemonView['state'] {
    return this.#state;
  }

  setState(state: DaemonView['state']): void {
    this.#state = state;
    this.emit('state', state);
  }

  async pause(): Promise<void> {
    this.calls.push('pause');
    if (this.#state === 'running') this.setState('paused');
  }

  async resume(): Promise<void> {
    this.calls.push('resume');
    if (this.#state === 'paused') this.setState('running');
  }

  async reload(): Promise<ReloadResult> {
    this.calls.push('reload');
    return this.reloadResult;
  }
}

/** Replays `file` through a Pipeline to the end, flushes (every flow ends) and writes everything to `store`. */
export async function fillStore(store: Store, file = MIXED, id = 3): Promise<{ records: FlowRecord[]; samples: SampleRow[] }> {
  const pipeline = new Pipeline();
  const records: FlowRecord[] = [];
  const samples: SampleRow[] = [];
  pipeline.on('flow', (r) => records.push(r));
  pipeline.on('second', (rows) => samples.push(...rows));
  const source = CaptureSource.openFile({ file, id, name: 'mixed' });
  source.on('batch', (b) => pipeline.ingest(b));
  source.start();
  await source.ended();
  pipeline.flush();
  const result = store.write({ samples, flows: records });
  if (result.rejected > 0) throw new Error(`store rejected rows: ${result.firstRejection}`);
  return { records, samples };
}

export function tempDir(prefix = 'ww-api-'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** The config's api section with its defaults (lib/config/schema.ts), overridden by `over`. */
export function apiConfig(over: Partial<ApiConfig> = {}): ApiConfig {
  return {
    enabled: true,
    bind: '127.0.0.1',
    port: 0,
    users: [],
    tokens: [],
    metrics_auth: false,
    session_idle_minutes: 60,
    session_max_hours: 24,
    trust_proxy: false,
    ...over,
  };
}

export const ADMIN_TOKEN = 'admin-token-0123456789abcdef';
export const VIEWER_TOKEN = 'viewer-token-0123456789abcdef';
export const TOKENS = [
  { name: 'ops', token: ADMIN_TOKEN, role: 'admin' as const },
  { name: 'grafana', token: VIEWER_TOKEN, role: 'viewer' as const },
];

/** A JSON-lines logger whose lines are kept for assertions. */
export function captureLogger(): { logger: Logger; lines: () => Array<Record<string, unknown>> } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (d: Buffer) => (text += d.toString()));
  const logger = createLogger({ level: 'debug', format: 'json', stream });
  return {
    logger,
    lines: () =>
      text
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

export interface Running {
  api: Api;
  server: Server;
  url: string;
  close(): Promise<void>;
}

/** createApi + listen on loopback port 0. */
export async function serve(options: CreateApiOptions, bind = '127.0.0.1'): Promise<Running> {
  const api = createApi({ logger: captureLogger().logger, ...options });
  const server = await listen(api.listener(), { bind, port: 0 });
  const url = serverUrl(server);
  return {
    api,
    server,
    url,
    close: () =>
      new Promise<void>((resolve) => {
        api.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface Reply<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

/** fetch + parse; `token` sets Authorization: Bearer. */
export async function call<T = any>(url: string, init: RequestInit & { token?: string; json?: unknown } = {}): Promise<Reply<T>> {
  const headers = new Headers(init.headers);
  if (init.token) headers.set('authorization', `Bearer ${init.token}`);
  let body = init.body;
  if (init.json !== undefined) {
    headers.set('content-type', 'application/json');
    body = JSON.stringify(init.json);
  }
  const res = await fetch(url, { ...init, headers, body });
  const text = await res.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  return { status: res.status, headers: res.headers, body: parsed as T, text };
}

/** A request through node:http, which (unlike fetch) lets a test set any Host header. */
export function rawRequest(url: string, options: { method?: string; headers?: Record<string, string> } = {}): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: options.method ?? 'GET', headers: options.headers ?? {} }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode!, body: text ? JSON.parse(text) : null }));
    });
    req.on('error', reject);
    req.end();
  });
}

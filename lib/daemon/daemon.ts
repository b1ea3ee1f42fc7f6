// The daemon (main thread): opens capture sources in a pipeline worker while
// privileged, drops privileges, then stores and exports what the worker sends
// and answers the API through DaemonView. The main thread does no per-packet
// work; it receives one message per tick (plus flow-record groups).
import { EventEmitter } from 'node:events';
import { MessageChannel, Worker, type MessagePort, type Transferable } from 'node:worker_threads';
import { createAlerts, type Alerts } from '../alerts/index.js';
import { CaptureError } from '../capture/errors.js';
import { dropPrivileges } from '../capture/privileges.js';
import { diffConfig, loadConfig, type Config } from '../config/index.js';
import { createFlowSinks, type FlowSink, type NamedExportStats } from '../export/index.js';
import type { FlowRecord } from '../flows/index.js';
import type { Logger } from '../log/index.js';
import { prepareStorePath, Store, StoreError } from '../store/index.js';
import { pipelineSetup, reconfigureMessage } from './plan.js';
import { DropBurstLog } from './drop-bursts.js';
import { DaemonStartError } from './errors.js';
import { lookupIds } from './ids.js';
import type { FromStoreWorker, FromWorker, LiveFlowsCopy, StoreWorkerSetup, ToStoreWorker, ToWorker, WriterStats } from './protocol.js';
import type { DaemonSnapshot, DaemonView, DaemonViewEvents, LiveFlowQuery, ReadyState, ReloadResult, SourceStatus, TrafficTotal } from './view.js';

export interface DaemonOptions {
  config: Config;
  logger: Logger;
  /** Where the config came from: reload re-reads it. Absent for the embedded demo. */
  configFile?: string;
}

/** How long stop() waits for the worker to flush before terminating it. */
const STOP_TIMEOUT_MS = 5000;
/** A pipeline that has not ticked for this long is not ready. */
const STALE_TICK_MS = 5000;

/** Starts one of the daemon's workers (`worker` or `store-worker`) from the built .js, or from source via tsx. */
function startWorker(name: string, data: object, transferList: Transferable[] = []): Worker {
  const fromSource = import.meta.url.endsWith('.ts');
  // From source (tsx), workers do not inherit the TypeScript loader: a tiny .mjs registers it first.
  const url = fromSource ? new URL('./worker-tsx.mjs', import.meta.url) : new URL(`./${name}.js`, import.meta.url);
  const entry = new URL(`./${name}.ts`, import.meta.url).href;
  return new Worker(url, { workerData: fromSource ? { ...data, entry } : data, transferList: transferList as never, name: `wirewatch-${name}` });
}

export class Daemon extends EventEmitter<DaemonViewEvents> implements DaemonView {
  #config: Config;
  readonly #logger: Logger;
  readonly #configFile: string | undefined;
  readonly #worker: Worker;
  /** Main thread's connection: queries, API sessions, alerts. The writes happen in #storeWorker. */
  #store: Store | null = null;
  #storeWorker: Worker | null = null;
  #writerStats: WriterStats | null = null;
  #onStoreClosed: (() => void) | null = null;
  #sinks: FlowSink[] = [];
  #alerts: Alerts | null = null;
  /** Packets/bytes per (source, class) since start, summed by the worker from closed seconds; from the latest tick. */
  #traffic: TrafficTotal[] = [];
  #state: DaemonView['state'] = 'running';
  #snapshot: DaemonSnapshot | null = null;
  /** Open flows of the latest tick, while the API follows them (see liveFlows). */
  #live: LiveFlowsCopy | null = null;
  #lastTickAt = 0;
  #sources: SourceStatus[] = [];
  #requests = new Map<number, (value: unknown) => void>();
  #nextRequest = 1;
  #stopped: Promise<void> | null = null;
  #exited = false;
  readonly #dropLog: DropBurstLog;

  private constructor(options: DaemonOptions, worker: Worker) {
    super();
    this.#config = options.config;
    this.#logger = options.logger;
    this.#dropLog = new DropBurstLog(options.logger);
    this.#configFile = options.configFile;
    this.#worker = worker;
  }

  /** Opens sources, drops privileges, opens storage and starts capturing. Throws DaemonStartError or CaptureError. */
  static async start(options: DaemonOptions): Promise<Daemon> {
    const { config, logger } = options;
    const isRoot = process.getuid?.() === 0;
    const willDrop = isRoot && config.privileges.drop;
    if (isRoot && !willDrop && !config.privileges.allow_root) {
      throw new DaemonStartError(
        'root_refused',
        'refusing to run as root with privileges.drop false; set privileges.allow_root: true to insist, or let wirewatch drop to privileges.user',
      );
    }
    const ids = willDrop ? lookupIds(config.privileges.user, config.privileges.group) : null;
    // The database directory must stay writable after the drop: create and chown it now.
    if (config.storage.enabled) prepareStorePath(config.storage.path, ids?.uid ?? -1, ids?.gid ?? -1);

    // Flow records and closed seconds go from the pipeline straight to the history writer.
    const channel = config.storage.enabled ? new MessageChannel() : null;
    const setup = channel ? { ...pipelineSetup(config), feed: channel.port1 } : pipelineSetup(config);
    const worker = startWorker('worker', setup, channel ? [channel.port1] : []);
    const daemon = new Daemon(options, worker);
    const opened = await daemon.#awaitOpened();
    for (const s of opened.sources) if (s.warning) logger.warn('capture source warning', { source: s.name, warning: s.warning });

    if (willDrop) {
      const after = dropPrivileges({ user: config.privileges.user, group: config.privileges.group });
      logger.info('dropped privileges', { user: config.privileges.user, uid: after.uid, gid: after.gid });
    } else if (isRoot) {
      logger.warn('running as root: privileges.allow_root is set');
    }

    try {
      if (channel) await daemon.#openStore(channel.port2);
      daemon.#sinks = createFlowSinks(config.export, logger);
      daemon.#alerts = createAlerts({ config: config.alerts, db: daemon.#store?.database, logger: logger.child({ component: 'alerts' }) });
    } catch (error) {
      await daemon.#terminate();
      throw error;
    }
    daemon.#post({ t: 'start' });
    logger.info('capture started', { sources: opened.sources.map((s) => s.name) });
    return daemon;
  }

  get config(): Config {
    return this.#config;
  }

  get state(): DaemonView['state'] {
    return this.#state;
  }

  /** Packets and bytes per source and class since start, for Prometheus counters. */
  trafficTotals(): TrafficTotal[] {
    return this.#traffic;
  }

  /** Each configured exporter's counters (sent, dropped, queued, ...). */
  exportStats(): NamedExportStats[] {
    return this.#sinks.map((s) => ({ name: s.name, ...s.stats() }));
  }

  /** Failed history writes so far. */
  storageErrors(): number {
    return this.#writerStats?.errors ?? 0;
  }

  /** Alert rules and baselines: list() for the API, 'alert' events for the stream. */
  get alerts(): Alerts | null {
    return this.#alerts;
  }

  /** The history store (null when storage is disabled). */
  get store(): Store | null {
    return this.#store;
  }

  snapshot(): DaemonSnapshot | null {
    return this.#snapshot;
  }

  sources(): SourceStatus[] {
    return this.#sources;
  }

  /**
   * Open flows, least recently seen first per timeout class. While they are
   * asked for, every tick brings them along (the same turn as its snapshot), so
   * later calls answer from the latest tick without a round trip to the busy
   * pipeline thread; the first call, and any with a larger limit, asks it.
   */
  liveFlows(query: LiveFlowQuery = {}): Promise<FlowRecord[]> {
    const limit = query.limit ?? 100_000;
    if (this.#exited) return Promise.resolve([]);
    const live = this.#live;
    if (live && limit <= live.limit) {
      this.#post({ t: 'live-follow', limit });
      return Promise.resolve(live.records.slice(0, limit));
    }
    return this.#request<FlowRecord[]>((id) => ({ t: 'live-flows', id, limit }));
  }

  ready(): ReadyState {
    const checks: ReadyState['checks'] = [];
    for (const s of this.#sources) {
      checks.push({ name: `source:${s.name}`, ok: s.state === 'capturing', ...(s.error ? { detail: s.error.message } : { detail: s.state }) });
    }
    if (this.#sources.length === 0) checks.push({ name: 'sources', ok: false, detail: 'no tick from the pipeline yet' });
    const fresh = this.#lastTickAt > 0 && Date.now() - this.#lastTickAt < STALE_TICK_MS;
    checks.push({ name: 'pipeline', ok: fresh && this.#state === 'running', detail: this.#state });
    if (this.#config.storage.enabled) {
      const w = this.#writerStats;
      checks.push({ name: 'storage', ok: this.#storeWorker !== null && (w?.writable ?? true), ...(w?.last_error ? { detail: w.last_error } : {}) });
    }
    return { ready: checks.every((c) => c.ok), checks };
  }

  async pause(): Promise<void> {
    if (this.#state !== 'running') return;
    this.#post({ t: 'pause' });
    this.#setState('paused');
    this.#logger.info('capture paused by control request');
  }

  async resume(): Promise<void> {
    if (this.#state !== 'paused') return;
    this.#post({ t: 'resume' });
    this.#setState('running');
    this.#logger.info('capture resumed by control request');
  }

  /** Re-reads the config file and applies what can change live; an invalid file changes nothing. */
  async reload(): Promise<ReloadResult> {
    if (!this.#configFile) {
      return { ok: false, applied: [], restart_required: [], error: 'the embedded demo config has no file to reload' };
    }
    let next: Config;
    try {
      next = loadConfig(this.#configFile);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.#logger.error('reload rejected: the new config is invalid; still running on the old one', { file: this.#configFile, error: message });
      return { ok: false, applied: [], restart_required: [], error: message };
    }
    return this.applyConfig(next);
  }

  /** Applies the live-changeable parts of `next` (filters, windows, timeouts, log level); lists the rest. */
  async applyConfig(next: Config): Promise<ReloadResult> {
    const { applied, restart_required } = diffConfig(this.#config, next);
    const error = await this.#request<string | undefined>((id) => reconfigureMessage(id, next));
    if (error) {
      this.#logger.error('reload rejected by the pipeline; still running on the old config', { error });
      return { ok: false, applied: [], restart_required, error };
    }
    this.#logger.setLevel(next.logging.level);
    this.#alerts?.reconfigure(next.alerts);
    // Keep the running (restart-only) parts as they are; take the live ones.
    this.#config = { ...this.#config, aggregation: next.aggregation, tracking: { ...this.#config.tracking, timeouts: next.tracking.timeouts }, alerts: next.alerts, logging: next.logging, capture: { ...this.#config.capture, bpf: next.capture.bpf }, interfaces: next.interfaces };
    this.#logger.info('config reloaded', { applied, restart_required });
    return { ok: true, applied, restart_required };
  }

  /** Stops capture, ends every open flow (reason shutdown), flushes storage and exports. Idempotent. */
  stop(): Promise<void> {
    this.#stopped ??= this.#stop();
    return this.#stopped;
  }

  async #stop(): Promise<void> {
    this.#setState('stopping');
    this.#logger.info('stopping: flushing open flows and storage');
    if (!this.#exited) {
      const done = new Promise<boolean>((resolve) => {
        this.#onStopped = () => resolve(true);
        setTimeout(() => resolve(false), STOP_TIMEOUT_MS).unref();
      });
      this.#post({ t: 'stop' });
      if (!(await done)) this.#logger.error('the pipeline did not stop in time; open flows may be lost', { timeout_ms: STOP_TIMEOUT_MS });
    }
    await this.#terminate();
    this.#setState('stopped');
    const flows = this.#snapshot?.pipeline.flows;
    this.#logger.info('stopped', {
      sources: this.#sources.map((s) => ({ name: s.name, packets: s.packets, bytes: s.bytes, kernel_drops: s.kernel_drops, ring_drops: s.ring_drops })),
      flows: flows ? { created: flows.created.total, ended: flows.ended, evicted: flows.evicted } : null,
    });
  }

  #onStopped: (() => void) | null = null;
  /** Shutdown flushes every open flow at once: feed the exporters at their pace instead of overflowing their queues. */
  #sinkFeed: Promise<void> = Promise.resolve();

  #drainToSinks(records: FlowRecord[]): void {
    this.#sinkFeed = this.#sinkFeed.then(async () => {
      for (const sink of this.#sinks) {
        for (let i = 0; i < records.length; i++) {
          const s = sink.stats();
          if (s.queued >= 4096 && 'drained' in sink) await (sink as FlowSink & { drained(): Promise<void> }).drained();
          sink.write(records[i]!);
        }
      }
    });
  }

  async #terminate(): Promise<void> {
    await this.#sinkFeed;
    await Promise.all(this.#sinks.map((s) => s.close()));
    await this.#alerts?.close();
    this.#alerts = null;
    await this.#closeStoreWorker();
    this.#store?.close();
    this.#store = null;
    if (!this.#exited) await this.#worker.terminate();
  }

  /** Starts the history writer's worker (it creates and migrates the database), then opens the main thread's connection for queries. */
  async #openStore(feed: MessagePort): Promise<void> {
    const { storage } = this.#config;
    const setup: StoreWorkerSetup & { feed: MessagePort } = {
      path: storage.path,
      samplesHours: storage.samples_hours,
      retentionDays: storage.retention_days,
      flushMs: storage.flush_ms,
      feed,
    };
    const worker = startWorker('store-worker', setup, [feed]);
    this.#storeWorker = worker;
    await new Promise<void>((resolve, reject) => {
      worker.on('message', (m: FromStoreWorker) => {
        if (m.t === 'opened') resolve();
        else if (m.t === 'open-failed') reject(new StoreError(m.code as never, storage.path, m.message));
        else if (m.t === 'log') this.#logger.log(m.level, m.msg, { component: 'store', ...m.meta });
        else if (m.t === 'stats') this.#writerStats = m.stats;
        else if (m.t === 'closed') {
          this.#writerStats = m.stats;
          this.#onStoreClosed?.();
        }
      });
      worker.on('error', (error) => {
        this.#logger.error('history writer failed', { error: error.message });
        reject(error);
      });
      worker.on('exit', () => {
        this.#storeWorker = null;
        this.#onStoreClosed?.();
      });
    });
    // Reads (API history, sessions, alerts) use their own connection: WAL lets them run beside the writer.
    this.#store = Store.open(storage.path, { samplesHours: storage.samples_hours, retentionDays: storage.retention_days, busyTimeoutMs: 1000 });
  }

  /** Waits until the writer has flushed everything the pipeline sent (or gives up after STOP_TIMEOUT_MS). */
  async #closeStoreWorker(): Promise<void> {
    const worker = this.#storeWorker;
    if (!worker) return;
    const closed = new Promise<boolean>((resolve) => {
      this.#onStoreClosed = () => resolve(true);
      setTimeout(() => resolve(false), STOP_TIMEOUT_MS).unref();
    });
    // The pipeline's 'end' closes the writer; a pipeline that died sends none, so ask directly too.
    if (this.#exited || this.#state !== 'stopping') worker.postMessage({ t: 'close' } satisfies ToStoreWorker);
    if (!(await closed)) {
      worker.postMessage({ t: 'close' } satisfies ToStoreWorker);
      this.#logger.error('the history writer did not finish in time');
    }
    await worker.terminate();
  }

  #setState(state: DaemonView['state']): void {
    this.#state = state;
    this.emit('state', state);
  }

  #post(message: ToWorker): void {
    if (!this.#exited) this.#worker.postMessage(message);
  }

  #request<T>(make: (id: number) => ToWorker): Promise<T> {
    const id = this.#nextRequest++;
    return new Promise<T>((resolve) => {
      this.#requests.set(id, resolve as (value: unknown) => void);
      this.#post(make(id));
    });
  }

  #awaitOpened(): Promise<Extract<FromWorker, { t: 'opened' }>> {
    return new Promise((resolve, reject) => {
      this.#worker.on('error', (error) => {
        this.#logger.error('pipeline worker failed', { error: error.message, stack: error.stack });
        reject(error);
      });
      this.#worker.on('exit', (code) => {
        this.#exited = true;
        for (const r of this.#requests.values()) r(undefined);
        this.#requests.clear();
        if (this.#state !== 'stopping' && this.#state !== 'stopped') this.#logger.error('pipeline worker exited', { code });
        reject(new DaemonStartError('worker_exit', `the pipeline worker exited with code ${code}`));
      });
      this.#worker.on('message', (m: FromWorker) => {
        if (m.t === 'opened') resolve(m);
        else if (m.t === 'open-failed') reject(new CaptureError(m.kind as never, m.message));
        else this.#onMessage(m);
      });
    });
  }

  #onMessage(m: FromWorker): void {
    switch (m.t) {
      case 'tick':
        this.#onTick(m);
        break;
      case 'flows':
        if (this.#state === 'stopping') this.#drainToSinks(m.records);
        else for (const sink of this.#sinks) for (const r of m.records) sink.write(r);
        // Alerts take each group as it comes (the tick message follows its flows), so no
        // tick carries a whole second's worth of records in one synchronous call.
        this.#alerts?.onFlows(m.records);
        this.emit('flows', m.records);
        break;
      case 'source-ended':
        if (m.error) this.#logger.error('capture source failed', { source: m.name, kind: m.error.kind, error: m.error.message });
        else this.#logger.info('capture source ended', { source: m.name });
        break;
      case 'live-flows':
        this.#resolve(m.id, m.records);
        break;
      case 'reconfigured':
        this.#resolve(m.id, m.error);
        break;
      case 'stopped':
        this.#onStopped?.();
        break;
    }
  }

  #resolve(id: number, value: unknown): void {
    const r = this.#requests.get(id);
    this.#requests.delete(id);
    r?.(value);
  }

  #onTick(m: Extract<FromWorker, { t: 'tick' }>): void {
    const now = Date.now();
    this.#lastTickAt = now;
    this.#sources = m.sources;
    this.#traffic = m.traffic;
    this.#snapshot = { taken: now / 1000, pipeline: m.snapshot, sources: m.sources, lag_s: m.lagS };
    this.#live = m.live ?? null;
    const ts = Math.floor(now / 1000);
    this.#storeWorker?.postMessage({
      t: 'source-stats',
      rows: m.sources.map((s) => ({ ts, source: s.id, name: s.name, packets: s.packets, bytes: s.bytes, kernel_drops: s.kernel_drops, if_drops: s.if_drops, ring_drops: s.ring_drops })),
    } satisfies ToStoreWorker);
    this.#dropLog.update(m.sources);
    // Threshold rules are evaluated here, once per tick, never per packet.
    this.#alerts?.onSnapshot(this.#snapshot);
    this.emit('snapshot', this.#snapshot);
  }
}

// The pipeline worker (a worker_thread of the daemon): opens the capture sources
// (while the process is still privileged), runs the pipeline over their batches
// and posts snapshots, flow records and per-second samples to the main thread.
// Everything here runs on this worker's JS thread; capture threads are native.
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import type { Batch } from '../capture/batch.js';
import { CaptureError } from '../capture/errors.js';
import { CaptureSource } from '../capture/source.js';
import type { FlowRecord } from '../flows/index.js';
import { Pipeline } from '../pipeline/index.js';
import type { SampleRow } from '../stats/index.js';
import type { FromWorker, SourceSpec, StoreFeed, ToWorker, WorkerSetup } from './protocol.js';
import { sourceCounters } from './source-status.js';
import { lowerThisThreadPriority } from './thread-priority.js';
import type { SourceStatus, TrafficTotal } from './view.js';

/** A BPF program that matches nothing: a paused live source stays open (privileges are gone) but the kernel drops everything. */
const MATCH_NOTHING = 'ip and not ip';
/**
 * Flow records are posted in groups: per tick, or sooner when this many are
 * waiting. Small enough that deserializing one group never stalls the main
 * thread (the API) for long.
 */
const FLOW_GROUP = 1024;
/**
 * After a request for live flows, ticks carry them for this long (renewed by
 * each later request): a client that asks at least about once a tick (an API
 * under load) is answered from the latest tick instead of waiting for this busy
 * thread to reply. Short, because each copy costs this thread up to 100k
 * records: slower pollers (the dashboard, every 2 s) ask each time instead.
 */
const LIVE_FOLLOW_MS = 1500;

// Before any source opens: the capture threads inherit this thread's priority.
lowerThisThreadPriority();
const port = parentPort!;
const setup = workerData as WorkerSetup & { feed?: MessagePort };
/** The history writer's inbox (absent when storage is off). */
const feed = setup.feed ?? null;
const post = (message: FromWorker): void => port.postMessage(message);

interface Open {
  spec: SourceSpec;
  source: CaptureSource;
  state: SourceStatus['state'];
  error?: { kind: string; message: string };
}

const pipeline = new Pipeline({
  clock: setup.clock,
  windows: setup.windows,
  topN: setup.topN,
  maxFlows: setup.maxFlows,
  timeouts: setup.timeouts,
});
let flowGroup: FlowRecord[] = [];
let liveFollow: { limit: number; until: number } | null = null;
let secondGroup: SampleRow[] = [];
let paused = false;
let newestPacket = 0;
const filters = new Map<number, string | undefined>();
const rebaseAll = setup.sources.some((s) => s.kind === 'file' && s.rebaseTime);

pipeline.on('flow', (record) => {
  flowGroup.push(record);
  if (flowGroup.length >= FLOW_GROUP) postFlows();
});
/**
 * Packets and bytes per source and class since start (Prometheus counters),
 * sent with each tick. Only these totals go to the main thread, not the rows:
 * a max-speed replay closes thousands of packet-time seconds per wall second,
 * and deserializing ~90k rows per tick held the API's event loop for 50+ ms.
 */
const traffic = new Map<number, Map<TrafficTotal['cls'], TrafficTotal>>();
pipeline.on('second', (rows) => {
  for (const r of rows) {
    let bySource = traffic.get(r.source);
    if (!bySource) traffic.set(r.source, (bySource = new Map()));
    const t = bySource.get(r.cls);
    if (t) {
      t.packets += r.packets;
      t.bytes += r.bytes;
    } else bySource.set(r.cls, { source: r.source, cls: r.cls, packets: r.packets, bytes: r.bytes });
  }
  if (feed) for (const r of rows) secondGroup.push(r);
});

function postFlows(): void {
  if (flowGroup.length === 0) return;
  post({ t: 'flows', records: flowGroup });
  feed?.postMessage({ t: 'flows', records: flowGroup } satisfies StoreFeed);
  flowGroup = [];
}

function postSeconds(): void {
  if (secondGroup.length === 0) return;
  feed?.postMessage({ t: 'seconds', rows: secondGroup } satisfies StoreFeed);
  secondGroup = [];
}

function open(spec: SourceSpec): CaptureSource {
  filters.set(spec.id, spec.filter);
  if (spec.kind === 'live') {
    return CaptureSource.openLive({
      id: spec.id,
      name: spec.name,
      interface: spec.interface,
      filter: spec.filter,
      promiscuous: spec.promiscuous,
      snaplen: spec.snaplen,
      bufferMb: spec.bufferMb,
    });
  }
  return CaptureSource.openFile({ id: spec.id, name: spec.name, file: spec.file, filter: spec.filter, speed: spec.speed, loop: spec.loop });
}

const opened: Open[] = [];
for (const spec of setup.sources) {
  try {
    opened.push({ spec, source: open(spec), state: 'opening' });
  } catch (error) {
    const e = error instanceof CaptureError ? error : new CaptureError('capture_failed', String(error));
    for (const o of opened) o.source.stop();
    post({ t: 'open-failed', source: spec.name, kind: e.kind, message: e.message });
    process.exit(0);
  }
}
post({ t: 'opened', sources: opened.map((o) => ({ id: o.spec.id, name: o.spec.name, warning: o.source.warning })) });

/** Whole seconds added to every packet time of a file source with rebaseTime (integers keep ns exact). */
let rebaseOffset: number | null = null;

function rebase(batch: Batch): void {
  const ts = batch.tsSec;
  rebaseOffset ??= Math.floor(Date.now() / 1000) - Math.floor(ts[0]!);
  for (let i = 0; i < batch.rows; i++) ts[i] = ts[i]! + rebaseOffset;
}

function onBatch(batch: Batch): void {
  if (paused) return;
  if (rebaseAll && batch.rows > 0) rebase(batch);
  pipeline.ingest(batch);
  const last = batch.rows - 1;
  if (last >= 0) newestPacket = Math.max(newestPacket, batch.tsSec[last]! + batch.tsNsec[last]! * 1e-9);
}

function statusOf(o: Open): SourceStatus {
  return {
    id: o.spec.id,
    name: o.spec.name,
    kind: o.spec.kind,
    state: o.state,
    ...sourceCounters(o.source.stats()),
    ...(o.error ? { error: o.error } : {}),
  };
}

function tick(): void {
  const snapshot = pipeline.tick();
  postFlows();
  postSeconds();
  // Lag: how far behind the wire the pipeline is (live sources only; a replay's packet time is not "now").
  const lagS = setup.clock === 'wall' && newestPacket > 0 ? Math.max(0, Date.now() / 1000 - newestPacket) : 0;
  if (liveFollow && Date.now() >= liveFollow.until) liveFollow = null;
  const live = liveFollow ? { limit: liveFollow.limit, records: pipeline.liveFlows(liveFollow.limit) } : undefined;
  const totals = [...traffic.values()].flatMap((bySource) => [...bySource.values()]);
  post({ t: 'tick', snapshot, sources: opened.map(statusOf), lagS, traffic: totals, ...(live ? { live } : {}) });
}

function follow(limit: number): void {
  const until = Date.now() + LIVE_FOLLOW_MS;
  liveFollow = { limit: Math.max(limit, liveFollow && Date.now() < liveFollow.until ? liveFollow.limit : 0), until };
}

let timer: NodeJS.Timeout | undefined;

function start(): void {
  for (const o of opened) {
    o.source.on('batch', onBatch);
    o.source.on('end', (error) => {
      o.state = error ? 'failed' : 'ended';
      if (error) o.error = { kind: error.kind, message: error.message };
      post({ t: 'source-ended', id: o.spec.id, name: o.spec.name, ...(o.error ? { error: o.error } : {}) });
    });
    o.source.start();
    o.state = 'capturing';
  }
  // Tick just after each wall-clock second: windows cover closed seconds, so an
  // aligned tick sees a second at most ~60 ms after it closes (alert latency).
  const delay = setup.tickMs - (Date.now() % setup.tickMs) + 60;
  timer = setTimeout(() => {
    tick();
    timer = setInterval(tick, setup.tickMs);
  }, delay);
}

function setPaused(value: boolean): void {
  paused = value;
  for (const o of opened) {
    if (o.state !== 'capturing' && o.state !== 'paused') continue;
    if (o.spec.kind === 'live') o.source.setFilter(value ? MATCH_NOTHING : (filters.get(o.spec.id) ?? ''));
    o.state = value ? 'paused' : 'capturing';
  }
}

async function stop(): Promise<void> {
  if (timer) clearTimeout(timer); // clears an interval too
  for (const o of opened) o.source.stop();
  await Promise.all(opened.map((o) => o.source.ended()));
  // Every open flow ends now (reason shutdown), and the open second closes.
  pipeline.flush();
  tick();
  feed?.postMessage({ t: 'end' } satisfies StoreFeed);
  post({ t: 'stopped' });
}

port.on('message', (m: ToWorker) => {
  switch (m.t) {
    case 'start':
      start();
      break;
    case 'pause':
      setPaused(true);
      break;
    case 'resume':
      setPaused(false);
      break;
    case 'reconfigure':
      try {
        for (const o of opened) {
          const next = m.filters[o.spec.id];
          if (next === filters.get(o.spec.id) || o.state === 'ended' || o.state === 'failed') continue;
          // A paused live source keeps its match-nothing program; resume installs the new one.
          if (!(paused && o.spec.kind === 'live')) o.source.setFilter(next ?? '');
          filters.set(o.spec.id, next);
        }
        pipeline.reconfigure({ windows: m.windows, timeouts: m.timeouts });
        post({ t: 'reconfigured', id: m.id });
      } catch (error) {
        post({ t: 'reconfigured', id: m.id, error: error instanceof Error ? error.message : String(error) });
      }
      break;
    case 'live-flows':
      post({ t: 'live-flows', id: m.id, records: pipeline.liveFlows(m.limit) });
      follow(m.limit);
      break;
    case 'live-follow':
      follow(m.limit);
      break;
    case 'stop':
      void stop();
      break;
  }
});

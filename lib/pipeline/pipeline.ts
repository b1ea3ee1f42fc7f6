// The pipeline (DESIGN §1): batches → FlowTable + Windows + layer counts, and out
// come flow records, closed per-second samples and snapshots. It has no thread of
// its own: the daemon runs it in a worker_thread, a library user in-process. All
// per-packet work happens in FlowTable.ingestRange (in the addon), Windows.countRun and
// LayerCounts.add (typed arrays only); this file only wires them and does
// per-batch/per-tick work.
import { EventEmitter } from 'node:events';
import type { Batch } from '../capture/batch.js';
import { LayerCounts, type LayerCountsJSON } from '../capture/layer-counts.js';
import { FlowTable, type FlowRecord, type FlowTableStats, type FlowTimeouts } from '../flows/index.js';
import { Windows, type SampleRow, type StatsSnapshot } from '../stats/index.js';

/** Whose time drives windows and flow expiry. */
export type PipelineClock = 'packet' | 'wall';

export interface PipelineOptions {
  /** 'packet' (default; replays: deterministic) or 'wall' (live: windows and idle flows age while the wire is quiet). */
  clock?: PipelineClock;
  /** Window lengths in seconds. Default [1, 10, 60]. */
  windows?: number[];
  /** Top talkers kept per window. Default 10. */
  topN?: number;
  /** Flow table bound. Default 1,000,000. */
  maxFlows?: number;
  timeouts?: Partial<FlowTimeouts>;
  communityIdSeed?: number;
}

export interface FlowCounters extends FlowTableStats {
  /** New flows per second over each window (same order as stats.windows). */
  new_per_s: Array<{ window: number; rate: number }>;
}

/** Everything the API and dashboard show, as plain data (structured-clone friendly). */
export interface PipelineSnapshot {
  /** Unix seconds this snapshot describes (packet or wall time, see `clock`). */
  time: number;
  clock: PipelineClock;
  totals: LayerCountsJSON;
  flows: FlowCounters;
  stats: StatsSnapshot;
}

/** The `flows` part of the `replay --json` summary (DESIGN §7). */
export interface FlowSummary {
  total: number;
  tcp: number;
  udp: number;
  icmp: number;
  other: number;
}

export interface PipelineEvents {
  /** A flow ended or was reported by the active timeout. */
  flow: [record: FlowRecord];
  /** Samples of one closed second (rows with packets > 0 only). */
  second: [rows: SampleRow[]];
  snapshot: [snapshot: PipelineSnapshot];
}

/** Seconds of new-flow history: enough for the longest allowed window. */
const CREATED_HISTORY = 3601;

export class Pipeline extends EventEmitter<PipelineEvents> {
  readonly clock: PipelineClock;
  readonly #flows: FlowTable;
  readonly #windows: Windows;
  readonly #counts = new LayerCounts();
  #windowLengths: number[];
  /** Latest packet time seen, seconds. */
  #packetClock = -Infinity;
  /** flows created (total) at the end of each closed second, ring indexed by second. */
  readonly #createdAt = new Float64Array(CREATED_HISTORY);
  #lastClosed = -1;

  constructor(options: PipelineOptions = {}) {
    super();
    this.clock = options.clock ?? 'packet';
    if (this.clock !== 'packet' && this.clock !== 'wall') throw new RangeError(`clock: expected "packet" or "wall", got ${String(this.clock)}`);
    this.#windowLengths = options.windows ?? [1, 10, 60];
    this.#flows = new FlowTable({
      maxFlows: options.maxFlows,
      timeouts: options.timeouts,
      communityIdSeed: options.communityIdSeed,
    });
    // Building a record (addresses as text, Community ID's SHA-1) is most of what a
    // flow end costs; build them only while someone listens to 'flow'.
    const emitRecord = (record: FlowRecord) => this.emit('flow', record);
    const self = this as EventEmitter;
    self.on('newListener', (event: string | symbol) => {
      if (event === 'flow') this.#flows.onRecord = emitRecord;
    });
    self.on('removeListener', (event: string | symbol) => {
      if (event === 'flow' && this.listenerCount('flow') === 0) this.#flows.onRecord = null;
    });
    this.#windows = new Windows({
      windows: this.#windowLengths,
      topN: options.topN,
      onSecond: (rows, second) => this.#secondClosed(rows, second),
    });
    // Top talkers come from the flow table's per-second sums (one update per
    // flow and second, not per packet): it hands them over before each close.
    this.#flows.secondSink = this.#windows;
    this.#windows.beforeClose = () => this.#flows.flushSeconds();
  }

  /** Accounts every row of a batch. The batch may be released as soon as this returns. */
  ingest(batch: Batch): void {
    const rows = batch.rows;
    if (rows === 0) return;
    this.#counts.add(batch);
    // Second by second: all of a second's rows reach the flow table before the
    // windows close that second (a row of a later second closes it).
    for (let i = 0; i < rows; ) {
      const end = this.#windows.countRun(batch, i);
      this.#flows.ingestRange(batch, i, end);
      i = end;
    }
    if (this.clock === 'packet') {
      const latest = latestTime(batch);
      if (latest > this.#packetClock) this.#packetClock = latest;
      this.#windows.advance(this.#packetClock);
    }
  }

  /**
   * Advances time, ends idle flows and returns (and emits) a snapshot. Call it
   * once per second or so. `now` defaults to the pipeline's clock: the latest
   * packet time, or the wall clock.
   */
  tick(now: number = this.now()): PipelineSnapshot {
    if (Number.isFinite(now)) {
      this.#windows.advance(now);
      this.#flows.expire(now);
    }
    const snapshot = this.snapshot(now);
    this.emit('snapshot', snapshot);
    return snapshot;
  }

  /** The current time by this pipeline's clock (seconds; -Infinity before the first packet on a packet clock). */
  now(): number {
    return this.clock === 'wall' ? Date.now() / 1000 : this.#packetClock;
  }

  snapshot(now: number = this.now()): PipelineSnapshot {
    const stats = this.#windows.snapshot();
    const flowStats = this.#flows.stats;
    return {
      time: Number.isFinite(now) ? now : 0,
      clock: this.clock,
      totals: this.#counts.toJSON(),
      flows: { ...flowStats, new_per_s: this.#windowLengths.map((w) => ({ window: w, rate: this.#newFlowRate(w) })) },
      stats,
    };
  }

  /** Live flows as records (end_reason null), up to `limit`. For the API, not per packet. */
  liveFlows(limit?: number): FlowRecord[] {
    return this.#flows.snapshot(limit);
  }

  /** Ends every open flow (reason `shutdown`, or fin/rst for finished TCP) and closes the open second. */
  flush(): void {
    this.#flows.flush();
    const now = this.now();
    if (Number.isFinite(now)) this.#windows.advance(Math.floor(now) + 1);
  }

  /** Live reconfiguration (config reload): counters, flows and buckets are kept. */
  reconfigure(options: { windows?: number[]; timeouts?: Partial<FlowTimeouts> }): void {
    if (options.timeouts) this.#flows.setTimeouts(options.timeouts);
    if (options.windows) {
      this.#windows.setWindows(options.windows);
      this.#windowLengths = [...options.windows];
    }
  }

  get timeouts(): Readonly<FlowTimeouts> {
    return this.#flows.timeouts;
  }

  get windows(): readonly number[] {
    return this.#windowLengths;
  }

  /** Frames and bytes read so far, by layer (the replay summary's counters). */
  get totals(): LayerCountsJSON {
    return this.#counts.toJSON();
  }

  get flowSummary(): FlowSummary {
    return { ...this.#flows.stats.created };
  }

  #secondClosed(rows: SampleRow[], second: number): void {
    // Seconds close between runs of rows (see ingest), so a second's "created"
    // counts exactly the flows of the rows before the row that closed it.
    this.#recordCreated(second);
    if (rows.length > 0) this.emit('second', rows);
  }

  #recordCreated(sec: number): void {
    const created = this.#flows.stats.created.total;
    // Seconds skipped over (idle gaps) had no new flows: carry the count forward.
    const from = this.#lastClosed < 0 || sec - this.#lastClosed > CREATED_HISTORY ? sec : this.#lastClosed + 1;
    for (let s = from; s <= sec; s++) this.#createdAt[s % CREATED_HISTORY] = created;
    if (this.#lastClosed < 0) this.#firstClosed = sec;
    this.#lastClosed = sec;
  }

  #firstClosed = -1;

  #newFlowRate(window: number): number {
    if (this.#lastClosed < 0) return 0;
    const now = this.#createdAt[this.#lastClosed % CREATED_HISTORY]!;
    const startSec = this.#lastClosed - window;
    const before = startSec < this.#firstClosed ? 0 : this.#createdAt[startSec % CREATED_HISTORY]!;
    return (now - before) / window;
  }
}

/** The latest packet time in a batch, seconds (its last row may be a late one). */
function latestTime(batch: Batch): number {
  const { tsSec, tsNsec } = batch;
  let sec = tsSec[0]!;
  let nsec = tsNsec[0]!;
  for (let i = 1; i < batch.rows; i++) {
    const s = tsSec[i]!;
    if (s > sec || (s === sec && tsNsec[i]! > nsec)) {
      sec = s;
      nsec = tsNsec[i]!;
    }
  }
  return sec + nsec * 1e-9;
}

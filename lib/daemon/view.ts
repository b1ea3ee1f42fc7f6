// What the daemon shows to the API (and to library users): read access to the
// latest snapshot, sources, live flows and history, plus control. The API is
// built on this interface only, so it can be tested and embedded on its own.
import type { EventEmitter } from 'node:events';
import type { FlowRecord } from '../flows/index.js';
import type { PipelineSnapshot } from '../pipeline/index.js';
import type { ClassName } from '../stats/index.js';

export type SourceState = 'opening' | 'capturing' | 'paused' | 'ended' | 'failed';

export interface SourceStatus {
  id: number;
  name: string;
  kind: 'live' | 'file';
  state: SourceState;
  /** Cumulative totals since the source opened. */
  packets: number;
  bytes: number;
  kernel_drops: number;
  if_drops: number;
  ring_drops: number;
  /** Rows dropped because the pipeline fell behind (never for file sources). */
  errors: { truncated: number; malformed: number; unsupported_link: number };
  /** The capture error, when state is failed. */
  error?: { kind: string; message: string };
}

export interface DaemonSnapshot {
  /** Wall-clock unix seconds when taken. */
  taken: number;
  pipeline: PipelineSnapshot;
  sources: SourceStatus[];
  /** Seconds between the newest packet handed to the pipeline and now (0 for replays). */
  lag_s: number;
}

export interface ReadyState {
  ready: boolean;
  /** One entry per check: every source capturing, storage writable, pipeline alive. */
  checks: Array<{ name: string; ok: boolean; detail?: string }>;
}

export interface ReloadResult {
  ok: boolean;
  /** Key paths that changed and were applied live. */
  applied: string[];
  /** Key paths that changed but need a restart (not applied). */
  restart_required: string[];
  error?: string;
}

/** Packets and bytes of one source and protocol class since the daemon started (closed seconds). */
export interface TrafficTotal {
  source: number;
  cls: ClassName;
  packets: number;
  bytes: number;
}

export interface LiveFlowQuery {
  limit?: number;
}

export interface DaemonViewEvents {
  snapshot: [snapshot: DaemonSnapshot];
  /** Flow records as they end (batched per tick). */
  flows: [records: FlowRecord[]];
  state: [state: 'running' | 'paused' | 'stopping' | 'stopped'];
}

export interface DaemonView extends EventEmitter<DaemonViewEvents> {
  /** The latest snapshot, null before the first tick. */
  snapshot(): DaemonSnapshot | null;
  sources(): SourceStatus[];
  /** Open flows from the pipeline (a copy; at most `limit`). */
  liveFlows(query?: LiveFlowQuery): Promise<FlowRecord[]>;
  ready(): ReadyState;
  /** 'running' | 'paused' (capture halted by control, history still served) | 'stopping' | 'stopped'. */
  readonly state: 'running' | 'paused' | 'stopping' | 'stopped';
  pause(): Promise<void>;
  resume(): Promise<void>;
  reload(): Promise<ReloadResult>;
}

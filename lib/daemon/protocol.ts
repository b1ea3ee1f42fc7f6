// Messages between the daemon (main thread) and its pipeline worker. Plain data
// only: everything crosses by structured clone.
import type { FlowRecord, FlowTimeouts } from '../flows/index.js';
import type { PipelineClock, PipelineSnapshot } from '../pipeline/index.js';
import type { SampleRow } from '../stats/index.js';
import type { SourceStatsRow, StoreWriter } from '../store/index.js';
import type { SourceStatus, TrafficTotal } from './view.js';

export type WriterStats = ReturnType<StoreWriter['stats']>;

/** One capture source, resolved from the config. */
export type SourceSpec =
  | { kind: 'live'; id: number; name: string; interface: string; filter?: string; promiscuous: boolean; snaplen: number; bufferMb: number }
  | { kind: 'file'; id: number; name: string; file: string; filter?: string; speed: number | 'max'; loop: boolean; rebaseTime: boolean };

export interface StoreWorkerSetup {
  path: string;
  samplesHours: number;
  retentionDays: number;
  flushMs: number;
}

/** Pipeline worker → store worker, over the MessagePort they share. */
export type StoreFeed =
  | { t: 'flows'; records: FlowRecord[] }
  | { t: 'seconds'; rows: SampleRow[] }
  | { t: 'end' };

export type ToStoreWorker = { t: 'source-stats'; rows: SourceStatsRow[] } | { t: 'close' };

export type FromStoreWorker =
  | { t: 'opened' }
  | { t: 'open-failed'; code: string; message: string }
  | { t: 'log'; level: 'error' | 'warn' | 'info' | 'debug'; msg: string; meta?: Record<string, unknown> }
  | { t: 'stats'; stats: WriterStats }
  | { t: 'closed'; stats: WriterStats };

export interface WorkerSetup {
  sources: SourceSpec[];
  clock: PipelineClock;
  windows: number[];
  topN: number;
  maxFlows: number;
  timeouts: FlowTimeouts;
  /** Snapshot period, ms. */
  tickMs: number;
}

/** The open flows at a tick (up to `limit` of them), taken in the same turn as its snapshot. */
export interface LiveFlowsCopy {
  limit: number;
  records: FlowRecord[];
}

export type ToWorker =
  | { t: 'start' }
  | { t: 'pause' }
  | { t: 'resume' }
  | { t: 'reconfigure'; id: number; windows: number[]; timeouts: FlowTimeouts; filters: Record<number, string | undefined> }
  | { t: 'live-flows'; id: number; limit: number }
  /** Keep sending live flows with each tick (someone still reads them); no answer. */
  | { t: 'live-follow'; limit: number }
  | { t: 'stop' };

export type FromWorker =
  | { t: 'opened'; sources: Array<{ id: number; name: string; warning?: string }> }
  | { t: 'open-failed'; source: string; kind: string; message: string }
  | { t: 'tick'; snapshot: PipelineSnapshot; sources: SourceStatus[]; lagS: number; traffic: TrafficTotal[]; live?: LiveFlowsCopy }
  | { t: 'flows'; records: FlowRecord[] }
  | { t: 'source-ended'; id: number; name: string; error?: { kind: string; message: string } }
  | { t: 'live-flows'; id: number; records: FlowRecord[] }
  | { t: 'reconfigured'; id: number; error?: string }
  | { t: 'stopped' };

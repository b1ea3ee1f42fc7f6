// Messages between the daemon (main thread) and its pipeline worker. Plain data
// only: everything crosses by structured clone.
import type { FlowRecord, FlowTimeouts } from '../flows/index.js';
import type { PipelineClock, PipelineSnapshot } from '../pipeline/index.js';
import type { SampleRow } from '../stats/index.js';
import type { SourceStatus } from './view.js';

/** One capture source, resolved from the config. */
export type SourceSpec =
  | { kind: 'live'; id: number; name: string; interface: string; filter?: string; promiscuous: boolean; snaplen: number; bufferMb: number }
  | { kind: 'file'; id: number; name: string; file: string; filter?: string; speed: number | 'max'; loop: boolean };

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

export type ToWorker =
  | { t: 'start' }
  | { t: 'pause' }
  | { t: 'resume' }
  | { t: 'reconfigure'; id: number; windows: number[]; timeouts: FlowTimeouts; filters: Record<number, string | undefined> }
  | { t: 'live-flows'; id: number; limit: number }
  | { t: 'stop' };

export type FromWorker =
  | { t: 'opened'; sources: Array<{ id: number; name: string; warning?: string }> }
  | { t: 'open-failed'; source: string; kind: string; message: string }
  | { t: 'tick'; snapshot: PipelineSnapshot; sources: SourceStatus[]; lagS: number }
  | { t: 'flows'; records: FlowRecord[] }
  | { t: 'seconds'; rows: SampleRow[] }
  | { t: 'source-ended'; id: number; name: string; error?: { kind: string; message: string } }
  | { t: 'live-flows'; id: number; records: FlowRecord[] }
  | { t: 'reconfigured'; id: number; error?: string }
  | { t: 'stopped' };

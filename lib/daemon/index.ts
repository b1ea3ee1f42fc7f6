// The daemon: capture sources + pipeline worker + storage + export, behind DaemonView.
export { Daemon, type DaemonOptions } from './daemon.js';
export { DaemonStartError } from './errors.js';
export { pipelineSetup, sourceSpecs } from './plan.js';
export type {
  DaemonSnapshot,
  DaemonView,
  DaemonViewEvents,
  LiveFlowQuery,
  ReadyState,
  ReloadResult,
  SourceState as DaemonSourceState,
  SourceStatus,
} from './view.js';

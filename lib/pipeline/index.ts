// The pipeline: batches in; flow records, per-second samples and snapshots out.
export {
  Pipeline,
  type FlowCounters,
  type FlowSummary,
  type PipelineClock,
  type PipelineEvents,
  type PipelineOptions,
  type PipelineSnapshot,
} from './pipeline.js';

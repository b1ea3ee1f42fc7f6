// Metric names (base units, DESIGN §8). Aggregate series only: labels are
// sources, protocol classes, drop kinds and end reasons — never addresses,
// ports or flows, so the series count stays small whatever the traffic.
export const PACKETS_TOTAL = 'wirewatch_packets_total';
export const BYTES_TOTAL = 'wirewatch_bytes_total';
export const CAPTURE_DROPS_TOTAL = 'wirewatch_capture_drops_total';
export const ACTIVE_FLOWS = 'wirewatch_active_flows';
export const FLOWS_CREATED_TOTAL = 'wirewatch_flows_created_total';
export const FLOW_ENDS_TOTAL = 'wirewatch_flow_ends_total';
export const PIPELINE_LAG_SECONDS = 'wirewatch_pipeline_lag_seconds';
export const STORAGE_ERRORS_TOTAL = 'wirewatch_storage_errors_total';
export const EXPORT_SENT_TOTAL = 'wirewatch_export_sent_total';
export const EXPORT_DROPPED_TOTAL = 'wirewatch_export_dropped_total';
export const EXPORT_ERRORS_TOTAL = 'wirewatch_export_errors_total';
export const EXPORT_QUEUED = 'wirewatch_export_queued';
export const STREAM_CLIENTS = 'wirewatch_api_stream_clients';
export const STREAM_DROPPED_TOTAL = 'wirewatch_api_stream_dropped_total';

export const METRIC_NAMES = [
  PACKETS_TOTAL,
  BYTES_TOTAL,
  CAPTURE_DROPS_TOTAL,
  ACTIVE_FLOWS,
  FLOWS_CREATED_TOTAL,
  FLOW_ENDS_TOTAL,
  PIPELINE_LAG_SECONDS,
  STORAGE_ERRORS_TOTAL,
  EXPORT_SENT_TOTAL,
  EXPORT_DROPPED_TOTAL,
  EXPORT_ERRORS_TOTAL,
  EXPORT_QUEUED,
  STREAM_CLIENTS,
  STREAM_DROPPED_TOTAL,
] as const;

// Flow tracking (DESIGN §6): the typed-array flow table, its records and Community ID.
export { communityId, icmpCounterpart } from './community-id.js';
export { FlowTable, type FlowSecondSink, type FlowTableOptions, type FlowTableStats } from './flow-table.js';
export {
  END_REASON_NAMES,
  FLOW_STATE_NAMES,
  nsString,
  type EndReason,
  type FlowRecord,
  type FlowState,
} from './records.js';
export { DEFAULT_TIMEOUTS, resolveTimeouts, type FlowTimeouts } from './timeouts.js';

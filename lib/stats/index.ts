// Rolling windows and top talkers (DESIGN §6): the public surface of lib/stats.
export { CLASS_NAMES, type ClassName } from './classes.js';
export {
  Windows,
  DEFAULT_WINDOWS,
  DEFAULT_TOP_N,
  DEFAULT_MAX_PER_SECOND,
  MAX_WINDOW,
  CANDIDATE_BUDGET,
  type SampleRow,
  type Rate,
  type TopHost,
  type TopFlow,
  type WindowStats,
  type StatsSnapshot,
  type WindowsOptions,
} from './windows.js';

// History (DESIGN §1 sinks): SQLite via better-sqlite3 — per-second samples,
// per-minute rollups, flow records and capture-source stats, with retention,
// crash-safe batched writes (StoreWriter) and the API's queries.
export { parseAddress, parseCidr, type AddressRange } from './address.js';
export { STORE_ERROR_CODES, StoreError, type StoreErrorCode } from './errors.js';
export { prepareStorePath, type PreparedStorePath } from './paths.js';
export { MIGRATIONS, SCHEMA_VERSION, migrate, type Migration } from './schema.js';
export { Store, type ResolvedStoreOptions } from './store.js';
export type {
  FlowPage,
  FlowQuery,
  HistoryPoint,
  HistoryQuery,
  HistoryResult,
  RetentionOptions,
  RetentionResult,
  SampleRow,
  SourceStatsQuery,
  SourceStatsRow,
  StoreOptions,
  TopTalker,
  TopTalkersQuery,
  WriteBatch,
  WriteResult,
} from './types.js';
export {
  StoreWriter,
  type FlushResult,
  type StoreLogLevel,
  type StoreLogger,
  type StoreWriterOptions,
  type StoreWriterStats,
} from './writer.js';

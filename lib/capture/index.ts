export { Batch } from './batch.js';
export { loadAddon, setAddonPath } from './binding.js';
export { CAPTURE_ERROR_KINDS, CaptureError, type CaptureErrorKind } from './errors.js';
export { formatAddress, isV4Mapped } from './format.js';
export { checkFilter, libpcapVersion, listInterfaces, type InterfaceInfo } from './interfaces.js';
export { LayerCounts, countedLayers, type LayerCountsJSON } from './layer-counts.js';
export {
  COLUMNS,
  ERROR_KIND,
  ERROR_KIND_NAMES,
  ERROR_LAYER,
  FRAG,
  L3,
  LAYER,
  columnOffsets,
  type ColumnName,
} from './layout.js';
export type { CommonSourceOptions, FileSourceOptions, LiveSourceOptions } from './options.js';
export { dropPrivileges, type DropPrivilegesOptions } from './privileges.js';
export { CaptureSource, type SourceEvents, type SourceState, type SourceStats } from './source.js';

// /metrics: a prom-client Registry per API (never the global default one),
// filled at scrape time from the latest snapshot — nothing runs per packet.
import { Registry } from 'prom-client';
import type { DaemonView } from '../../daemon/view.js';
import type { StreamStats } from '../stream.js';
import type { NamedExportStats } from '../../export/index.js';
import { registerCapture } from './capture.js';
import { registerExport } from './export.js';
import { registerFlows } from './flows.js';
import { registerService } from './service.js';
import { registerTraffic, type TrafficTotal } from './traffic.js';

export * from './names.js';
export { classPackets, type TrafficTotal } from './traffic.js';

export interface MetricsOptions {
  view: DaemonView;
  /** Default: a new Registry. Pass one to add these metrics to your own (names must not clash). */
  registry?: Registry;
  /** Exact cumulative packets/bytes per (source, class); see traffic.ts for the fallback. */
  trafficTotals?: () => readonly TrafficTotal[];
  /** Failed history writes so far (StoreWriter stats().errors). */
  storageErrors?: () => number;
  /** The flow exporters' counters (Daemon.exportStats). */
  exportStats?: () => readonly NamedExportStats[];
  streams: () => StreamStats;
}

export function createMetrics(options: MetricsOptions): { registry: Registry; close(): void } {
  const registry = options.registry ?? new Registry();
  const snapshot = () => options.view.snapshot();
  registerTraffic(registry, snapshot, options.trafficTotals);
  registerCapture(registry, snapshot);
  const stopFlows = registerFlows(registry, options.view, snapshot);
  registerService(registry, options.storageErrors, options.streams);
  registerExport(registry, options.exportStats);
  return { registry, close: stopFlows };
}

// What the route handlers share: the daemon's view, the history store, the
// config's api section and the API's own parts (auth, streams, caches).
import type { Registry } from 'prom-client';
import type { AlertListQuery } from '../alerts/types.js';
import type { ApiConfig } from '../config/types.js';
import type { DaemonView } from '../daemon/view.js';
import type { NamedExportStats } from '../export/index.js';
import type { Logger } from '../log/index.js';
import type { Store } from '../store/store.js';
import type { Authenticator } from './auth/access.js';
import type { SessionStore } from './auth/sessions.js';
import type { LiveFlows } from './live-flows.js';
import type { StreamHub } from './stream.js';

/** The Store methods the API calls (a real Store fits; so does a read-only one in another connection). */
export type ApiStore = Pick<Store, 'history' | 'flows' | 'topTalkers'>;

/** The part of lib/alerts the API uses: the list, and `alert` events when it is an EventEmitter. */
export interface AlertsSource {
  list(query?: AlertListQuery): unknown[];
  on?(event: 'alert', listener: (event: unknown) => void): unknown;
  off?(event: 'alert', listener: (event: unknown) => void): unknown;
}

export interface ApiContext {
  view: DaemonView;
  store: ApiStore | null;
  api: ApiConfig;
  auth: Authenticator;
  sessions: SessionStore | null;
  logger: Logger;
  /** Wall clock, ms. */
  now: () => number;
  alerts: AlertsSource | null;
  hub: StreamHub;
  live: LiveFlows;
  registry: Registry;
  /** The flow exporters' counters (none configured: empty). */
  exportStats: () => readonly NamedExportStats[];
  /** The SSE frame of the latest snapshot (null before the first one). */
  snapshotFrame(): string | null;
  logins: { inflight: number; max: number };
}

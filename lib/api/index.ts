// The HTTP API (DESIGN §7): an Express app over DaemonView and the history store.
export { createApi, TRUSTED_PROXIES, type Api, type ApiStats, type CreateApiOptions } from './app.js';
export type { AlertsSource, ApiStore } from './context.js';
export { listen, serverUrl, type ListenOptions } from './listen.js';
export { migrateSessions, SESSIONS_TABLE, SessionStore, type Session, type SessionStoreOptions } from './auth/sessions.js';
export { Authenticator, isLocalRequest, SESSION_COOKIE, type Principal } from './auth/access.js';
export { isLoopbackAddress, clientKey } from './address.js';
export { API_ERRORS, ApiError, type ApiErrorCode } from './errors.js';
export { TokenBuckets, type RateLimit } from './rate-limit.js';
export type { StreamOptions, StreamStats } from './stream.js';
export type { LiveFlowsOptions, FlowView } from './live-flows.js';
export * from './metrics/names.js';
export type { TrafficTotal } from './metrics/index.js';

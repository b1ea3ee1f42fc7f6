// createApi: the HTTP API as an Express app built on DaemonView (plus the
// history store), so it runs inside `wirewatch run`, in tests against a
// replayed capture, or mounted in a library user's own Express app.
//
// Threads: everything runs on the caller's (main) thread. Handlers only read
// snapshots, ask the view for live flows (a message to the pipeline worker)
// and run bounded, indexed store queries; nothing here touches packets.
import { statSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { Database as SqliteDatabase } from 'better-sqlite3';
import type { RequestListener } from 'node:http';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Registry } from 'prom-client';
import type { ApiConfig, Role } from '../config/types.js';
import type { DaemonSnapshot, DaemonView } from '../daemon/view.js';
import { createLogger, type Logger } from '../log/index.js';
import { Authenticator, hasRole, refuseQueryCredentials, type Principal } from './auth/access.js';
import { SessionStore } from './auth/sessions.js';
import type { AlertsSource, ApiContext, ApiStore } from './context.js';
import { AnswerCache, keptAnswerKey } from './answer-cache.js';
import { ApiError, errorHandler } from './errors.js';
import { LiveFlows, type LiveFlowsOptions } from './live-flows.js';
import type { NamedExportStats } from '../export/index.js';
import { createMetrics, type TrafficTotal } from './metrics/index.js';
import { openApiDocument } from './openapi.js';
import { validate } from './params.js';
import { rateLimit, TokenBuckets, type RateLimit } from './rate-limit.js';
import { QuickAnswers } from './quick-answers.js';
import { SECURITY_POLICY, securityHeaderSet, securityHeaders } from './security-headers.js';
import type { RouteSpec } from './route.js';
import { alertRoutes } from './routes/alerts.js';
import { controlRoutes } from './routes/control.js';
import { flowRoutes } from './routes/flows.js';
import { healthRoutes } from './routes/health.js';
import { historyRoutes } from './routes/history.js';
import { sessionRoutes } from './routes/session.js';
import { statsRoutes } from './routes/stats.js';
import { streamRoutes } from './routes/stream.js';
import { compactSnapshot } from './snapshot.js';
import { sseFrame, StreamHub, type StreamOptions, type StreamStats } from './stream.js';

export interface CreateApiOptions {
  view: DaemonView;
  /** The history store; null when storage is disabled (/api/history and ended flows answer 503). */
  store: ApiStore | null;
  /** The config's `api` section. */
  api: ApiConfig;
  /** Default: a logger at level warn on stdout. */
  logger?: Logger;
  /** Where login sessions live (table api_sessions, created if missing). Default: in memory, lost on restart. */
  sessionDb?: SqliteDatabase;
  /** Wall clock in ms (sessions, rate limits, default ranges). Default Date.now. */
  now?: () => number;
  /** lib/alerts, when enabled: /api/alerts lists it and `alert` events go to /api/stream. */
  alerts?: AlertsSource | null;
  /** Serve this directory (the dashboard) at / after the API routes. */
  staticDir?: string;
  /** prom-client registry for /metrics. Default: a new one (never the global default registry). */
  registry?: Registry;
  /** Exact cumulative packets/bytes per (source, class) for /metrics; see lib/api/metrics/traffic.ts. */
  trafficTotals?: () => readonly TrafficTotal[];
  /** Failed history writes so far, for wirewatch_storage_errors_total (e.g. () => writer.stats().errors). */
  storageErrors?: () => number;
  /** The flow exporters' counters, for /metrics and /api/sources (e.g. () => daemon.exportStats()). */
  exportStats?: () => readonly NamedExportStats[];
  /** Per-client limits. Defaults: login burst 5, 5/min; control burst 10, 60/min. */
  rateLimits?: { login?: RateLimit; control?: RateLimit };
  stream?: StreamOptions;
  liveFlows?: LiveFlowsOptions;
  /** Password checks running at once (each takes ~32 MiB for ~50 ms); more answer 503. Default 4. */
  maxConcurrentLogins?: number;
}

export interface ApiStats {
  streams: StreamStats;
  /** Sessions in the database (null without users). */
  sessions: number | null;
  /** True when no users or tokens are configured (loopback-only, no auth). */
  open: boolean;
  /** Kept answers given before Express (see Api.listener). */
  quickAnswers: number;
}

export interface Api {
  /** The whole API; mount it anywhere in your own Express app. */
  app: express.Express;
  /**
   * What to give node:http (listen() or http.createServer): `app` (default
   * this.app), with kept /api/stats and /api/flows answers served before it,
   * skipping Express (lib/api/quick-answers.ts). Pass your own app only if it
   * mounts this.app at its root and nothing in front of it must see those requests.
   */
  listener(app?: RequestListener): RequestListener;
  registry: Registry;
  stats(): ApiStats;
  /** Ends streams and timers and unsubscribes from the view. The caller closes its http.Server. */
  close(): void;
}

/** Trusted proxies when api.trust_proxy is set: on this host or a private network, never the open internet. */
export const TRUSTED_PROXIES = 'loopback, linklocal, uniquelocal';
const JSON_LIMIT = '16kb';
/** Live data: never stored by browsers or proxies. */
const API_CACHE_CONTROL = 'no-store';

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function defaultLogger(): Logger {
  return createLogger({ level: 'warn' }).child({ component: 'api' });
}

export function createApi(options: CreateApiOptions): Api {
  const { view, api } = options;
  if (!view || typeof view.snapshot !== 'function') throw new TypeError('view: expected a DaemonView');
  if (!api || !Array.isArray(api.users) || !Array.isArray(api.tokens)) throw new TypeError('api: expected the config api section');
  if (options.staticDir !== undefined && !isDirectory(options.staticDir)) throw new TypeError(`staticDir: ${JSON.stringify(options.staticDir)} is not a directory`);
  const logger = options.logger ?? defaultLogger();
  const now = options.now ?? Date.now;

  let ownDb: SqliteDatabase | null = null;
  let sessions: SessionStore | null = null;
  if (api.users.length > 0) {
    let db = options.sessionDb;
    if (!db) {
      ownDb = db = new Database(':memory:');
      logger.warn('API sessions are kept in memory: logins end when the process restarts (no session database given)');
    }
    sessions = new SessionStore(db, { idleMs: api.session_idle_minutes * 60_000, maxMs: api.session_max_hours * 3600_000, now });
    sessions.purgeExpired();
  }
  const auth = new Authenticator(api, sessions);
  if (auth.open) logger.warn('API has no users or tokens configured: it answers loopback clients only, without authentication');

  const hub = new StreamHub(options.stream);
  const live = new LiveFlows(view, options.liveFlows);
  const metrics = createMetrics({
    view,
    ...(options.registry ? { registry: options.registry } : {}),
    ...(options.trafficTotals ? { trafficTotals: options.trafficTotals } : {}),
    ...(options.storageErrors ? { storageErrors: options.storageErrors } : {}),
    ...(options.exportStats ? { exportStats: options.exportStats } : {}),
    streams: () => hub.stats(),
  });

  // The latest snapshot as an SSE frame: serialized once per tick, only while someone listens.
  let frame: string | null = null;
  let frameOf: DaemonSnapshot | null = null;
  const snapshotFrame = (): string | null => {
    const s = view.snapshot();
    if (!s) return null;
    if (s !== frameOf || frame === null) {
      frame = sseFrame('snapshot', JSON.stringify(compactSnapshot(s, view.state)));
      frameOf = s;
    }
    return frame;
  };
  const answers = new AnswerCache();
  const headers = securityHeaderSet(SECURITY_POLICY);
  const quick = new QuickAnswers({ answers, auth, headers: new Map([...headers, ['cache-control', API_CACHE_CONTROL]]) });
  const onState = () => answers.clear();
  view.on('state', onState);
  const onSnapshot = (s: DaemonSnapshot) => {
    answers.clear();
    frameOf = null;
    frame = null;
    if (hub.size === 0) return;
    frame = sseFrame('snapshot', JSON.stringify(compactSnapshot(s, view.state)));
    frameOf = s;
    hub.publishFrame(frame);
  };
  view.on('snapshot', onSnapshot);
  const onAlert = (event: unknown) => hub.publish('alert', JSON.stringify(event));
  options.alerts?.on?.('alert', onAlert);

  const ctx: ApiContext = {
    view,
    store: options.store,
    api,
    auth,
    sessions,
    logger,
    now,
    alerts: options.alerts ?? null,
    hub,
    live,
    registry: metrics.registry,
    exportStats: options.exportStats ?? (() => []),
    snapshotFrame,
    logins: { inflight: 0, max: options.maxConcurrentLogins ?? 4 },
  };

  const routes = [
    ...healthRoutes(ctx, () => document),
    ...sessionRoutes(ctx),
    ...statsRoutes(ctx),
    ...flowRoutes(ctx),
    ...historyRoutes(ctx),
    ...alertRoutes(ctx),
    ...controlRoutes(ctx),
    ...streamRoutes(ctx),
  ] as unknown as RouteSpec<unknown, unknown>[];
  const document = openApiDocument(routes, { metricsAuth: api.metrics_auth });

  const buckets = {
    login: new TokenBuckets({ ...(options.rateLimits?.login ?? { burst: 5, perMinute: 5 }), now }),
    control: new TokenBuckets({ ...(options.rateLimits?.control ?? { burst: 10, perMinute: 60 }), now }),
  };

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false); // hashing every JSON answer costs more than it saves for live data
  app.set('trust proxy', api.trust_proxy ? TRUSTED_PROXIES : false);
  app.use(securityHeaders(headers));
  // Open mode: loopback peers only, for every path (static files too).
  app.use((req, _res, next) => {
    auth.admit(req);
    next();
  });
  app.use(['/api', '/metrics', '/healthz', '/readyz'], (_req, res, next) => {
    res.set('Cache-Control', API_CACHE_CONTROL);
    next();
  });
  app.use('/api', express.json({ limit: JSON_LIMIT, type: 'application/json' }));

  for (const r of routes) {
    const handlers: express.RequestHandler[] = [];
    if (r.limit) handlers.push(rateLimit(buckets[r.limit], r.limit));
    handlers.push(async (req: Request, res: Response) => {
      const needs = neededAccess(r);
      const principal = authorize(req, needs);
      let body: unknown;
      if (r.body) body = validate(r.body, req.body, 'invalid_body');
      else if (req.body !== undefined && !(typeof req.body === 'object' && req.body !== null && Object.keys(req.body).length === 0)) {
        throw new ApiError('invalid_body', 'this endpoint takes no body');
      }
      // Only answers that passed validation are kept, so a hit needs no second look at the query.
      // QuickAnswers looks them up by the same key, and gives them only to callers with keptFor.
      const keptFor = r.cacheable && needs !== 'public' ? needs : null;
      const key = keptFor ? keptAnswerKey(r.method, req.originalUrl) : '';
      const kept = key ? answers.get(key) : undefined;
      if (kept !== undefined) return sendJson(res, kept.body);
      const query = validate(r.query, req.query, 'invalid_query');
      const out = await r.handle({ req, res, query, body, principal });
      if (out === undefined || res.headersSent) return;
      if (!keptFor || !r.cacheable?.(query)) return void res.json(out);
      const json = Buffer.from(JSON.stringify(out));
      answers.set(key, json, keptFor);
      sendJson(res, json);
    });
    app[r.method](r.path, ...handlers);
  }

  /** What res.json(value) sends, for an already serialized value. */
  function sendJson(res: Response, body: Buffer): void {
    res.set('Content-Type', 'application/json; charset=utf-8');
    res.send(body);
  }

  function neededAccess(r: RouteSpec<unknown, unknown>): 'public' | Role {
    return r.access === 'metrics' ? (api.metrics_auth ? 'viewer' : 'public') : r.access;
  }

  function authorize(req: Request, needed: 'public' | Role): Principal | null {
    if (needed === 'public') {
      refuseQueryCredentials(req); // on public routes too: a token in a URL is leaked either way
      return null;
    }
    const principal = auth.authenticate(req);
    if (!hasRole(principal, needed)) throw new ApiError('forbidden', `${req.method} ${req.path} needs the ${needed} role; ${principal.name} is ${principal.role}`);
    return principal;
  }

  app.use('/api', (req, _res, next: NextFunction) => next(new ApiError('not_found', `no route ${req.method} ${req.baseUrl}${req.path}`)));
  if (options.staticDir) {
    app.use(
      express.static(options.staticDir, {
        index: 'index.html',
        setHeaders: (res, path) => {
          // the page itself must be revalidated so a new release takes effect; assets may be cached briefly
          res.set('Cache-Control', path.endsWith('.html') ? 'no-cache' : 'public, max-age=300');
        },
      }),
    );
  }
  app.use((req, _res, next: NextFunction) => next(new ApiError('not_found', `no route ${req.method} ${req.path}`)));
  app.use(errorHandler((message, context) => logger.error(message, context)));

  return {
    app,
    registry: metrics.registry,
    listener: (inner = app) => quick.before(inner),
    stats: () => ({ streams: hub.stats(), sessions: sessions ? sessions.count : null, open: auth.open, quickAnswers: quick.served }),
    close() {
      view.off('snapshot', onSnapshot);
      view.off('state', onState);
      answers.clear();
      options.alerts?.off?.('alert', onAlert);
      metrics.close();
      live.close();
      hub.close();
      ownDb?.close();
      ownDb = null;
    },
  };
}

// The daemon's HTTP side: the API app over the daemon's view and store, the
// dashboard (web/) and its browser libraries from node_modules, on api.bind:port.
import type { Server } from 'node:http';
import { join } from 'node:path';
import { createApi, listen, serverUrl } from '../api/index.js';
import { packageRoot } from '../capture/binding.js';
import type { Config } from '../config/index.js';
import type { Daemon } from '../daemon/index.js';
import type { Logger } from '../log/index.js';
import { dashboardApp } from './dashboard-app.js';

export async function startApi(daemon: Daemon, config: Config, logger: Logger): Promise<Server> {
  const api = createApi({
    view: daemon,
    store: daemon.store,
    api: config.api,
    logger: logger.child({ component: 'api' }),
    sessionDb: daemon.store?.database,
    alerts: daemon.alerts,
    staticDir: join(packageRoot, 'web'),
    trafficTotals: () => daemon.trafficTotals(),
    storageErrors: () => daemon.storageErrors(),
    exportStats: () => daemon.exportStats(),
  });
  const server = await listen(api.listener(dashboardApp(api)), { bind: config.api.bind, port: config.api.port });
  server.on('close', () => api.close());
  const url = serverUrl(server);
  const login =
    config.api.users.length === 0 && config.api.tokens.length === 0
      ? 'no users configured: open without login, to loopback clients only'
      : `log in as one of: ${config.api.users.map((u) => u.username).join(', ') || '(tokens only)'}`;
  logger.info(`dashboard and API at ${url}/ (${login})`, { url });
  return server;
}

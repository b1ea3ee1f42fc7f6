// Development server for the dashboard: a real Daemon (replaying a capture)
// behind lib/api's createApi, serving web/ at / and uPlot at /vendor/uplot/,
// the same way `wirewatch run` serves them. The browser tests use the real CLI;
// this is for working on the page without it.
//   npx tsx test/browser/dev-server.ts --config FILE
//   npx tsx test/browser/dev-server.ts [port] [--open]   (demo replay at 10×; admin / secret-pass unless --open)
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { createApi, listen } from '../../lib/api/index.js';
import { dashboardApp } from '../../lib/commands/dashboard-app.js';
import { hashPassword } from '../../lib/auth/password.js';
import { configFromObject, loadConfig, type Config } from '../../lib/config/index.js';
import { Daemon } from '../../lib/daemon/index.js';
import { createLogger } from '../../lib/log/index.js';
import { repoRoot } from '../support/paths.js';

const args = process.argv.slice(2);
const configAt = args.indexOf('--config');
let config: Config;
if (configAt >= 0) config = loadConfig(args[configAt + 1]!);
else {
  const dir = mkdtempSync(join(tmpdir(), 'ww-dev-'));
  const users = args.includes('--open') ? [] : [{ username: 'admin', password_hash: await hashPassword('secret-pass'), role: 'admin' }];
  config = configFromObject({
    capture: { backend: 'file', file: join(repoRoot, 'fixtures/demo.pcap'), speed: 10, loop: true },
    storage: { path: join(dir, 'wirewatch.db'), retention_days: 3650, samples_hours: 8760 },
    api: { bind: '127.0.0.1', port: Number(args.find((a) => /^\d+$/.test(a)) ?? 8099), users },
    privileges: { drop: false, allow_root: true },
  });
}
const logger = createLogger({ level: config.logging.level, format: config.logging.format });
const daemon = await Daemon.start({ config, logger });
const sessionDb = new Database(join(dirname(config.storage.path), 'sessions.db'));
const api = createApi({ view: daemon, store: daemon.store, api: config.api, logger, sessionDb, staticDir: join(repoRoot, 'web') });
const server = await listen(api.listener(dashboardApp(api)), { bind: config.api.bind, port: config.api.port });
logger.info('api listening', { url: `http://${config.api.bind}:${config.api.port}/` });
const stop = () => {
  api.close();
  server.closeAllConnections();
  server.close();
  void daemon.stop().then(() => {
    sessionDb.close();
    process.exit(0);
  });
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

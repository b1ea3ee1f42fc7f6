// Placeholder until lib/api lands: the daemon runs without HTTP.
import type { Server } from 'node:http';
import type { Config } from '../config/index.js';
import type { Daemon } from '../daemon/index.js';
import type { Logger } from '../log/index.js';

export async function startApi(_daemon: Daemon, _config: Config, logger: Logger): Promise<Server | null> {
  logger.warn('the HTTP API is not built yet');
  return null;
}

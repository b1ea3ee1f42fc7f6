// `wirewatch run [--config FILE] [--log-level LEVEL]`: the daemon. Without a
// config it runs the embedded demo (looped replay of the bundled capture,
// SQLite under ./data, API and dashboard on 127.0.0.1:8080).
import type { Server } from 'node:http';
import { parseArgs } from 'node:util';
import { packageRoot } from '../capture/binding.js';
import { demoConfig, loadConfig, type Config } from '../config/index.js';
import { Daemon } from '../daemon/index.js';
import { createLogger, type Logger } from '../log/index.js';
import { UsageError } from './usage-error.js';
import { startApi } from './serve-api.js';

const LEVELS = ['error', 'warn', 'info', 'debug'] as const;

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { config: { type: 'string', short: 'c' }, 'log-level': { type: 'string' } },
  });
  if (positionals.length > 0) throw new UsageError(`run takes no positional arguments (got "${positionals[0]}"); use --config FILE`);
  const level = values['log-level'];
  if (level !== undefined && !(LEVELS as readonly string[]).includes(level)) {
    throw new UsageError(`--log-level: expected one of ${LEVELS.join(', ')}, got "${level}"`);
  }
  const configFile = values.config;
  const config: Config = configFile ? loadConfig(configFile) : demoConfig(packageRoot);
  if (level) config.logging.level = level as Config['logging']['level'];
  const logger = createLogger({ level: config.logging.level, format: config.logging.format });
  if (!configFile) logger.info('no --config given: running the embedded demo (looped replay of the bundled capture)');

  const daemon = await Daemon.start({ config, logger, configFile });
  let server: Server | null = null;
  try {
    server = config.api.enabled ? await startApi(daemon, config, logger) : null;
  } catch (error) {
    await daemon.stop();
    throw error;
  }
  return waitForSignals(daemon, server, logger);
}

/** SIGHUP reloads; SIGTERM/SIGINT stop (flows flushed, storage flushed) and resolve with the exit code. */
function waitForSignals(daemon: Daemon, server: Server | null, logger: Logger): Promise<number> {
  return new Promise((resolve) => {
    const onHup = () => {
      logger.info('SIGHUP: reloading the config');
      void daemon.reload();
    };
    const onStop = (signal: NodeJS.Signals) => {
      logger.info(`${signal}: shutting down`);
      process.off('SIGTERM', onStop);
      process.off('SIGINT', onStop);
      process.off('SIGHUP', onHup);
      // A second signal while stopping kills at once, as operators expect.
      process.once(signal, () => process.exit(1));
      server?.closeAllConnections?.();
      server?.close();
      void daemon.stop().then(() => resolve(0));
    };
    process.on('SIGHUP', onHup);
    process.on('SIGTERM', onStop);
    process.on('SIGINT', onStop);
  });
}

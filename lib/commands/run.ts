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

  // Signal handlers go in first: a SIGTERM during start-up must still stop cleanly.
  const signals = watchSignals(logger);
  const daemon = await Daemon.start({ config, logger, configFile });
  let server: Server | null = null;
  try {
    server = config.api.enabled ? await startApi(daemon, config, logger) : null;
  } catch (error) {
    signals.dispose();
    await daemon.stop();
    throw error;
  }
  signals.onReload(() => void daemon.reload());
  await signals.stopRequested;
  signals.dispose();
  server?.closeAllConnections?.();
  server?.close();
  await daemon.stop();
  return 0;
}

/** SIGHUP → reload; SIGTERM/SIGINT → stopRequested resolves (a second one exits at once). */
function watchSignals(logger: Logger): { stopRequested: Promise<void>; onReload(fn: () => void): void; dispose(): void } {
  let reload: (() => void) | null = null;
  let requestStop!: () => void;
  const stopRequested = new Promise<void>((resolve) => (requestStop = resolve));
  const onHup = () => {
    if (!reload) return logger.warn('SIGHUP during start-up: ignored');
    logger.info('SIGHUP: reloading the config');
    reload();
  };
  const onStop = (signal: NodeJS.Signals) => {
    logger.info(`${signal}: shutting down`);
    process.off('SIGTERM', onStop);
    process.off('SIGINT', onStop);
    process.once(signal, () => process.exit(1));
    requestStop();
  };
  process.on('SIGHUP', onHup);
  process.on('SIGTERM', onStop);
  process.on('SIGINT', onStop);
  return {
    stopRequested,
    onReload: (fn) => (reload = fn),
    dispose: () => {
      process.off('SIGHUP', onHup);
      process.off('SIGTERM', onStop);
      process.off('SIGINT', onStop);
    },
  };
}

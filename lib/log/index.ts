// Logging: winston JSON lines (text on a TTY), secrets masked by key name.
export {
  createLogger,
  isLogLevel,
  LOG_LEVELS,
  type LogContext,
  type LogFormat,
  type Logger,
  type LoggerOptions,
  type LogLevel,
  redactFormat,
} from './logger.js';
export { REDACTED, redactSecrets, SECRET_LOG_KEYS } from './redact.js';

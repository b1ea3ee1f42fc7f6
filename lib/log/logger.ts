// Structured logging on winston: one JSON object per line by default, a
// readable line when format is auto and the stream is a terminal. Every line
// has time, level, msg and the context fields; secrets are masked by key name
// (redact.ts) before anything is formatted.
import winston from 'winston';
import { redactSecrets } from './redact.js';

export const LOG_LEVELS = { error: 0, warn: 1, info: 2, debug: 3 } as const;
export type LogLevel = keyof typeof LOG_LEVELS;
export type LogFormat = 'auto' | 'json' | 'text';
export type LogContext = Record<string, unknown>;

export interface LoggerOptions {
  /** Default info. */
  level?: LogLevel;
  /** Default auto: text on a TTY, JSON otherwise. */
  format?: LogFormat;
  /** Default process.stdout. */
  stream?: NodeJS.WritableStream;
}

export interface Logger {
  error(msg: string, context?: LogContext): void;
  warn(msg: string, context?: LogContext): void;
  info(msg: string, context?: LogContext): void;
  debug(msg: string, context?: LogContext): void;
  log(level: LogLevel, msg: string, context?: LogContext): void;
  /** A logger adding `context` (e.g. `{ component: 'capture' }`) to every line; shares level and stream. */
  child(context: LogContext): Logger;
  /** Changes the level of this logger, its parent and all its children (SIGHUP reload, --log-level). */
  setLevel(level: LogLevel): void;
  readonly level: LogLevel;
  isLevelEnabled(level: LogLevel): boolean;
  /** 'json' or 'text', as resolved from the format option. */
  readonly format: 'json' | 'text';
  /** Ends the logger after pending lines are handed to the stream; the stream itself stays open. */
  close(): Promise<void>;
}

// winston's own keys on the info object; the formatted line goes in info[MESSAGE].
const MESSAGE = Symbol.for('message');
const RESERVED = new Set(['time', 'level', 'msg', 'message']);

export function isLogLevel(value: unknown): value is LogLevel {
  return typeof value === 'string' && Object.hasOwn(LOG_LEVELS, value);
}

/** Fields of an info object other than winston's and ours. */
function fieldsOf(info: winston.Logform.TransformableInfo): LogContext {
  const out: LogContext = {};
  for (const key of Object.keys(info)) if (!RESERVED.has(key)) out[key] = info[key];
  return out;
}

/** winston format: masks secret-named keys at any depth in every field but the message. */
export const redactFormat = winston.format((info) => {
  const clean = redactSecrets(fieldsOf(info));
  for (const key of Object.keys(info)) if (!RESERVED.has(key)) delete info[key];
  return Object.assign(info, clean);
});

const jsonLine = winston.format((info) => {
  const line = { time: info.time, level: info.level, msg: info.message, ...fieldsOf(info) };
  (info as Record<symbol, unknown>)[MESSAGE] = JSON.stringify(line);
  return info;
});

function textValue(v: unknown): string {
  if (typeof v === 'string') return /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v);
  return JSON.stringify(v) ?? String(v);
}

const textLine = winston.format((info) => {
  const { component, ...rest } = fieldsOf(info);
  const tag = component === undefined ? '' : `[${String(component)}] `;
  const fields = Object.entries(rest).map(([k, v]) => ` ${k}=${textValue(v)}`).join('');
  (info as Record<symbol, unknown>)[MESSAGE] = `${String(info.time)} ${String(info.level).toUpperCase().padEnd(5)} ${tag}${String(info.message)}${fields}`;
  return info;
});

/** Context keys that would overwrite a line's own fields are kept under a `ctx_` prefix. */
function merge(base: LogContext, extra: LogContext | undefined): LogContext {
  const out: LogContext = { ...base };
  if (extra) for (const [k, v] of Object.entries(extra)) out[RESERVED.has(k) ? `ctx_${k}` : k] = v;
  return out;
}

/** Shared by a root logger and all its children. */
interface Shared {
  w: winston.Logger;
  format: 'json' | 'text';
  closed?: Promise<void>;
}

class WirewatchLogger implements Logger {
  readonly #shared: Shared;
  readonly #w: winston.Logger;
  readonly #context: LogContext;

  constructor(shared: Shared, context: LogContext) {
    this.#shared = shared;
    this.#w = shared.w;
    this.#context = context;
  }

  get format(): 'json' | 'text' {
    return this.#shared.format;
  }

  get level(): LogLevel {
    return this.#w.level as LogLevel;
  }

  setLevel(level: LogLevel): void {
    if (!isLogLevel(level)) throw new RangeError(`level: expected one of ${Object.keys(LOG_LEVELS).join(', ')}, got ${JSON.stringify(level)}`);
    this.#w.level = level;
  }

  isLevelEnabled(level: LogLevel): boolean {
    return LOG_LEVELS[level] <= LOG_LEVELS[this.level];
  }

  log(level: LogLevel, msg: string, context?: LogContext): void {
    if (!this.isLevelEnabled(level) || this.#shared.closed) return; // after close(): dropped, not an error
    this.#w.log({ ...merge(this.#context, context), level, message: msg, time: new Date().toISOString() });
  }

  error(msg: string, context?: LogContext): void {
    this.log('error', msg, context);
  }
  warn(msg: string, context?: LogContext): void {
    this.log('warn', msg, context);
  }
  info(msg: string, context?: LogContext): void {
    this.log('info', msg, context);
  }
  debug(msg: string, context?: LogContext): void {
    this.log('debug', msg, context);
  }

  child(context: LogContext): Logger {
    return new WirewatchLogger(this.#shared, merge(this.#context, context));
  }

  close(): Promise<void> {
    this.#shared.closed ??= new Promise((resolve) => {
      this.#w.once('finish', () => resolve());
      this.#w.end();
    });
    return this.#shared.closed;
  }
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? 'info';
  if (!isLogLevel(level)) throw new RangeError(`level: expected one of ${Object.keys(LOG_LEVELS).join(', ')}, got ${JSON.stringify(level)}`);
  const requested = options.format ?? 'auto';
  if (!['auto', 'json', 'text'].includes(requested)) throw new RangeError(`format: expected auto, json or text, got ${JSON.stringify(requested)}`);
  const stream = options.stream ?? process.stdout;
  const format = requested === 'auto' ? ((stream as { isTTY?: boolean }).isTTY === true ? 'text' : 'json') : requested;
  const w = winston.createLogger({
    levels: LOG_LEVELS,
    level,
    format: winston.format.combine(redactFormat(), format === 'text' ? textLine() : jsonLine()),
    transports: [new winston.transports.Stream({ stream, eol: '\n' })],
    exitOnError: false,
  });
  // A closed stdout (EPIPE) must not take the daemon down with an unhandled 'error'.
  w.on('error', () => {});
  return new WirewatchLogger({ w, format }, {});
}

// JSON-lines flow log (export.jsonl): one FlowRecord per line, to a file with
// size-based rotation (path → path.1 → … → path.<keep>, the oldest deleted) or
// to stdout when path is "-". write() only queues; an async loop serialises and
// writes through libuv's thread pool (fs.write on the fd), so neither a slow
// disk nor a slow stdout reader stalls the pipeline: the bounded queue fills and
// further records are dropped and counted.
import { closeSync, fstat, fstatSync, open, openSync, promises as fsp, write as fsWrite } from 'node:fs';
import type { FlowRecord } from '../../flows/index.js';
import { BoundedQueue } from '../queue.js';
import { delay, emptyStats, type ExportLogger, type ExportStats, type FlowSink } from '../sink.js';
import { flowLine } from './line.js';

/** The `export.jsonl` config section (YAML keys). */
export interface JsonlSection {
  /** File to append to, or "-" for stdout. Default "-". */
  path?: string;
  /** Rotate before the file would exceed this many MiB (fractions allowed). Default 100. */
  max_size_mb?: number;
  /** Rotated files kept (path.1 … path.<keep>); 0 = none. Default 5. */
  keep?: number;
}

export interface JsonlSinkOptions extends JsonlSection {
  /** Records held while the disk or reader is slow. Default 10000. */
  queue?: number;
  logger?: ExportLogger;
  /** Longest close() waits for queued lines to be written, ms (default 5000). */
  closeTimeoutMs?: number;
  /** How long a few lines may wait to be written together, ms (default 100); 1000 queued lines are written at once. */
  lingerMs?: number;
}

export const JSONL_DEFAULTS = { path: '-', max_size_mb: 100, keep: 5, queue: 10_000 } as const;

/** Bytes gathered per write call. */
const CHUNK = 256 * 1024;
/** Queued records that are written without lingering. */
const BATCH = 1000;
const STDOUT_FD = 1;

function writeFd(fd: number, buf: Buffer, off: number): Promise<number> {
  return new Promise((resolve, reject) => fsWrite(fd, buf, off, buf.length - off, null, (e, n) => (e ? reject(e) : resolve(n))));
}

const openAppend = (path: string) => new Promise<number>((resolve, reject) => open(path, 'a', (e, fd) => (e ? reject(e) : resolve(fd))));
const fileSize = (fd: number) => new Promise<number>((resolve, reject) => fstat(fd, (e, st) => (e ? reject(e) : resolve(st.size))));

function closeQuietly(fd: number): void {
  if (fd <= 2) return; // never stdio
  try {
    closeSync(fd);
  } catch {
    // already closed
  }
}

export class JsonlSink implements FlowSink {
  readonly name = 'jsonl';
  readonly path: string;
  readonly maxBytes: number;
  readonly keep: number;
  readonly #toStdout: boolean;
  readonly #queue: BoundedQueue<FlowRecord>;
  readonly #stats = emptyStats();
  readonly #logger: ExportLogger | undefined;
  readonly #closeTimeoutMs: number;
  #fd = -1;
  #size = 0;
  #pumping = false;
  /** close() has given up waiting: stop retrying stalled writes, release the fd when the loop ends. */
  #abandon = false;
  #lingerTimer: NodeJS.Timeout | undefined;
  readonly #lingerMs: number;
  #closing = false;
  #closed: Promise<void> | null = null;
  #idleWaiters: Array<() => void> = [];
  #loggedError = '';
  /** A serialised line taken from the queue but not yet written (it did not fit before a rotation). */
  #carry: string | null = null;

  /** Opens (appends to) the file at once, so a bad path fails at startup with the key named. */
  constructor(options: JsonlSinkOptions = {}) {
    const o = { ...JSONL_DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) } as Required<JsonlSinkOptions>;
    if (typeof o.path !== 'string' || o.path.length === 0) throw new TypeError(`export.jsonl.path: expected a file path or "-", got ${JSON.stringify(o.path)}`);
    if (typeof o.max_size_mb !== 'number' || !(o.max_size_mb > 0) || !Number.isFinite(o.max_size_mb))
      throw new RangeError(`export.jsonl.max_size_mb: expected a number > 0, got ${JSON.stringify(o.max_size_mb)}`);
    if (!Number.isInteger(o.keep) || o.keep < 0 || o.keep > 1000) throw new RangeError(`export.jsonl.keep: expected an integer 0..1000, got ${JSON.stringify(o.keep)}`);
    if (!Number.isInteger(o.queue) || o.queue < 1) throw new RangeError(`export.jsonl queue: expected an integer >= 1, got ${JSON.stringify(o.queue)}`);
    this.path = o.path;
    this.maxBytes = Math.max(1, Math.floor(o.max_size_mb * 1024 * 1024));
    this.keep = o.keep;
    this.#toStdout = o.path === '-';
    this.#queue = new BoundedQueue(o.queue);
    this.#logger = o.logger;
    this.#closeTimeoutMs = o.closeTimeoutMs ?? 5000;
    this.#lingerMs = o.lingerMs ?? 100;
    if (this.#toStdout) this.#fd = STDOUT_FD;
    else {
      try {
        this.#fd = openSync(this.path, 'a');
        this.#size = fstatSync(this.#fd).size;
      } catch (e) {
        throw new Error(`export.jsonl.path: cannot open ${this.path}: ${(e as Error).message}`, { cause: e });
      }
    }
  }

  write(record: FlowRecord): void {
    if (this.#closing || !this.#queue.push(record)) {
      this.#stats.dropped++;
      return;
    }
    if (this.#queue.length >= BATCH || this.#lingerMs <= 0) this.#kick();
    else this.#lingerTimer ??= setTimeout(() => this.#kick(), this.#lingerMs);
  }

  /** Starts the write loop after the caller's synchronous burst (a running loop picks new records up itself). */
  #kick(): void {
    clearTimeout(this.#lingerTimer);
    this.#lingerTimer = undefined;
    if (this.#pumping) return;
    this.#pumping = true;
    setImmediate(() => void this.#pump());
  }

  stats(): ExportStats {
    return { ...this.#stats, queued: this.#queue.length + (this.#carry === null ? 0 : 1), connected: this.#fd >= 0 };
  }

  /** Resolves once every queued record is written (or dropped). */
  drained(): Promise<void> {
    if (!this.#pumping && this.#queue.length === 0 && this.#carry === null) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  close(): Promise<void> {
    this.#closed ??= this.#close();
    return this.#closed;
  }

  async #close(): Promise<void> {
    this.#closing = true;
    if (this.#queue.length > 0) this.#kick();
    const wait = delay(this.#closeTimeoutMs);
    await Promise.race([this.drained(), wait.promise]);
    wait.cancel();
    this.#abandon = true;
    clearTimeout(this.#lingerTimer);
    this.#stats.dropped += this.#queue.clear() + (this.#carry === null ? 0 : 1);
    this.#carry = null;
    if (this.#pumping) {
      // let the write in flight return: closing its fd now could let a reused fd number take the bytes
      const grace = delay(1000);
      await Promise.race([new Promise<void>((resolve) => this.#idleWaiters.push(resolve)), grace.promise]);
      grace.cancel();
    }
    // still pumping after the grace period: the loop's finally closes the fd when the write returns
    if (!this.#pumping) this.#releaseFd();
  }

  #releaseFd(): void {
    if (!this.#toStdout) closeQuietly(this.#fd);
    this.#fd = -1;
  }

  async #pump(): Promise<void> {
    try {
      while ((this.#queue.length > 0 || this.#carry !== null) && !(this.#closing && this.#fd < 0)) {
        await this.#writeChunk();
      }
    } finally {
      this.#pumping = false;
      if (this.#abandon) this.#releaseFd();
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  /** Writes up to CHUNK bytes of lines; rotates first when the next line would overflow a non-empty file. */
  async #writeChunk(): Promise<void> {
    const lines: string[] = [];
    let bytes = 0;
    let count = 0;
    while (bytes < CHUNK) {
      let line = this.#carry;
      this.#carry = null;
      if (line === null) {
        const record = this.#queue.shift();
        if (record === undefined) break;
        try {
          line = `${flowLine(record)}\n`;
        } catch {
          this.#stats.invalid++;
          continue;
        }
      }
      const n = Buffer.byteLength(line);
      if (!this.#toStdout && this.#size + bytes + n > this.maxBytes && this.#size + bytes > 0) {
        this.#carry = line;
        if (bytes > 0) break; // write what fits, then rotate on the next turn
        if (!(await this.#rotate())) return this.#dropAll();
        continue;
      }
      lines.push(line);
      bytes += n;
      count++;
    }
    if (count === 0) {
      if (this.#fd < 0) this.#dropAll();
      return;
    }
    if (this.#fd < 0 && !(await this.#reopen())) {
      this.#stats.dropped += count;
      return;
    }
    const buf = Buffer.from(lines.join(''));
    try {
      for (let off = 0; off < buf.length; ) {
        try {
          off += await writeFd(this.#fd, buf, off);
        } catch (e) {
          // stdout may be a non-blocking pipe: wait for the reader instead of failing
          if ((e as NodeJS.ErrnoException).code !== 'EAGAIN' || this.#abandon) throw e;
          await delay(10).promise;
        }
      }
      this.#size += buf.length;
      this.#stats.sent += count;
      this.#stats.messages++;
      this.#stats.bytes += buf.length;
      this.#loggedError = '';
    } catch (e) {
      this.#stats.dropped += count;
      this.#error('write', e);
    }
  }

  #dropAll(): void {
    this.#stats.dropped += this.#queue.clear() + (this.#carry === null ? 0 : 1);
    this.#carry = null;
  }

  /**
   * path.(keep-1) → path.keep, …, path → path.1, then a fresh path; with keep 0
   * the full file is deleted. False when that failed: the caller drops what is
   * queued rather than let the file grow past its bound (and retries next time).
   */
  async #rotate(): Promise<boolean> {
    closeQuietly(this.#fd);
    this.#fd = -1;
    try {
      if (this.keep === 0) await fsp.rm(this.path, { force: true });
      else {
        // a missing file is no error: someone else rotated or deleted it
        const move = (from: string, to: string) =>
          fsp.rename(from, to).catch((e: NodeJS.ErrnoException) => {
            if (e.code !== 'ENOENT') throw e;
          });
        for (let i = this.keep - 1; i >= 1; i--) await move(`${this.path}.${i}`, `${this.path}.${i + 1}`);
        await move(this.path, `${this.path}.1`);
      }
      this.#stats.rotations++;
    } catch (e) {
      this.#error('rotate', e);
      return false;
    }
    return this.#reopen();
  }

  async #reopen(): Promise<boolean> {
    try {
      this.#fd = await openAppend(this.path);
      this.#size = await fileSize(this.#fd);
      return true;
    } catch (e) {
      closeQuietly(this.#fd);
      this.#fd = -1;
      this.#error('open', e);
      return false;
    }
  }

  #error(during: string, e: unknown): void {
    this.#stats.errors++;
    const message = e instanceof Error ? e.message : String(e);
    this.#stats.last_error = `${during}: ${message}`;
    const key = `${during}:${(e as NodeJS.ErrnoException)?.code ?? message}`;
    if (this.#loggedError === key) return;
    this.#loggedError = key;
    this.#logger?.warn(`JSONL flow log ${this.path}: ${during} failed: ${message}`);
  }
}

/** Builds the JSONL sink for an `export.jsonl` section; throws naming the key on a bad option or an unopenable file. */
export function createJsonlSink(options: JsonlSinkOptions = {}): JsonlSink {
  return new JsonlSink(options);
}

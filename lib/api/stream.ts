// Server-sent events (/api/stream). Each event is serialized ONCE and the same
// frame string is written to every client. A client whose socket stops
// draining (res.write() returned false: the kernel buffers and Node's
// highWaterMark are full) gets further frames in a queue of at most
// `queueFrames` frames / `queueBytes` bytes; beyond that the OLDEST frames are
// dropped and counted — a snapshot is a full state, so the newest is the one
// worth keeping. Memory per client is therefore bounded by the socket's
// highWaterMark + one frame + the queue bound, however slow the client.
import type { Request, Response } from 'express';

export interface StreamOptions {
  /** Concurrent clients. Default 64. */
  maxClients?: number;
  /** Frames queued per blocked client. Default 8. */
  queueFrames?: number;
  /** Bytes queued per blocked client. Default 256 KiB. */
  queueBytes?: number;
  /** Comment line sent this often to keep proxies from closing an idle stream, ms. Default 15 000. */
  heartbeatMs?: number;
  /** Reconnect delay suggested to EventSource, ms. Default 2000. */
  retryMs?: number;
  /** A client that has not drained for this long is disconnected (it frees its slot; EventSource reconnects), ms. Default 60 000. */
  stallMs?: number;
}

export interface StreamClientStats {
  id: number;
  queued_frames: number;
  queued_bytes: number;
  /** Bytes Node holds for the socket (res.writableLength). */
  buffered_bytes: number;
  dropped: number;
  sent: number;
  blocked: boolean;
}

export interface StreamStats {
  clients: number;
  /** Frames dropped for slow clients since start. */
  dropped_total: number;
  /** Frames written since start. */
  sent_total: number;
  per_client: StreamClientStats[];
}

class Client {
  readonly queue: string[] = [];
  queuedBytes = 0;
  dropped = 0;
  sent = 0;
  blocked = false;
  blockedSince = 0;

  constructor(
    readonly id: number,
    readonly res: Response,
    readonly hub: StreamHub,
  ) {}

  send(frame: string, droppable: boolean): void {
    if (!this.blocked) {
      this.#write(frame);
      return;
    }
    if (performance.now() - this.blockedSince > this.hub.limits.stallMs) {
      this.res.destroy();
      return;
    }
    if (!droppable) return; // heartbeats are pointless behind a backlog
    this.queue.push(frame);
    this.queuedBytes += frame.length;
    const { queueFrames, queueBytes } = this.hub.limits;
    while (this.queue.length > queueFrames || (this.queuedBytes > queueBytes && this.queue.length > 1)) {
      this.queuedBytes -= this.queue.shift()!.length;
      this.dropped++;
      this.hub.dropped++;
    }
  }

  #write(frame: string): void {
    this.sent++;
    this.hub.sent++;
    if (!this.res.write(frame)) {
      this.blocked = true;
      this.blockedSince = performance.now();
      this.res.once('drain', this.#drain);
    }
  }

  readonly #drain = (): void => {
    this.blocked = false;
    while (this.queue.length > 0 && !this.blocked) {
      const frame = this.queue.shift()!;
      this.queuedBytes -= frame.length;
      this.#write(frame);
    }
  };

  stats(): StreamClientStats {
    return {
      id: this.id,
      queued_frames: this.queue.length,
      queued_bytes: this.queuedBytes,
      buffered_bytes: this.res.writableLength,
      dropped: this.dropped,
      sent: this.sent,
      blocked: this.blocked,
    };
  }
}

/** One SSE frame: `event:` and one `data:` line per line of the payload. */
export function sseFrame(event: string, data: string): string {
  return `event: ${event}\ndata: ${data.split('\n').join('\ndata: ')}\n\n`;
}

export class StreamHub {
  readonly limits: { queueFrames: number; queueBytes: number; stallMs: number };
  readonly #maxClients: number;
  readonly #retryMs: number;
  readonly #clients = new Set<Client>();
  readonly #heartbeat: NodeJS.Timeout;
  #nextId = 1;
  dropped = 0;
  sent = 0;

  constructor(options: StreamOptions = {}) {
    const { maxClients = 64, queueFrames = 8, queueBytes = 256 * 1024, heartbeatMs = 15_000, retryMs = 2000, stallMs = 60_000 } = options;
    for (const [name, v] of Object.entries({ maxClients, queueFrames, queueBytes, heartbeatMs, retryMs, stallMs })) {
      if (!Number.isInteger(v) || v < 1) throw new RangeError(`stream.${name}: expected an integer ≥ 1, got ${String(v)}`);
    }
    this.#maxClients = maxClients;
    this.#retryMs = retryMs;
    this.limits = { queueFrames, queueBytes, stallMs };
    this.#heartbeat = setInterval(() => this.#broadcast(': keep-alive\n\n', false), heartbeatMs).unref();
  }

  get size(): number {
    return this.#clients.size;
  }

  get full(): boolean {
    return this.#clients.size >= this.#maxClients;
  }

  /** Takes over the response: headers, the retry hint, then `first` (the current snapshot) if any. */
  add(req: Request, res: Response, first: string | null): void {
    const client = new Client(this.#nextId++, res, this);
    res.status(200).set({
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no', // nginx: do not buffer the stream
    });
    res.flushHeaders();
    req.socket.setNoDelay(true);
    this.#clients.add(client);
    const remove = () => this.#clients.delete(client);
    res.on('close', remove);
    res.on('error', remove);
    client.send(`retry: ${this.#retryMs}\n\n`, false);
    if (first !== null) client.send(first, true);
  }

  /** Sends one event to every client. `data` is serialized once by the caller. */
  publish(event: string, data: string): void {
    if (this.#clients.size === 0) return;
    this.#broadcast(sseFrame(event, data), true);
  }

  /** Sends a frame built with sseFrame() (when the caller keeps it for late joiners too). */
  publishFrame(frame: string): void {
    this.#broadcast(frame, true);
  }

  #broadcast(frame: string, droppable: boolean): void {
    for (const c of this.#clients) c.send(frame, droppable);
  }

  stats(): StreamStats {
    return { clients: this.#clients.size, dropped_total: this.dropped, sent_total: this.sent, per_client: [...this.#clients].map((c) => c.stats()) };
  }

  /** Ends every stream (clients reconnect to whoever serves next). */
  close(): void {
    clearInterval(this.#heartbeat);
    for (const c of this.#clients) c.res.end();
    this.#clients.clear();
  }
}

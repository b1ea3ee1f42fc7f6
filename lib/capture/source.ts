// A capture source (live interface or capture file) as a typed, evented object.
//
// Batches arrive on the JS thread as 'batch' events, or through the async
// iterator. A batch is valid during its event; call retain(batch) to keep it
// longer and release(batch) when done. The pool is small and fixed, so held
// batches apply back-pressure: a file source waits, a live source drops (and
// counts ringDrops).
import { EventEmitter } from 'node:events';
import { basename } from 'node:path';
import { Batch } from './batch.js';
import { loadAddon } from './binding.js';
import { CaptureError, toCaptureError } from './errors.js';
import type { NativeCounters, NativeSource, NativeSourceOptions } from './native-types.js';
import { fileOptions, liveOptions, type FileSourceOptions, type LiveSourceOptions } from './options.js';

/** Longest run of 'batch' events per event-loop turn, ms. */
const TURN_BUDGET_MS = 10;

export interface SourceStats extends NativeCounters {
  id: number;
  name: string;
  kind: 'live' | 'file';
  state: SourceState;
}

export type SourceState = 'ready' | 'running' | 'ended';

export interface SourceEvents {
  batch: [batch: Batch];
  end: [error: CaptureError | null];
}

export class CaptureSource extends EventEmitter<SourceEvents> {
  readonly id: number;
  readonly name: string;
  readonly kind: 'live' | 'file';
  /** The DLT link type of the packets (e.g. 1 for Ethernet). */
  readonly linkType: number;
  readonly snaplen: number;
  /** A non-fatal warning libpcap gave when opening, if any. */
  readonly warning: string | undefined;
  #native: NativeSource;
  #batches: Batch[];
  #retained: Uint8Array;
  #state: SourceState = 'ready';
  #error: CaptureError | null = null;
  #ended: Promise<void>;
  #resolveEnded!: () => void;
  /** Slots handed over by the addon, not yet emitted (see #onBatch). */
  #queue: number[] = [];
  #turnStart = -1;
  #turnScheduled = false;
  #endPending = false;
  #endError: (Error & { kind?: string }) | null = null;

  /** Opens a live interface now (needs root or CAP_NET_RAW); capturing begins at start(). */
  static openLive(options: LiveSourceOptions): CaptureSource {
    return new CaptureSource(liveOptions(options));
  }

  /** Opens a pcap or pcapng file; reading begins at start(). */
  static openFile(options: FileSourceOptions): CaptureSource {
    return new CaptureSource(fileOptions(options));
  }

  private constructor(options: NativeSourceOptions) {
    super();
    const addon = loadAddon();
    this.kind = options.kind;
    this.id = options.id;
    this.name = options.name ?? (options.kind === 'file' ? basename(options.path!) : options.device!);
    try {
      this.#native = new addon.Source(
        options,
        (slot) => this.#onBatch(slot),
        (error) => this.#onEnd(error),
      );
    } catch (error) {
      throw toCaptureError(error, () => addon.listInterfaces().map((i) => i.name));
    }
    this.linkType = this.#native.linkType;
    this.snaplen = this.#native.snaplen;
    this.warning = this.#native.warning;
    const { batchRows, dataCapacity } = this.#native;
    this.#batches = this.#native.buffers.map((buffer, slot) => new Batch(buffer, slot, batchRows, dataCapacity));
    this.#retained = new Uint8Array(this.#batches.length);
    this.#ended = new Promise((resolve) => (this.#resolveEnded = resolve));
  }

  get state(): SourceState {
    return this.#state;
  }

  /** The error the source ended with, if any. */
  get error(): CaptureError | null {
    return this.#error;
  }

  /** Starts the capture thread. */
  start(): this {
    if (this.#state !== 'ready') throw new CaptureError('already_running', `source ${this.name} was already started`);
    this.#state = 'running';
    this.#native.start();
    return this;
  }

  /**
   * Stops capturing: joins the capture thread, delivers the last partial batch
   * and emits 'end'. Idempotent; resolves once 'end' has been emitted.
   */
  async stop(): Promise<void> {
    if (this.#state === 'running') this.#native.stop();
    else if (this.#state === 'ready') {
      this.#native.stop();
      this.#onEnd(null);
    }
    return this.#ended;
  }

  /** Resolves when the source has ended (end of file, stop(), or failure); never rejects: see `error`. */
  ended(): Promise<void> {
    return this.#ended;
  }

  stats(): SourceStats {
    return { id: this.id, name: this.name, kind: this.kind, state: this.#state, ...this.#native.stats() };
  }

  /** Replaces the BPF filter; it takes effect within one read timeout. Throws CaptureError(bad_filter). */
  setFilter(expression: string): void {
    if (typeof expression !== 'string') throw new TypeError('filter: expected a string');
    try {
      this.#native.setFilter(expression);
    } catch (error) {
      throw toCaptureError(error);
    }
  }

  /** Keeps `batch` valid after its 'batch' event returns, until release(batch). */
  retain(batch: Batch): void {
    this.#retained[batch.slot] = 1;
  }

  /** Gives a retained batch back to the capture thread. */
  release(batch: Batch): void {
    if (this.#retained[batch.slot] !== 1) return;
    this.#retained[batch.slot] = 0;
    this.#native.release(batch.slot);
  }

  /** Async iteration over batches; each batch stays valid until the next one is requested. */
  async *[Symbol.asyncIterator](): AsyncGenerator<Batch, void, undefined> {
    const queue: Batch[] = [];
    let wake: (() => void) | null = null;
    let done = false;
    const onBatch = (batch: Batch) => {
      this.retain(batch);
      queue.push(batch);
      wake?.();
    };
    const onEnd = () => {
      done = true;
      wake?.();
    };
    this.on('batch', onBatch);
    this.once('end', onEnd);
    if (this.#state === 'ready') this.start();
    else if (this.#state === 'ended') done = true;
    let current: Batch | undefined;
    try {
      for (;;) {
        if (current) this.release(current);
        current = queue.shift();
        if (current) {
          yield current;
          continue;
        }
        if (done) break;
        await new Promise<void>((resolve) => (wake = resolve));
        wake = null;
      }
      if (this.#error) throw this.#error;
    } finally {
      if (current) this.release(current);
      for (const batch of queue) this.release(batch);
      this.off('batch', onBatch);
      this.off('end', onEnd);
    }
  }

  /**
   * The addon hands over every filled batch in one go, and a fast file keeps
   * refilling the slots we release: emitted all at once, a replay at full speed
   * would hold this thread for hundreds of ms at a time (timers, worker messages
   * and HTTP requests waiting behind it). So 'batch' events get TURN_BUDGET_MS
   * per event-loop turn; later batches stay queued (their slots held, which
   * pauses a file source) and are emitted in order on the next turns.
   */
  #onBatch(slot: number): boolean {
    if (this.#queue.length === 0 && this.#withinTurn()) return this.#emitBatch(slot);
    this.#queue.push(slot);
    this.#scheduleTurn();
    return true; // the addon keeps the slot until it is emitted and released
  }

  #withinTurn(): boolean {
    const now = performance.now();
    if (this.#turnStart < 0) {
      this.#turnStart = now;
      this.#scheduleTurn();
      return true;
    }
    return now - this.#turnStart < TURN_BUDGET_MS;
  }

  #scheduleTurn(): void {
    if (this.#turnScheduled) return;
    this.#turnScheduled = true;
    setImmediate(this.#nextTurn);
  }

  readonly #nextTurn = (): void => {
    this.#turnScheduled = false;
    this.#turnStart = -1;
    while (this.#queue.length > 0 && this.#withinTurn()) {
      const slot = this.#queue.shift()!;
      if (!this.#emitBatch(slot)) this.#native.release(slot);
    }
    if (this.#queue.length === 0 && this.#endPending) {
      this.#endPending = false;
      this.#onEnd(this.#endError);
    }
  };

  /** Emits 'batch'; true if a listener retained it. */
  #emitBatch(slot: number): boolean {
    const batch = this.#batches[slot]!;
    try {
      this.emit('batch', batch);
    } catch (error) {
      rethrowOutside(error);
    }
    return this.#retained[slot] === 1;
  }

  #onEnd(error: (Error & { kind?: string }) | null): void {
    if (this.#state === 'ended') return;
    if (this.#queue.length > 0) {
      // Batches captured before the end are still queued: 'end' follows them.
      this.#endPending = true;
      this.#endError = error;
      return;
    }
    this.#state = 'ended';
    this.#error = error ? (toCaptureError(error) as CaptureError) : null;
    this.#resolveEnded();
    try {
      this.emit('end', this.#error);
    } catch (error) {
      rethrowOutside(error);
    }
  }
}

/**
 * A listener's exception must not unwind into the addon's callback (Node would
 * swallow it there and capture would stall): raise it again on a clean stack,
 * where it is an ordinary uncaught exception.
 */
function rethrowOutside(error: unknown): void {
  process.nextTick(() => {
    throw error;
  });
}

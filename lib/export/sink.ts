// The surface every exporter shares. Exporters sit behind the pipeline's `flow`
// event: write() must cost the pipeline next to nothing and never wait for I/O,
// so each exporter owns a bounded queue and its own I/O loop.
import type { FlowRecord } from '../flows/index.js';

export interface ExportStats {
  /** Records handed to the transport: UDP datagrams sent, TCP data written to the kernel, JSONL lines written. */
  sent: number;
  /** Records lost: queue full, write() after close(), failed send/write, or still queued when close() gave up. */
  dropped: number;
  /** Records skipped because they cannot be encoded faithfully (see prepareFlow); never thrown. */
  invalid: number;
  /** Failed operations (resolve, connect, send, write, open, rotate); one per failure, not per record. */
  errors: number;
  /** Records waiting in the queue now. */
  queued: number;
  /** Connections re-established after a loss (IPFIX over TCP). */
  reconnects: number;
  /** JSONL file rotations. */
  rotations: number;
  /** IPFIX messages sent, or JSONL write calls completed. */
  messages: number;
  /** Bytes handed to the transport or file. */
  bytes: number;
  /** The transport is usable now: UDP socket open, TCP connected, JSONL file open. */
  connected: boolean;
  /** Message of the most recent error, null when none happened. */
  last_error: string | null;
}

/** One exporter's counters, named ("ipfix", "jsonl"), as /metrics and /api/sources show them. */
export type NamedExportStats = ExportStats & { name: string };

export interface FlowSink {
  /** "ipfix" or "jsonl". */
  readonly name: string;
  /** Queues one record. Never blocks, never throws: when the bounded queue is full the record is dropped and counted. */
  write(record: FlowRecord): void;
  stats(): ExportStats;
  /** Sends what is queued within a bounded time (what is left is counted dropped), then releases the transport. Idempotent. */
  close(): Promise<void>;
}

/** The part of a winston logger the exporters use. */
export interface ExportLogger {
  warn(message: string, meta?: Record<string, unknown>): unknown;
  info?(message: string, meta?: Record<string, unknown>): unknown;
}

export function emptyStats(): ExportStats {
  return { sent: 0, dropped: 0, invalid: 0, errors: 0, queued: 0, reconnects: 0, rotations: 0, messages: 0, bytes: 0, connected: false, last_error: null };
}

/** A timer as a promise; cancel() clears it and resolves at once (so a finished race leaves no timer behind). */
export function delay(ms: number): { promise: Promise<void>; cancel: () => void } {
  let timer: NodeJS.Timeout | undefined;
  let done!: () => void;
  const promise = new Promise<void>((resolve) => {
    done = resolve;
    timer = setTimeout(resolve, ms);
  });
  return {
    promise,
    cancel: () => {
      clearTimeout(timer);
      done();
    },
  };
}

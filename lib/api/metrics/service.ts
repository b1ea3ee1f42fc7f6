// The API's own health and the storage behind it.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { StreamStats } from '../stream.js';
import { STORAGE_ERRORS_TOTAL, STREAM_CLIENTS, STREAM_DROPPED_TOTAL } from './names.js';

export function registerService(registry: Registry, storageErrors: (() => number) | undefined, streams: () => StreamStats): void {
  new Counter({
    name: STORAGE_ERRORS_TOTAL,
    help: 'History database writes that failed (flushes and retention passes; each is retried).',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(storageErrors?.() ?? 0);
    },
  });
  new Gauge({
    name: STREAM_CLIENTS,
    help: 'Clients connected to /api/stream.',
    registers: [registry],
    collect() {
      this.set(streams().clients);
    },
  });
  new Counter({
    name: STREAM_DROPPED_TOTAL,
    help: 'Server-sent events dropped because a client read too slowly (its queue was full).',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(streams().dropped_total);
    },
  });
}

// Capture health: drops per source and kind, and how far behind the wire the pipeline is.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { DaemonSnapshot } from '../../daemon/view.js';
import { CAPTURE_DROPS_TOTAL, PIPELINE_LAG_SECONDS } from './names.js';

export function registerCapture(registry: Registry, snapshot: () => DaemonSnapshot | null): void {
  new Counter({
    name: CAPTURE_DROPS_TOTAL,
    help: 'Packets lost before the pipeline, by capture source and kind (kernel: socket buffer full; interface: NIC/driver; ring: wirewatch capture ring full).',
    labelNames: ['source', 'kind'],
    registers: [registry],
    collect() {
      this.reset();
      for (const s of snapshot()?.sources ?? []) {
        this.inc({ source: s.name, kind: 'kernel' }, s.kernel_drops);
        this.inc({ source: s.name, kind: 'interface' }, s.if_drops);
        this.inc({ source: s.name, kind: 'ring' }, s.ring_drops);
      }
    },
  });
  new Gauge({
    name: PIPELINE_LAG_SECONDS,
    help: 'Seconds between the newest packet handed to the pipeline and now (0 for replays).',
    registers: [registry],
    collect() {
      this.set(snapshot()?.lag_s ?? 0);
    },
  });
}

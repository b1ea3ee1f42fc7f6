// Flow exporters (IPFIX, JSON lines): what each sent, dropped (queue full,
// failed send, closed) and holds now. Labelled by exporter name only.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { NamedExportStats } from '../../export/index.js';
import { EXPORT_DROPPED_TOTAL, EXPORT_ERRORS_TOTAL, EXPORT_QUEUED, EXPORT_SENT_TOTAL } from './names.js';

export function registerExport(registry: Registry, exportStats: (() => readonly NamedExportStats[]) | undefined): void {
  const counter = (name: string, help: string, field: 'sent' | 'dropped' | 'errors') =>
    new Counter({
      name,
      help,
      labelNames: ['exporter'],
      registers: [registry],
      collect() {
        this.reset();
        for (const s of exportStats?.() ?? []) this.inc({ exporter: s.name }, s[field]);
      },
    });
  counter(EXPORT_SENT_TOTAL, 'Flow records handed to the collector or written to the JSON-lines file.', 'sent');
  counter(EXPORT_DROPPED_TOTAL, 'Flow records an exporter lost: its queue was full, a send or write failed, or it closed with records queued.', 'dropped');
  counter(EXPORT_ERRORS_TOTAL, 'Failed export operations (resolve, connect, send, write, open, rotate), one per failure.', 'errors');
  new Gauge({
    name: EXPORT_QUEUED,
    help: 'Flow records waiting in an exporter\'s bounded queue.',
    labelNames: ['exporter'],
    registers: [registry],
    collect() {
      this.reset();
      for (const s of exportStats?.() ?? []) this.set({ exporter: s.name }, s.queued);
    },
  });
}

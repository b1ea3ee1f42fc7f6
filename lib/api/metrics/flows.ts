// Flow table counters. Flow ends by reason are counted from the view's `flows`
// events (records as they end): the snapshot has no per-reason totals. They
// count from the API's start, which Prometheus treats like any counter reset.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { DaemonSnapshot, DaemonView } from '../../daemon/view.js';
import { END_REASON_NAMES, type EndReason, type FlowRecord } from '../../flows/records.js';
import { ACTIVE_FLOWS, FLOW_ENDS_TOTAL, FLOWS_CREATED_TOTAL } from './names.js';

const CREATED_CLASSES = ['tcp', 'udp', 'icmp', 'other'] as const;

/** Registers the flow metrics; returns the function that stops counting view events. */
export function registerFlows(registry: Registry, view: DaemonView, snapshot: () => DaemonSnapshot | null): () => void {
  const ends: Record<EndReason, number> = { idle: 0, active: 0, fin: 0, rst: 0, evicted: 0, shutdown: 0 };
  const onFlows = (records: FlowRecord[]) => {
    for (const r of records) if (r.end_reason !== null && Object.hasOwn(ends, r.end_reason)) ends[r.end_reason]++;
  };
  view.on('flows', onFlows);
  new Gauge({
    name: ACTIVE_FLOWS,
    help: 'Flows open in the flow table now.',
    registers: [registry],
    collect() {
      this.set(snapshot()?.pipeline.flows.active ?? 0);
    },
  });
  new Counter({
    name: FLOWS_CREATED_TOTAL,
    help: 'Flows started, by protocol class (icmp includes ICMPv6).',
    labelNames: ['class'],
    registers: [registry],
    collect() {
      this.reset();
      const created = snapshot()?.pipeline.flows.created;
      for (const cls of CREATED_CLASSES) this.inc({ class: cls }, created?.[cls] ?? 0);
    },
  });
  new Counter({
    name: FLOW_ENDS_TOTAL,
    help: 'Flow records emitted, by end reason (idle, active = active-timeout report, fin, rst, evicted = table full, shutdown).',
    labelNames: ['reason'],
    registers: [registry],
    collect() {
      this.reset();
      for (const reason of END_REASON_NAMES) this.inc({ reason }, ends[reason]);
    },
  });
  return () => view.off('flows', onFlows);
}

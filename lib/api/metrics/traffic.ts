// Packets and bytes by source and protocol class (contracts: "Packet classes";
// tcp + udp + icmp + other = all frames, ipv4/ipv6 by outer IP header).
//
// Exact per (source, class) counters come from `totals()` when the embedder
// provides them (the daemon sums the per-second SampleRows it already gets).
// Without it they are derived from the snapshot: the pipeline's layer counts
// give cumulative packets per class for all sources together, and bytes only
// in total — so `source` is the source's name when there is one source and
// "all" otherwise, and bytes carry class="all".
import { Counter, type Registry } from 'prom-client';
import type { DaemonSnapshot, TrafficTotal } from '../../daemon/view.js';
import { CLASS_NAMES, type ClassName } from '../../stats/index.js';
import { BYTES_TOTAL, PACKETS_TOTAL } from './names.js';

export type { TrafficTotal } from '../../daemon/view.js';

/** Packets per class from the layer counts (the same rules as the stats classes). */
export function classPackets(s: DaemonSnapshot): Record<ClassName, number> {
  const { packets, layers } = s.pipeline.totals;
  const icmp = layers.icmp + layers.icmpv6;
  return { ipv4: layers.ipv4, ipv6: layers.ipv6, tcp: layers.tcp, udp: layers.udp, icmp, other: packets - layers.tcp - layers.udp - icmp };
}

export function registerTraffic(registry: Registry, snapshot: () => DaemonSnapshot | null, totals?: () => readonly TrafficTotal[]): void {
  const fill = (counter: Counter<'source' | 'class'>, field: 'packets' | 'bytes') => {
    counter.reset();
    const s = snapshot();
    if (totals) {
      const names = new Map(s?.sources.map((x) => [x.id, x.name]) ?? []);
      for (const t of totals()) counter.inc({ source: names.get(t.source) ?? String(t.source), class: t.cls }, t[field]);
      return;
    }
    if (!s) return;
    const source = s.sources.length === 1 ? s.sources[0]!.name : 'all';
    if (field === 'bytes') {
      counter.inc({ source, class: 'all' }, s.pipeline.totals.bytes);
      return;
    }
    const perClass = classPackets(s);
    for (const cls of CLASS_NAMES) counter.inc({ source, class: cls }, perClass[cls]);
  };
  new Counter({
    name: PACKETS_TOTAL,
    help: 'Frames seen by the pipeline, by capture source and protocol class (tcp+udp+icmp+other = all frames; ipv4/ipv6 by outer IP header).',
    labelNames: ['source', 'class'],
    registers: [registry],
    collect() {
      fill(this, 'packets');
    },
  });
  new Counter({
    name: BYTES_TOTAL,
    help: 'Bytes (wire length) seen by the pipeline, by capture source and protocol class.',
    labelNames: ['source', 'class'],
    registers: [registry],
    collect() {
      fill(this, 'bytes');
    },
  });
}

// Views of a DaemonSnapshot for the API: one window's stats (/api/stats) and
// the compact form sent on /api/stream. The compact form keeps the snapshot's
// nesting (pipeline.stats.windows, pipeline.flows, sources, lag_s), so the
// dashboard reads either, but trims top lists and the layer breakdown.
import type { DaemonSnapshot, DaemonView, SourceStatus } from '../daemon/view.js';
import type { Rate, WindowStats } from '../stats/index.js';

/** Entries of each top list in a streamed snapshot. */
export const STREAM_TOP = 10;

const round = (x: number) => Math.round(x * 1000) / 1000;

function rate(r: Rate): Rate {
  return { packets: r.packets, bytes: r.bytes, pps: round(r.pps), bps: round(r.bps) };
}

function sourceSummary(s: SourceStatus) {
  return {
    id: s.id,
    name: s.name,
    kind: s.kind,
    state: s.state,
    packets: s.packets,
    bytes: s.bytes,
    kernel_drops: s.kernel_drops,
    if_drops: s.if_drops,
    ring_drops: s.ring_drops,
    ...(s.error ? { error: s.error } : {}),
  };
}

function compactWindow(w: WindowStats, names: Map<number, string>) {
  const classes: Record<string, Rate> = {};
  for (const [cls, r] of Object.entries(w.classes)) classes[cls] = rate(r);
  return {
    window: w.window,
    ...rate(w),
    classes,
    sources: w.sources.map((s) => ({ source: s.source, name: names.get(s.source) ?? null, ...rate(s) })),
    top_hosts: w.top_hosts.slice(0, STREAM_TOP),
    top_flows: w.top_flows.slice(0, STREAM_TOP),
  };
}

/** The streamed snapshot: everything the live dashboard draws, a few KB. */
export function compactSnapshot(s: DaemonSnapshot, state: DaemonView['state']) {
  const names = new Map(s.sources.map((x) => [x.id, x.name]));
  const p = s.pipeline;
  return {
    taken: s.taken,
    state,
    lag_s: round(s.lag_s),
    sources: s.sources.map(sourceSummary),
    pipeline: {
      time: p.time,
      clock: p.clock,
      totals: { packets: p.totals.packets, bytes: p.totals.bytes },
      flows: {
        active: p.flows.active,
        created: p.flows.created,
        ended: p.flows.ended,
        evicted: p.flows.evicted,
        new_per_s: p.flows.new_per_s.map((n) => ({ window: n.window, rate: round(n.rate) })),
      },
      stats: { time: p.stats.time, windows: p.stats.windows.map((w) => compactWindow(w, names)) },
    },
  };
}

/** /api/stats for one window (which must be one of the snapshot's). */
export function windowStats(s: DaemonSnapshot, window: WindowStats, state: DaemonView['state']) {
  const names = new Map(s.sources.map((x) => [x.id, x.name]));
  const p = s.pipeline;
  return {
    time: p.time,
    stats_time: p.stats.time,
    taken: s.taken,
    clock: p.clock,
    state,
    lag_s: s.lag_s,
    window: window.window,
    windows: p.stats.windows.map((w) => w.window),
    rate: { packets: window.packets, bytes: window.bytes, pps: window.pps, bps: window.bps },
    classes: window.classes,
    sources: window.sources.map((x) => ({ ...x, name: names.get(x.source) ?? null })),
    top_hosts: window.top_hosts,
    top_flows: window.top_flows,
    flows: {
      active: p.flows.active,
      created: p.flows.created,
      ended: p.flows.ended,
      evicted: p.flows.evicted,
      active_reports: p.flows.activeReports,
      skipped: p.flows.skipped,
      new_per_s: p.flows.new_per_s.find((n) => n.window === window.window)?.rate ?? 0,
    },
    totals: p.totals,
  };
}

// One place that knows the shape of the stream's snapshot (lib/daemon/view.ts
// DaemonSnapshot: pipeline + sources + lag) and turns it into what the views
// draw. If the API's snapshot changes, only this file changes.

/**
 * @typedef {{ packets: number, bytes: number, pps: number, bps: number }} Rate
 * @typedef {Rate & { window: number, classes: Record<string, Rate>, sources: Array<Rate & { source: number }>,
 *   top_hosts: Array<{ ip: string, bytes: number, packets: number }>, top_flows: Array<object> }} WindowStats
 * @typedef {{ time: number, state: string | null, sources: Array<any>, windows: Map<number, WindowStats>,
 *   flowsActive: number, flowTable: { active: number, created: number, ended: number, evicted: number }, newFlows: Map<number, number>, lag: number | null, totals: { packets: number, bytes: number } }} View
 */

/** @returns {View | null} */
export function readSnapshot(raw) {
  if (!raw || typeof raw !== 'object') return null;
  const pipeline = raw.pipeline ?? raw;
  const stats = pipeline.stats ?? {};
  const windows = new Map();
  for (const w of stats.windows ?? []) windows.set(w.window, w);
  const newFlows = new Map();
  for (const n of pipeline.flows?.new_per_s ?? []) newFlows.set(n.window, n.rate);
  // The time the numbers describe: packet time for replays, wall time live.
  const time = Number(stats.time || pipeline.time || raw.taken || Date.now() / 1000);
  return {
    time,
    state: raw.state ?? null,
    sources: Array.isArray(raw.sources) ? raw.sources : [],
    windows,
    flowsActive: pipeline.flows?.active ?? 0,
    flowTable: {
      active: pipeline.flows?.active ?? 0,
      created: pipeline.flows?.created?.total ?? 0,
      ended: pipeline.flows?.ended ?? 0,
      evicted: pipeline.flows?.evicted ?? 0,
    },
    newFlows,
    lag: typeof raw.lag_s === 'number' ? raw.lag_s : null,
    totals: { packets: pipeline.totals?.packets ?? 0, bytes: pipeline.totals?.bytes ?? 0 },
  };
}

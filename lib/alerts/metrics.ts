// Reads a rule's metric out of a DaemonSnapshot, one value per subject (the
// total, each source, or each host of the window's top list). Drops are
// cumulative counters in the snapshot; DropHistory turns them into "dropped
// within the last w seconds" from the counters seen at earlier ticks.
import type { AlertMetric, AlertRuleConfig } from '../config/types.js';
import type { DaemonSnapshot } from '../daemon/view.js';
import type { WindowStats } from '../stats/index.js';

export interface MetricSample {
  /** '' for the total, `source:<name>` or `host:<ip>`. */
  key: string;
  host?: string;
  source?: string;
  value: number;
}

/** Which scopes each metric can be read for. */
export const SUPPORTED_SCOPES: Record<AlertMetric, ReadonlyArray<AlertRuleConfig['scope']>> = {
  bytes_per_s: ['total', 'source', 'host'],
  packets_per_s: ['total', 'source', 'host'],
  new_flows_per_s: ['total'],
  active_flows: ['total'],
  drops: ['total', 'source'],
};

/** Why a rule cannot be evaluated at all (static check), or null. */
export function unsupported(rule: AlertRuleConfig): string | null {
  const scopes = SUPPORTED_SCOPES[rule.metric];
  if (!scopes) return `unknown metric ${JSON.stringify(rule.metric)}`;
  if (!scopes.includes(rule.scope)) return `metric ${rule.metric} has no ${rule.scope} scope (supported: ${scopes.join(', ')})`;
  return null;
}

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Counters seen at each tick, per source, for the drops metric. */
export class DropHistory {
  /** source id → [time, cumulative drops] oldest first, covering the longest window. */
  readonly #points = new Map<number, Array<[number, number]>>();
  #horizon = 60;

  set horizon(seconds: number) {
    this.#horizon = seconds;
  }

  update(snapshot: DaemonSnapshot, t: number): void {
    const seen = new Set<number>();
    for (const s of Array.isArray(snapshot.sources) ? snapshot.sources : []) {
      if (!s || !finite(s.id)) continue;
      const total = (finite(s.kernel_drops) ? s.kernel_drops : 0) + (finite(s.if_drops) ? s.if_drops : 0) + (finite(s.ring_drops) ? s.ring_drops : 0);
      seen.add(s.id);
      let points = this.#points.get(s.id);
      if (!points) this.#points.set(s.id, (points = []));
      const last = points[points.length - 1];
      // A counter going down (source reopened) or time going back starts the history again.
      if (last && (total < last[1] || t < last[0])) points.length = 0;
      points.push([t, total]);
      // Keep one point at or before the window start, drop the older ones.
      while (points.length > 2 && points[1]![0] <= t - this.#horizon) points.shift();
    }
    for (const id of this.#points.keys()) if (!seen.has(id)) this.#points.delete(id);
  }

  /** Drops of source `id` within (t - window, t]. */
  within(id: number, window: number, t: number): number {
    const points = this.#points.get(id);
    if (!points || points.length === 0) return 0;
    const now = points[points.length - 1]![1];
    let base = points[0]![1];
    for (const [pt, total] of points) {
      if (pt <= t - window) base = total;
      else break;
    }
    return now - base;
  }
}

function sourceName(snapshot: DaemonSnapshot, id: number): string {
  const status = Array.isArray(snapshot.sources) ? snapshot.sources.find((s) => s?.id === id) : undefined;
  return typeof status?.name === 'string' ? status.name : String(id);
}

function sourceMatches(rule: AlertRuleConfig, name: string, id: number): boolean {
  return rule.source === undefined || rule.source === name || rule.source === String(id);
}

/**
 * The rule's samples in this snapshot; null when the snapshot does not carry
 * the rule's window (aggregation.windows without it).
 */
export function samples(rule: AlertRuleConfig, snapshot: DaemonSnapshot, drops: DropHistory, t: number): MetricSample[] | null {
  const pipeline = snapshot.pipeline;
  switch (rule.metric) {
    case 'active_flows': {
      const active = pipeline?.flows?.active;
      return finite(active) ? [{ key: '', value: active }] : [];
    }
    case 'new_flows_per_s': {
      const entry = Array.isArray(pipeline?.flows?.new_per_s) ? pipeline.flows.new_per_s.find((e) => e?.window === rule.window) : undefined;
      if (!entry) return null;
      return finite(entry.rate) ? [{ key: '', value: entry.rate }] : [];
    }
    case 'drops': {
      const out: MetricSample[] = [];
      let total = 0;
      for (const s of Array.isArray(snapshot.sources) ? snapshot.sources : []) {
        if (!s || !finite(s.id)) continue;
        const n = drops.within(s.id, rule.window, t);
        total += n;
        if (rule.scope === 'source' && sourceMatches(rule, s.name, s.id)) out.push({ key: `source:${s.name}`, source: s.name, value: n });
      }
      return rule.scope === 'total' ? [{ key: '', value: total }] : out;
    }
    case 'bytes_per_s':
    case 'packets_per_s': {
      const ws: WindowStats | undefined = Array.isArray(pipeline?.stats?.windows) ? pipeline.stats.windows.find((w) => w?.window === rule.window) : undefined;
      if (!ws) return null;
      const w = ws.window;
      const pick = (r: { bytes: number; packets: number }) => (rule.metric === 'bytes_per_s' ? r.bytes : r.packets) / w;
      if (rule.scope === 'total') return [{ key: '', value: pick(ws) }];
      if (rule.scope === 'source') {
        const out: MetricSample[] = [];
        for (const s of Array.isArray(ws.sources) ? ws.sources : []) {
          if (!s || !finite(s.source)) continue;
          const name = sourceName(snapshot, s.source);
          if (sourceMatches(rule, name, s.source)) out.push({ key: `source:${name}`, source: name, value: pick(s) });
        }
        return out;
      }
      const out: MetricSample[] = [];
      for (const h of Array.isArray(ws.top_hosts) ? ws.top_hosts : []) {
        if (!h || typeof h.ip !== 'string') continue;
        out.push({ key: `host:${h.ip}`, host: h.ip, value: pick(h) });
      }
      return out;
    }
    default:
      return [];
  }
}

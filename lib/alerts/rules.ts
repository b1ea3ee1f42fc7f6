// Threshold rules (alerts.rules): a metric compared with a threshold at every
// snapshot, in the snapshot's time. Per rule and subject (total, source, host):
//
//   ok ──condition──▶ pending ──held for_s──▶ FIRING ──condition ends──▶ RESOLVED
//                                                                      (cooldown_s: no new firing
//                                                                       of this rule+subject)
// Each transition to firing and to resolved is one event. A subject missing
// from a snapshot (a host that left the top list) counts as "condition false".
import type { AlertRuleConfig } from '../config/types.js';
import type { DaemonSnapshot } from '../daemon/view.js';
import { metricValue, OP_WORDS, seconds } from './format.js';
import { DropHistory, samples, unsupported, type MetricSample } from './metrics.js';
import type { AlertEvent } from './types.js';

/** Subjects tracked per rule (pending + firing + cooling down); a host rule sees at most top_n hosts per window. */
const MAX_SUBJECTS = 4096;

interface Firing {
  event: AlertEvent;
  since: number;
}

interface RuleState {
  rule: AlertRuleConfig;
  /** JSON of the rule: a reload with an equal definition keeps the state. */
  spec: string;
  /** subject → time the condition started holding. */
  pending: Map<string, number>;
  firing: Map<string, Firing>;
  /** subject → no firing before this time. */
  cooldown: Map<string, number>;
}

function compare(value: number, op: AlertRuleConfig['op'], threshold: number): boolean {
  switch (op) {
    case '>':
      return value > threshold;
    case '>=':
      return value >= threshold;
    case '<':
      return value < threshold;
    case '<=':
      return value <= threshold;
    default:
      return false;
  }
}

function subjectText(rule: AlertRuleConfig, s: Pick<MetricSample, 'host' | 'source'>): string {
  if (s.host !== undefined) return `host ${s.host}`;
  if (s.source !== undefined) return `source ${s.source}`;
  return rule.scope === 'total' ? 'all sources' : rule.scope;
}

function windowText(rule: AlertRuleConfig): string {
  return rule.metric === 'active_flows' ? '' : ` over ${rule.window} s`;
}

export class ThresholdRules {
  #states: RuleState[] = [];
  #ignored: string[] = [];
  readonly #drops = new DropHistory();
  #lastTime = -Infinity;
  readonly #nextId: () => number;
  readonly #warn: (msg: string, ctx: Record<string, unknown>) => void;
  /** Rules already reported as not evaluable for a missing window. */
  readonly #missingWindow = new Set<string>();

  constructor(nextId: () => number, warn: (msg: string, ctx: Record<string, unknown>) => void) {
    this.#nextId = nextId;
    this.#warn = warn;
  }

  /** Names of rules that are never evaluated, with why. */
  get ignored(): string[] {
    return [...this.#ignored, ...this.#missingWindow];
  }

  get count(): number {
    return this.#states.length;
  }

  get firing(): number {
    let n = 0;
    for (const s of this.#states) n += s.firing.size;
    return n;
  }

  /** Latest snapshot time seen (-Infinity before any). */
  get time(): number {
    return this.#lastTime;
  }

  /**
   * Replaces the rules. A rule whose name and definition are unchanged keeps
   * its state; the alerts of removed or changed rules resolve (returned).
   */
  setRules(rules: readonly AlertRuleConfig[]): AlertEvent[] {
    const old = new Map(this.#states.map((s) => [s.rule.name, s]));
    const next: RuleState[] = [];
    const ignored: string[] = [];
    const seen = new Set<string>();
    for (const rule of rules) {
      if (seen.has(rule.name)) {
        ignored.push(`${rule.name}: duplicate rule name (the first one is used)`);
        continue;
      }
      seen.add(rule.name);
      const why = unsupported(rule);
      if (why) {
        ignored.push(`${rule.name}: ${why}`);
        continue;
      }
      const spec = JSON.stringify(rule);
      const prev = old.get(rule.name);
      if (prev && prev.spec === spec) {
        next.push(prev);
        old.delete(rule.name);
      } else {
        next.push({ rule, spec, pending: new Map(), firing: new Map(), cooldown: new Map() });
      }
    }
    for (const msg of ignored) if (!this.#ignored.includes(msg)) this.#warn('alert rule ignored', { rule: msg });
    this.#ignored = ignored;
    this.#missingWindow.clear();
    this.#states = next;
    this.#drops.horizon = Math.max(60, ...next.map((s) => s.rule.window));
    const t = Number.isFinite(this.#lastTime) ? this.#lastTime : 0;
    const resolved: AlertEvent[] = [];
    for (const state of old.values()) {
      for (const f of state.firing.values()) resolved.push(this.#resolve(f, t, 'the rule was removed or changed by a config reload', f.event.value));
    }
    return resolved;
  }

  /** Evaluates every rule at the snapshot's time; returns the transitions. */
  evaluate(snapshot: DaemonSnapshot): AlertEvent[] {
    const t = snapshotTime(snapshot);
    if (t === null) return [];
    if (t < this.#lastTime) {
      // Time went back (a new capture): durations and cooldowns measured in the old time mean nothing now.
      for (const s of this.#states) {
        s.pending.clear();
        s.cooldown.clear();
      }
    }
    this.#lastTime = t;
    this.#drops.update(snapshot, t);
    const out: AlertEvent[] = [];
    for (const state of this.#states) {
      const list = samples(state.rule, snapshot, this.#drops, t);
      if (list === null) {
        const msg = `${state.rule.name}: window ${state.rule.window} s is not in aggregation.windows`;
        if (!this.#missingWindow.has(msg)) {
          this.#missingWindow.add(msg);
          this.#warn('alert rule ignored', { rule: msg });
        }
        continue;
      }
      this.#evaluateRule(state, list, t, out);
    }
    return out;
  }

  #evaluateRule(state: RuleState, list: MetricSample[], t: number, out: AlertEvent[]): void {
    const { rule } = state;
    const present = new Set<string>();
    for (const s of list) {
      if (!Number.isFinite(s.value)) continue;
      present.add(s.key);
      const holds = compare(s.value, rule.op, rule.threshold);
      const firing = state.firing.get(s.key);
      if (firing) {
        firing.event = { ...firing.event, value: s.value };
        if (!holds) {
          state.firing.delete(s.key);
          if (rule.cooldown_s > 0) state.cooldown.set(s.key, t + rule.cooldown_s);
          out.push(this.#resolve(firing, t, `now ${metricValue(rule.metric, s.value)}`, s.value));
        }
        continue;
      }
      if (!holds) {
        state.pending.delete(s.key);
        continue;
      }
      let since = state.pending.get(s.key);
      if (since === undefined) {
        if (state.pending.size + state.firing.size >= MAX_SUBJECTS) continue;
        since = t;
        state.pending.set(s.key, t);
      }
      if (t - since < rule.for_s) continue;
      const until = state.cooldown.get(s.key);
      if (until !== undefined && t < until) continue;
      state.pending.delete(s.key);
      state.cooldown.delete(s.key);
      const event = this.#fire(rule, s, t, since);
      state.firing.set(s.key, { event, since });
      out.push(event);
    }
    // Subjects not in this snapshot: the condition does not hold for them.
    for (const key of state.pending.keys()) if (!present.has(key)) state.pending.delete(key);
    for (const [key, firing] of state.firing) {
      if (present.has(key)) continue;
      state.firing.delete(key);
      if (rule.cooldown_s > 0) state.cooldown.set(key, t + rule.cooldown_s);
      out.push(this.#resolve(firing, t, 'no longer reported (not among the top hosts)', 0));
    }
    for (const [key, until] of state.cooldown) if (until <= t) state.cooldown.delete(key);
  }

  #fire(rule: AlertRuleConfig, s: MetricSample, t: number, since: number): AlertEvent {
    const held = rule.for_s > 0 ? `, for ${seconds(t - since)}` : '';
    const reason =
      `${rule.metric} of ${subjectText(rule, s)}${windowText(rule)} is ${metricValue(rule.metric, s.value)}, ` +
      `${OP_WORDS[rule.op]} ${metricValue(rule.metric, rule.threshold)}${held} (rule ${JSON.stringify(rule.name)})`;
    const event: AlertEvent = {
      id: this.#nextId(),
      rule: rule.name,
      kind: 'threshold',
      severity: rule.severity,
      state: 'firing',
      value: s.value,
      threshold: rule.threshold,
      reason,
      started_at: t,
      time: t,
    };
    if (s.host !== undefined) event.host = s.host;
    if (s.source !== undefined) event.source = s.source;
    return event;
  }

  #resolve(firing: Firing, t: number, why: string, value: number): AlertEvent {
    const base = firing.event.reason.replace(/ \(rule .*\)$/, '');
    const rule = firing.event.rule;
    return {
      ...firing.event,
      state: 'resolved',
      value,
      reason: `${base}; resolved after ${seconds(t - firing.event.started_at)}: ${why} (rule ${JSON.stringify(rule)})`,
      resolved_at: t,
      time: t,
    };
  }
}

/** The snapshot's time: the pipeline's (packet time for replays), else when it was taken; null if neither is usable. */
export function snapshotTime(snapshot: DaemonSnapshot): number | null {
  const t = snapshot?.pipeline?.time;
  if (typeof t === 'number' && Number.isFinite(t) && t > 0) return t;
  const taken = snapshot?.taken;
  if (typeof taken === 'number' && Number.isFinite(taken) && taken > 0) return taken;
  return null;
}

// Threshold rules fed with DaemonSnapshots: hostile snapshots and configs
// first, then the lifecycle (for_s, cooldown, firing → resolved once each) on
// every metric and scope, in snapshot time.
import { describe, expect, it } from 'vitest';
import { createAlerts, type AlertEvent, type Alerts } from '../../../lib/alerts/index.js';
import type { AlertRuleConfig } from '../../../lib/config/index.js';
import { capturedLogger, config, rule, settle, snapshot, T0 } from './support.js';

function alertsWith(rules: AlertRuleConfig[], logger = capturedLogger().logger): { alerts: Alerts; events: AlertEvent[] } {
  const alerts = createAlerts({ config: config({ rules }), logger });
  const events: AlertEvent[] = [];
  alerts.on('alert', (e) => events.push(e));
  return { alerts, events };
}

/** Feeds one snapshot per second with the 1 s window's bytes from `series` (index 0 at T0). */
function feed(alerts: Alerts, series: number[], from = T0): void {
  series.forEach((bytes, i) => alerts.onSnapshot(snapshot(from + i, { windows: [{ window: 1, bytes }, { window: 10, bytes }, { window: 60, bytes }] })));
}

const brief = (e: AlertEvent) => `${e.rule} ${e.state} ${e.time - T0}${e.host ? ` ${e.host}` : ''}${e.source ? ` ${e.source}` : ''}`;

describe('createAlerts: bad options', () => {
  it('names the bad key', () => {
    const bad: Array<[unknown, RegExp]> = [
      [undefined, /alerts\.: expected an object/],
      [{ ...config(), local_networks: 'x' }, /alerts\.local_networks: expected an array/],
      [config({ local_networks: ['10.0.0.0/33'] }), /local_networks\[0\]: expected a network in CIDR form/],
      [config({ rules: [rule({ name: 'r', window: 30 as never })] }), /alerts\.rules\[0\]\.window: expected 1, 10 or 60, got 30/],
      [config({ rules: [rule({ name: 'r', threshold: Number.NaN })] }), /rules\[0\]\.threshold: expected a finite number/],
      [config({ rules: [rule({ name: 'r', metric: 'cpu' as never })] }), /rules\[0\]\.metric: expected one of/],
      [config({ rules: [rule({ name: '' })] }), /rules\[0\]\.name: expected a non-empty string/],
      [config({ baselines: { enabled: true, max_hosts: 0, max_peers_per_host: 1 } }), /baselines\.max_hosts: expected an integer ≥ 1/],
      [config({ webhook: { url: 'ftp://x', secret: 's'.repeat(16), timeout_ms: 1000, max_queue: 10 } }), /webhook\.url: expected an http/],
    ];
    for (const [c, message] of bad) expect(() => createAlerts({ config: c as never }), String(message)).toThrow(message);
  });

  it('never prints the webhook secret in an error', () => {
    expect(() => createAlerts({ config: config({ webhook: { url: 'http://127.0.0.1:1/', secret: 42 as never, timeout_ms: 1000, max_queue: 1 } }) })).toThrow(/\[redacted\]/);
  });

  it('ignores rules it cannot evaluate, with one warning each, and lists them', async () => {
    const log = capturedLogger();
    const { alerts } = alertsWith(
      [
        rule({ name: 'nf-host', metric: 'new_flows_per_s', scope: 'host' }),
        rule({ name: 'drops-host', metric: 'drops', scope: 'host' }),
        rule({ name: 'dup' }),
        rule({ name: 'dup', threshold: 5 }),
        rule({ name: 'w60', window: 60 }),
      ],
      log.logger,
    );
    // aggregation.windows without 60: the rule is skipped with one warning, not one per tick
    for (let i = 0; i < 3; i++) alerts.onSnapshot(snapshot(T0 + i, { windows: [{ window: 1, bytes: 1e9 }] }));
    await settle();
    const stats = alerts.stats();
    expect(stats.rules).toBe(2);
    expect(stats.rules_ignored).toEqual([
      'nf-host: metric new_flows_per_s has no host scope (supported: total)',
      'drops-host: metric drops has no host scope (supported: total, source)',
      'dup: duplicate rule name (the first one is used)',
      'w60: window 60 s is not in aggregation.windows',
    ]);
    expect(log.lines().filter((l) => l.msg === 'alert rule ignored')).toHaveLength(4);
    await alerts.close();
  });
});

describe('threshold rules: hostile snapshots', () => {
  it('garbage, NaN and missing parts neither throw nor alert', async () => {
    const log = capturedLogger();
    const { alerts, events } = alertsWith([rule({ name: 'r', threshold: 10 }), rule({ name: 'h', scope: 'host', threshold: 10 }), rule({ name: 'd', metric: 'drops', threshold: 0 })], log.logger);
    const garbage: unknown[] = [
      null,
      undefined,
      42,
      {},
      { pipeline: null },
      { pipeline: { time: Number.NaN } },
      { pipeline: { time: T0, stats: { windows: 'x' } } },
      { pipeline: { time: T0, stats: { windows: [null, { window: 1, bytes: Number.NaN, top_hosts: [null, { ip: 5 }] }] } } },
      { ...snapshot(T0 + 1), sources: [null, { id: 'x' }, { id: 1, kernel_drops: Number.POSITIVE_INFINITY }] },
    ];
    for (const g of garbage) expect(() => alerts.onSnapshot(g as never)).not.toThrow();
    expect(() => alerts.onFlows(null as never)).not.toThrow();
    expect(events).toEqual([]);
    await alerts.close();
  });

  it('time going backwards (a new capture) restarts for_s and cooldown instead of waiting for the old time', () => {
    const { alerts, events } = alertsWith([rule({ name: 'r', threshold: 10, for_s: 3, cooldown_s: 1000 })]);
    feed(alerts, [50, 50, 50, 50, 0, 50], T0 + 10_000); // cooldown until T0 + 11004, a pending condition since 10005
    feed(alerts, [50, 50, 50, 50]);
    expect(events.map(brief)).toEqual(['r firing 10003', 'r resolved 10004', 'r firing 3']);
    void alerts.close();
  });
});

describe('threshold rules: lifecycle', () => {
  it('fires once when the condition holds, resolves once when it ends, same id', () => {
    const { alerts, events } = alertsWith([rule({ name: 'big', threshold: 1000, severity: 'critical' })]);
    feed(alerts, [10, 2000, 3000, 2500, 999, 10]);
    expect(events.map(brief)).toEqual(['big firing 1', 'big resolved 4']);
    const [fire, res] = events;
    expect(fire!.id).toBe(res!.id);
    expect(fire).toMatchObject({ kind: 'threshold', severity: 'critical', value: 2000, threshold: 1000, started_at: T0 + 1 });
    expect(fire!.reason).toBe('bytes_per_s of all sources over 1 s is 2 kB/s, above 1 kB/s (rule "big")');
    expect(res).toMatchObject({ state: 'resolved', value: 999, started_at: T0 + 1, resolved_at: T0 + 4 });
    expect(res!.reason).toMatch(/; resolved after 3 s: now 999 B\/s \(rule "big"\)$/);
    expect(Object.isFrozen(fire)).toBe(true);
    void alerts.close();
  });

  it('for_s: the condition must hold that long in snapshot time; a gap restarts the count', () => {
    const { alerts, events } = alertsWith([rule({ name: 'slow', threshold: 100, for_s: 3 })]);
    //            0    1    2    3  4    5    6    7    8    9
    feed(alerts, [500, 500, 500, 0, 500, 500, 500, 500, 500, 0]);
    expect(events.map(brief)).toEqual(['slow firing 7', 'slow resolved 9']);
    expect(events[0]!.reason).toContain('for 3 s');
    void alerts.close();
  });

  it('for_s counts snapshot time, not snapshots: sparse ticks fire as soon as the time has passed', () => {
    const { alerts, events } = alertsWith([rule({ name: 'r', threshold: 100, for_s: 5 })]);
    for (const t of [0, 4, 5, 6]) alerts.onSnapshot(snapshot(T0 + t, { windows: [{ window: 1, bytes: 500 }] }));
    expect(events.map(brief)).toEqual(['r firing 5']);
    void alerts.close();
  });

  it('cooldown_s: no new firing of the same rule and subject within it after resolving', () => {
    const { alerts, events } = alertsWith([rule({ name: 'c', threshold: 100, cooldown_s: 5 })]);
    //            0    1  2    3    4  5  6  7    8
    feed(alerts, [500, 0, 500, 500, 0, 0, 0, 500, 0]);
    // resolved at 1 → quiet until 6; the burst at 2-3 is swallowed; 7 fires again
    expect(events.map(brief)).toEqual(['c firing 0', 'c resolved 1', 'c firing 7', 'c resolved 8']);
    void alerts.close();
  });

  it('cooldown is per subject: another host may fire meanwhile', () => {
    const { alerts, events } = alertsWith([rule({ name: 'h', scope: 'host', threshold: 100, cooldown_s: 60 })]);
    const at = (t: number, hosts: Array<[string, number]>) => alerts.onSnapshot(snapshot(T0 + t, { windows: [{ window: 1, hosts }] }));
    at(0, [['10.0.0.1', 500]]);
    at(1, [['10.0.0.1', 5]]);
    at(2, [['10.0.0.1', 500], ['fd00::2', 900]]);
    at(3, [['fd00::2', 900]]); // 10.0.0.1 left the top list: resolves
    at(4, []);
    expect(events.map(brief)).toEqual(['h firing 0 10.0.0.1', 'h resolved 1 10.0.0.1', 'h firing 2 fd00::2', 'h resolved 4 fd00::2']);
    expect(events[3]!.reason).toContain('no longer reported (not among the top hosts)');
    void alerts.close();
  });

  it('below-threshold rules (< and <=) and the 10 s window', () => {
    const { alerts, events } = alertsWith([
      rule({ name: 'quiet', op: '<', threshold: 100, window: 10 }),
      rule({ name: 'le', op: '<=', threshold: 100, window: 10 }),
    ]);
    alerts.onSnapshot(snapshot(T0, { windows: [{ window: 1 }, { window: 10, bytes: 5000 }] })); // 500 B/s
    alerts.onSnapshot(snapshot(T0 + 1, { windows: [{ window: 1 }, { window: 10, bytes: 1000 }] })); // 100 B/s
    alerts.onSnapshot(snapshot(T0 + 2, { windows: [{ window: 1 }, { window: 10, bytes: 500 }] })); // 50 B/s
    expect(events.map(brief)).toEqual(['le firing 1', 'quiet firing 2']);
    expect(events[1]!.reason).toContain('below 100 B/s');
    void alerts.close();
  });

  it('packets_per_s, new_flows_per_s and active_flows', () => {
    const { alerts, events } = alertsWith([
      rule({ name: 'pps', metric: 'packets_per_s', window: 10, threshold: 50 }),
      rule({ name: 'nf', metric: 'new_flows_per_s', window: 10, threshold: 20 }),
      rule({ name: 'af', metric: 'active_flows', threshold: 1000, op: '>=' }),
    ]);
    alerts.onSnapshot(snapshot(T0, { windows: [{ window: 10, packets: 501 }], newPerS: [{ window: 10, rate: 20.5 }], active: 999 }));
    alerts.onSnapshot(snapshot(T0 + 1, { windows: [{ window: 10, packets: 500 }], newPerS: [{ window: 10, rate: 3 }], active: 1000 }));
    expect(events.map(brief)).toEqual(['pps firing 0', 'nf firing 0', 'pps resolved 1', 'nf resolved 1', 'af firing 1']);
    expect(events[4]!.reason).toBe('active_flows of all sources is 1k active flows, at or above 1k active flows (rule "af")');
    void alerts.close();
  });

  it('source scope: rates per source by name, optionally one source', () => {
    const { alerts, events } = alertsWith([rule({ name: 'any', scope: 'source', threshold: 100 }), rule({ name: 'eth1', scope: 'source', source: 'eth1', threshold: 100 })]);
    const sources = [{ id: 0, name: 'eth0' }, { id: 3, name: 'eth1' }];
    alerts.onSnapshot(snapshot(T0, { windows: [{ window: 1, sources: [[0, 500], [3, 50]] }], sources }));
    alerts.onSnapshot(snapshot(T0 + 1, { windows: [{ window: 1, sources: [[0, 500], [3, 500]] }], sources }));
    expect(events.map(brief)).toEqual(['any firing 0 eth0', 'any firing 1 eth1', 'eth1 firing 1 eth1']);
    void alerts.close();
  });

  it('drops: packets dropped within the window, from cumulative counters; a counter reset is not negative', () => {
    const { alerts, events } = alertsWith([
      rule({ name: 'burst', metric: 'drops', window: 10, threshold: 0 }),
      rule({ name: 'per-source', metric: 'drops', scope: 'source', window: 1, threshold: 50 }),
    ]);
    const at = (t: number, kernel: number, ring = 0) => alerts.onSnapshot(snapshot(T0 + t, { sources: [{ id: 0, name: 'eth0', kernel_drops: kernel, ring_drops: ring }] }));
    at(0, 1000); // drops before we started watching are not a burst
    at(1, 1000);
    at(2, 1040, 20); // 60 in the last second
    at(3, 1040, 20);
    at(12, 1040, 20); // 10 s later: nothing dropped within the window
    at(13, 0); // counters reset (source reopened): no negative burst
    at(14, 0);
    expect(events.map(brief)).toEqual(['burst firing 2', 'per-source firing 2 eth0', 'per-source resolved 3 eth0', 'burst resolved 12']);
    expect(events[0]!.reason).toBe('drops of all sources over 10 s is 60 dropped packets, above 0 dropped packets (rule "burst")');
    void alerts.close();
  });

  it('a listener that throws does not stop evaluation or other sinks', () => {
    const { alerts, events } = alertsWith([rule({ name: 'a', threshold: 10 })]);
    alerts.prependListener('alert', () => {
      throw new Error('listener bug');
    });
    feed(alerts, [50, 0]);
    expect(events.map(brief)).toEqual(['a firing 0', 'a resolved 1']);
    expect(alerts.list().map((e) => e.state)).toEqual(['resolved']);
    void alerts.close();
  });
});

describe('list, reconfigure, close', () => {
  it('list: newest first, latest state, filter and limit', () => {
    const { alerts } = alertsWith([rule({ name: 'a', threshold: 10 }), rule({ name: 'b', threshold: 20 })]);
    feed(alerts, [15, 25, 15]);
    expect(alerts.list().map((e) => `${e.rule}:${e.state}`)).toEqual(['b:resolved', 'a:firing']);
    expect(alerts.list({ state: 'firing' }).map((e) => e.rule)).toEqual(['a']);
    expect(alerts.list({ limit: 1 }).map((e) => e.rule)).toEqual(['b']);
    expect(alerts.list({ limit: -5 })).toHaveLength(2);
    expect(alerts.stats()).toMatchObject({ rules: 2, firing: 1, events: { threshold: 2, anomaly: 0 } });
    void alerts.close();
  });

  it('reconfigure: an unchanged rule keeps its state, a removed or changed one resolves', () => {
    const { alerts, events } = alertsWith([rule({ name: 'keep', threshold: 10 }), rule({ name: 'drop', threshold: 10 }), rule({ name: 'change', threshold: 10 })]);
    feed(alerts, [50]);
    expect(events).toHaveLength(3);
    alerts.reconfigure(config({ rules: [rule({ name: 'keep', threshold: 10 }), rule({ name: 'change', threshold: 20 })] }));
    expect(events.slice(3).map(brief)).toEqual(['drop resolved 0', 'change resolved 0']);
    expect(events[3]!.reason).toContain('removed or changed by a config reload');
    feed(alerts, [50], T0 + 1);
    expect(events.slice(5).map(brief)).toEqual(['change firing 1']); // keep stays firing, not re-fired
    expect(() => alerts.reconfigure(config({ rules: [rule({ name: 'x', op: '!' as never })] }))).toThrow(/rules\[0\]\.op/);
    void alerts.close();
  });

  it('after close: snapshots are ignored, close is idempotent', async () => {
    const { alerts, events } = alertsWith([rule({ name: 'a', threshold: 10 })]);
    const closing = alerts.close();
    expect(alerts.close()).toBe(closing);
    await closing;
    feed(alerts, [50]);
    expect(events).toEqual([]);
  });

  it('logs one line per event, level by severity', async () => {
    const log = capturedLogger();
    const { alerts } = alertsWith([rule({ name: 'crit', threshold: 10, severity: 'critical' }), rule({ name: 'inf', threshold: 10, severity: 'info' })], log.logger);
    feed(alerts, [50, 0]);
    await settle();
    const lines = log.lines().filter((l) => String(l.msg).startsWith('alert '));
    expect(lines.map((l) => `${l.level} ${l.msg} ${l.rule}`)).toEqual(['error alert firing crit', 'info alert firing inf', 'info alert resolved crit', 'info alert resolved inf']);
    expect(lines[0]).toMatchObject({ component: 'alerts', kind: 'threshold', value: 50, threshold: 10, alert_time: T0 });
    await alerts.close();
  });
});

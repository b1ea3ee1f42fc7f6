// Per-host baselines fed with flow records: hostile records first, then each
// anomaly (new destination, new port, volume, fan-out) with its learning
// period, bounds and rate limit, then persistence across instances.
import { afterEach, describe, expect, it } from 'vitest';
import { createAlerts, migrateAlerts, type AlertEvent, type Alerts, type CreateAlertsOptions } from '../../../lib/alerts/index.js';
import type { AlertsConfig } from '../../../lib/config/index.js';
import type { FlowRecord } from '../../../lib/flows/index.js';
import { capturedLogger, config, flow, ns, scratchDb, settle, snapshot, T0 } from './support.js';

const HOUR = 3600;
const open: Alerts[] = [];
const dbs: Array<ReturnType<typeof scratchDb>> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((a) => a.close()));
  for (const d of dbs.splice(0)) d.cleanup();
});

function make(c: Partial<AlertsConfig> = {}, extra: Partial<CreateAlertsOptions> = {}): { alerts: Alerts; events: AlertEvent[] } {
  const alerts = createAlerts({ config: config(c), ...extra });
  open.push(alerts);
  const events: AlertEvent[] = [];
  alerts.on('alert', (e) => events.push(e));
  return { alerts, events };
}

/** `hours` of routine: every 10 min, `host` opens a flow to one of `peers` (cycling) on tcp/443 with `bytes`. */
function routine(host: string, peers: string[], from: number, hours: number, bytes = 20_000): FlowRecord[] {
  const out: FlowRecord[] = [];
  let n = 0;
  for (let t = from; t < from + hours * HOUR; t += 600) out.push(flow(host, peers[n++ % peers.length]!, t, { bytes }));
  return out;
}

const brief = (e: AlertEvent) => `${e.rule} ${e.state} ${e.host}${e.peer ? ` ${e.peer}` : ''} ${+(e.time - T0).toFixed(3)}`;

describe('baselines: hostile records', () => {
  it('skips what is not a usable record, never throws', () => {
    const { alerts, events } = make({ learning_hours: 0 });
    const garbage = [
      null,
      7,
      'x',
      {},
      { src_ip: '10.0.0.1' },
      flow('10.0.0.1', '8.8.8.8', T0, { first_ns: 'abc' }),
      flow('10.0.0.1', '8.8.8.8', T0, { first_ns: '-5' }),
      flow('10.0.0.1', '8.8.8.8', T0, { last_ns: '1'.repeat(21) }),
      flow('10.0.0.1', '8.8.8.8', T0, { src_ip: 42 as never }),
      flow('not-an-ip', '8.8.8.8', T0),
      flow('8.8.4.4', '8.8.8.8', T0), // neither end local
    ];
    expect(() => alerts.onFlows(garbage as never)).not.toThrow();
    expect(() => alerts.onFlows({ length: 3 } as never)).not.toThrow();
    expect(events).toEqual([]);
    expect(alerts.stats().baselines.hosts).toBe(0);
  });

  it('negative or absurd byte counts add nothing to a volume', () => {
    const { alerts, events } = make();
    alerts.onFlows(routine('10.0.0.1', ['1.1.1.1'], T0, 6));
    alerts.onFlows([flow('10.0.0.1', '1.1.1.1', T0 + 6 * HOUR + 10, { bytes_c2s: -1e12, bytes_s2c: Number.NaN })]);
    expect(events).toEqual([]);
  });
});

describe('baselines: new destinations and ports', () => {
  it('nothing during the learning period; after it, a new destination fires once and resolves 5 min later', () => {
    const { alerts, events } = make({ learning_hours: 2 });
    alerts.onFlows(routine('10.0.0.5', ['203.0.113.1', '203.0.113.2'], T0, 1));
    alerts.onFlows([flow('10.0.0.5', '198.51.100.9', T0 + HOUR + 5)]); // still learning: learned silently
    alerts.onFlows(routine('10.0.0.5', ['203.0.113.1'], T0 + HOUR + 60, 1.5));
    expect(events).toEqual([]);
    const t = T0 + 3 * HOUR;
    alerts.onFlows([flow('10.0.0.5', '198.51.100.9', t), flow('10.0.0.5', '198.51.100.77', t + 1), flow('10.0.0.5', '198.51.100.77', t + 2)]);
    expect(events.map(brief)).toEqual([`new_destination firing 10.0.0.5 198.51.100.77 ${3 * HOUR + 1}`]);
    const e = events[0]!;
    expect(e).toMatchObject({ kind: 'anomaly', severity: 'info', value: 1 });
    expect(e.reason).toBe('10.0.0.5 contacted 198.51.100.77 (tcp/443) for the first time: not among the 3 destinations it used in 3 h');
    expect(e.score).toBeCloseTo(1 - 3 / 19, 5); // 3 destinations known over 19 flows
    expect(e.score).toBeLessThanOrEqual(1);
    alerts.onSnapshot(snapshot(t + 300));
    expect(events).toHaveLength(1);
    alerts.onSnapshot(snapshot(t + 302));
    expect(events.map(brief).slice(1)).toEqual([`new_destination resolved 10.0.0.5 198.51.100.77 ${3 * HOUR + 301}`]);
    expect(events[1]!.reason).toMatch(/; resolved: now part of the baseline$/);
  });

  it('new service port to a known peer: new_port; ephemeral ports and ICMP are not ports', () => {
    const { alerts, events } = make();
    alerts.onFlows(routine('10.0.0.5', ['203.0.113.1'], T0, 2));
    const t = T0 + 2 * HOUR;
    alerts.onFlows([
      flow('10.0.0.5', '203.0.113.1', t, { dst_port: 51413 }), // ephemeral: not a service
      flow('10.0.0.5', '203.0.113.1', t + 1, { proto: 1, dst_port: 0 }),
      flow('10.0.0.5', '203.0.113.1', t + 2, { proto: 17, dst_port: 443 }), // udp/443 is not tcp/443
    ]);
    expect(events.map(brief)).toEqual([`new_port firing 10.0.0.5 203.0.113.1 ${2 * HOUR + 2}`]);
    expect(events[0]!.reason).toBe('10.0.0.5 used destination port udp/443 (to 203.0.113.1) for the first time: not among the 1 ports it used in 2 h');
  });

  it('a new destination on a new port is one alert that says both', () => {
    const { alerts, events } = make();
    alerts.onFlows(routine('10.0.0.5', ['203.0.113.1'], T0, 2));
    alerts.onFlows([flow('10.0.0.5', '192.0.2.7', T0 + 2 * HOUR, { dst_port: 6667 })]);
    expect(events.map((e) => e.rule)).toEqual(['new_destination']);
    expect(events[0]!.reason).toContain('(tcp/6667) for the first time');
    expect(events[0]!.reason).toContain('and tcp/6667 is a port it never used');
  });

  it('inbound flows teach no destinations: a new remote client of a local server is not an anomaly', () => {
    const { alerts, events } = make();
    alerts.onFlows(routine('10.0.0.5', ['203.0.113.1'], T0, 2));
    alerts.onFlows([flow('198.51.100.200', '10.0.0.5', T0 + 2 * HOUR, { dst_port: 22 })]);
    expect(events).toEqual([]);
  });

  it('IPv6 and IPv4-mapped local hosts; custom local networks', () => {
    const { alerts, events } = make({ local_networks: ['192.0.2.0/24', '2001:db8:1::/48'] });
    alerts.onFlows(routine('2001:db8:1::5', ['2001:db8:ffff::1'], T0, 2));
    alerts.onFlows(routine('::ffff:192.0.2.9', ['203.0.113.1'], T0, 2));
    alerts.onFlows(routine('10.0.0.5', ['203.0.113.1'], T0, 2)); // not local here
    const t = T0 + 2 * HOUR;
    alerts.onFlows([flow('2001:db8:1::5', '2001:db8:ffff::2', t), flow('::ffff:192.0.2.9', '203.0.113.9', t), flow('10.0.0.5', '203.0.113.9', t)]);
    expect(events.map((e) => `${e.host} ${e.peer}`)).toEqual(['2001:db8:1::5 2001:db8:ffff::2', '::ffff:192.0.2.9 203.0.113.9']);
  });

  it(`rate limit: at most 5 new-contact anomalies per host and hour, the rest counted as suppressed`, () => {
    const { alerts, events } = make();
    alerts.onFlows(routine('10.0.0.5', ['203.0.113.1'], T0, 2));
    const t = T0 + 2 * HOUR;
    // one per minute, so this is not a fan-out
    for (let i = 0; i < 8; i++) alerts.onFlows([flow('10.0.0.5', `198.51.100.${i + 1}`, t + i * 60)]);
    expect(events.filter((e) => e.state === 'firing')).toHaveLength(5);
    expect(alerts.stats().suppressed).toBe(3);
    alerts.onFlows([flow('10.0.0.5', '198.51.100.99', t + HOUR)]);
    expect(events.filter((e) => e.state === 'firing')).toHaveLength(6);
  });

  it('max_peers_per_host: a host whose destination set is full raises no new_destination (but still new_port)', () => {
    const { alerts, events } = make({ baselines: { enabled: true, max_hosts: 100, max_peers_per_host: 4 } });
    alerts.onFlows(routine('10.0.0.5', ['203.0.113.1', '203.0.113.2', '203.0.113.3', '203.0.113.4', '203.0.113.5'], T0, 2));
    const t = T0 + 2 * HOUR;
    alerts.onFlows([flow('10.0.0.5', '198.51.100.1', t), flow('10.0.0.5', '198.51.100.2', t + 60, { dst_port: 25 })]);
    expect(events.map((e) => e.rule)).toEqual(['new_port']);
  });

  it('max_hosts: the least recently active host is evicted and learns again from scratch', () => {
    const { alerts, events } = make({ baselines: { enabled: true, max_hosts: 2, max_peers_per_host: 16 } });
    alerts.onFlows(routine('10.0.0.1', ['203.0.113.1'], T0, 2));
    alerts.onFlows(routine('10.0.0.2', ['203.0.113.1'], T0 + 60, 2));
    alerts.onFlows(routine('10.0.0.3', ['203.0.113.1'], T0 + 120, 2)); // 10.0.0.1 is the least recently active
    expect(alerts.stats().baselines).toMatchObject({ hosts: 2, evicted_hosts: 1 });
    const t = T0 + 2 * HOUR + 300;
    alerts.onFlows([flow('10.0.0.2', '198.51.100.1', t), flow('10.0.0.1', '198.51.100.1', t + 1)]);
    // 10.0.0.2 knows its routine; 10.0.0.1 is new again (learning), and pushes 10.0.0.3 out
    expect(events.map((e) => `${e.rule} ${e.host}`)).toEqual(['new_destination 10.0.0.2']);
    expect(alerts.stats().baselines).toMatchObject({ hosts: 2, evicted_hosts: 2, learning: 1 });
  });

  it('baselines.enabled false: flows are ignored', () => {
    const { alerts, events } = make({ learning_hours: 0, baselines: { enabled: false, max_hosts: 10, max_peers_per_host: 10 } });
    alerts.onFlows(routine('10.0.0.5', ['203.0.113.1', '203.0.113.2'], T0, 1));
    expect(events).toEqual([]);
    expect(alerts.stats().baselines).toMatchObject({ enabled: false, hosts: 0 });
  });

  it('reconfigure: hosts outside the new local networks are dropped', () => {
    const { alerts } = make();
    alerts.onFlows(routine('10.0.0.5', ['203.0.113.1'], T0, 1));
    alerts.onFlows(routine('192.168.1.5', ['203.0.113.1'], T0, 1));
    alerts.reconfigure(config({ local_networks: ['192.168.0.0/16'] }));
    expect(alerts.stats().baselines.hosts).toBe(1);
  });
});

describe('baselines: volume by hour of day', () => {
  it('an hour far above the host normal fires when the bytes so far cross the limit, and resolves when the hour ends', () => {
    const { alerts, events } = make();
    alerts.onFlows(routine('10.0.0.5', ['203.0.113.1'], T0, 6, 20_000)); // 120 kB per hour
    const t = T0 + 6 * HOUR + 100;
    alerts.onFlows([flow('10.0.0.5', '203.0.113.1', t, { bytes: 600_000 })]);
    expect(events).toEqual([]); // 600 kB: more than usual, not far above (limit is mean + 1 MiB at least)
    alerts.onFlows([flow('10.0.0.5', '203.0.113.1', t + 200, { bytes: 5_000_000 })]);
    expect(events.map(brief)).toEqual([`volume firing 10.0.0.5 ${6 * HOUR + 300.5}`]);
    const e = events[0]!;
    expect(e.value).toBe(5_600_000);
    expect(e.severity).toBe('warning');
    expect(e.score).toBeGreaterThan(4);
    expect(e.reason).toMatch(/^10\.0\.0\.5 moved 5\.6 MB in the hour from 06:00 UTC so far, normally 120 kB ± 65\.5 kB per hour \(z = \d+(\.\d+)?\): traffic volume far above normal$/);
    alerts.onFlows([flow('10.0.0.5', '203.0.113.1', t + 400, { bytes: 5_000_000 })]);
    expect(events).toHaveLength(1); // once per host and hour
    alerts.onSnapshot(snapshot(T0 + 7 * HOUR - 1));
    expect(events).toHaveLength(1);
    alerts.onSnapshot(snapshot(T0 + 7 * HOUR + 3));
    expect(events.map(brief)[1]).toBe(`volume resolved 10.0.0.5 ${7 * HOUR}`);
    expect(events[1]!.reason).toMatch(/resolved: the hour ended with 10\.6 MB$/);
  });

  it('each hour of day gets its own normal after 3 samples: a daily busy hour alerts the first 3 days only, the same volume at another hour still alerts', () => {
    const { alerts, events } = make();
    const records: FlowRecord[] = [];
    for (let day = 0; day < 4; day++) {
      for (let h = 0; h < 24; h++) {
        const start = T0 + day * 24 * HOUR + h * HOUR;
        const bytes = h === 9 ? 2_000_000 : 30_000; // every morning at 09:00 the backup runs
        for (let k = 0; k < 4; k++) records.push(flow('10.0.0.5', '203.0.113.1', start + k * 900 + 10, { bytes: bytes / 4 }));
      }
    }
    alerts.onFlows(records);
    const fired = events.filter((e) => e.state === 'firing');
    // 09:00 on days 0-2: unusual until the hour of day has 3 samples; day 3: the host's normal
    expect(fired.map((e) => Math.floor((e.time - T0) / HOUR))).toEqual([9, 24 + 9, 48 + 9]);
    expect(fired[0]!.reason).toContain('per hour (z =');
    const t = T0 + 4 * 24 * HOUR + 15 * HOUR; // 15:00 with the 09:00 volume
    alerts.onFlows([0, 900, 1800, 2700].map((k) => flow('10.0.0.5', '203.0.113.1', t + k + 10, { bytes: 500_000 })));
    // limit at 15:00: 30 kB + 1 MiB; crossed by the third 500 kB flow
    expect(events.slice(6).map((e) => `${e.rule} ${e.state} ${e.time - t}`)).toEqual(['volume firing 1810.5']);
    expect(events[6]!.reason).toContain('normally 30 kB ± 65.5 kB at 15:00 UTC');
  });
});

describe('baselines: fan-out', () => {
  it('a scan in one group is one fan_out, not a burst of new-destination alerts; it resolves when the interval ends', () => {
    const { alerts, events } = make();
    alerts.onFlows(routine('10.0.0.5', ['203.0.113.1', '203.0.113.2'], T0, 2));
    const t = T0 + 2 * HOUR + 30;
    const sweep = Array.from({ length: 100 }, (_, i) => flow('10.0.0.5', `192.0.2.${i + 1}`, t + i * 0.01, { dst_port: 445, bytes: 120 }));
    alerts.onFlows(sweep);
    expect(events.map(brief)).toEqual([`fan_out firing 10.0.0.5 ${2 * HOUR + 30 + 0.31}`]);
    const e = events[0]!;
    expect(e).toMatchObject({ value: 100, threshold: 32, severity: 'warning' });
    expect(e.reason).toBe('10.0.0.5 contacted 100 distinct destinations on 1 port within 60 s, normally 1 ± 0 per 60 s (z = 99): scan-like fan-out');
    expect(alerts.stats().suppressed).toBe(100);
    alerts.onSnapshot(snapshot(T0 + 2 * HOUR + 61));
    expect(events.map(brief)[1]).toBe(`fan_out resolved 10.0.0.5 ${2 * HOUR + 60}`);
  });

  it('no fan_out during learning, nor below 32 distinct contacts', () => {
    const { alerts, events } = make({ learning_hours: 3 });
    alerts.onFlows(routine('10.0.0.5', ['203.0.113.1'], T0, 2));
    alerts.onFlows(Array.from({ length: 100 }, (_, i) => flow('10.0.0.5', '192.0.2.1', T0 + 2 * HOUR + 1, { dst_port: i + 1 })));
    alerts.onFlows(routine('10.0.0.5', ['203.0.113.1'], T0 + 2 * HOUR + 60, 1.5));
    alerts.onFlows(Array.from({ length: 31 }, (_, i) => flow('10.0.0.5', '192.0.2.1', T0 + 4 * HOUR + 1, { dst_port: i + 1 })));
    expect(events.filter((e) => e.rule === 'fan_out')).toEqual([]);
  });
});

describe('baselines: persistence', () => {
  const history = [...routine('10.0.0.5', ['203.0.113.1', '203.0.113.2'], T0, 3), ...routine('10.0.0.6', ['203.0.113.3'], T0 + 5, 3)];
  const later = [flow('10.0.0.5', '198.51.100.1', T0 + 3 * HOUR + 10), flow('10.0.0.6', '198.51.100.2', T0 + 3 * HOUR + 20)];
  const strip = (e: AlertEvent) => ({ ...e, id: 0 });

  it('migrateAlerts is idempotent', () => {
    const d = scratchDb();
    dbs.push(d);
    const db = d.open();
    migrateAlerts(db);
    migrateAlerts(db);
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'alert%' ORDER BY name").pluck().all();
    expect(tables).toEqual(['alert_baselines', 'alert_counters', 'alert_history', 'alert_webhook_queue']);
  });

  it('after a restart on the same database, the same anomalies fire as without one', async () => {
    const once = make();
    once.alerts.onFlows(history);
    once.alerts.onFlows(later);
    const d = scratchDb();
    dbs.push(d);
    const a = make({}, { db: d.open() });
    a.alerts.onFlows(history);
    await a.alerts.close();
    const b = make({}, { db: d.open() });
    b.alerts.onFlows(later);
    expect(b.events.map(strip)).toEqual(once.events.map(strip));
    expect(b.events).toHaveLength(2);
    expect(b.alerts.stats().baselines).toMatchObject({ hosts: 2, learning: 0, corrupt_rows: 0 });
  });

  it('writes dirty baselines periodically, without waiting for close', async () => {
    const d = scratchDb();
    dbs.push(d);
    const db = d.open();
    const { alerts } = make({}, { db, persistMs: 20 });
    alerts.onFlows(history);
    await new Promise((r) => setTimeout(r, 80));
    expect(db.prepare('SELECT host FROM alert_baselines ORDER BY host').pluck().all()).toEqual(['10.0.0.5', '10.0.0.6']);
    expect(alerts.stats().baselines.persisted_at).not.toBeNull();
  });

  it('a truncated or corrupted baseline row is rebuilt with one log line, never fatal; the others still work', async () => {
    const d = scratchDb();
    dbs.push(d);
    const seed = make({}, { db: d.open() });
    seed.alerts.onFlows(history);
    seed.alerts.onFlows(routine('10.0.0.7', ['203.0.113.1'], T0, 3));
    seed.alerts.onFlows(routine('10.0.0.8', ['203.0.113.1'], T0, 3));
    seed.alerts.onFlows(routine('10.0.0.9', ['203.0.113.1'], T0, 3));
    await seed.alerts.close();
    const db = d.open();
    db.prepare("UPDATE alert_baselines SET data = substr(data, 1, length(data) / 2) WHERE host = '10.0.0.6'").run(); // truncated
    db.prepare("UPDATE alert_baselines SET data = replace(data, '\"v\":1', '\"v\":9') WHERE host = '10.0.0.7'").run(); // unknown version
    db.prepare("UPDATE alert_baselines SET data = replace(data, '\"flows\":', '\"flows\":-') WHERE host = '10.0.0.8'").run(); // negative count
    db.prepare("UPDATE alert_baselines SET data = replace(data, '10.0.0.9', '10.0.0.99') WHERE host = '10.0.0.9'").run(); // row of another host
    const log = capturedLogger();
    const b = make({}, { db, logger: log.logger });
    b.alerts.onFlows(later);
    await settle();
    const lines = log.lines().filter((l) => l.level === 'warn' && String(l.msg).includes('baseline'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ msg: 'unreadable baselines skipped: these hosts learn again from new traffic', rows: 4 });
    expect([...(lines[0]!.hosts as string[])].sort()).toEqual(['10.0.0.6', '10.0.0.7', '10.0.0.8', '10.0.0.9']);
    expect(b.events.map((e) => `${e.rule} ${e.host}`)).toEqual(['new_destination 10.0.0.5']); // 10.0.0.6 learns again
    expect(b.alerts.stats().baselines).toMatchObject({ corrupt_rows: 4, learning: 1 });
    await b.alerts.close();
    // rebuilt: the next start reads every row
    const c = make({}, { db: d.open(), logger: log.logger });
    expect(c.alerts.stats().baselines.corrupt_rows).toBe(0);
  });

  it('history: alerts are listed again after a restart; alerts left firing are closed', async () => {
    const d = scratchDb();
    dbs.push(d);
    const a = make({ rules: [{ name: 'r', metric: 'bytes_per_s', scope: 'total', window: 1, op: '>', threshold: 10, for_s: 0, cooldown_s: 0, severity: 'info' }] }, { db: d.open() });
    a.alerts.onSnapshot(snapshot(T0, { windows: [{ window: 1, bytes: 100 }] }));
    a.alerts.onFlows(history);
    a.alerts.onFlows(later);
    const before = a.alerts.list();
    await a.alerts.close();
    const b = make({}, { db: d.open() });
    const after = b.alerts.list();
    expect(after.map((e) => e.id)).toEqual(before.map((e) => e.id));
    expect(after.every((e) => e.state === 'resolved')).toBe(true);
    expect(after.find((e) => e.rule === 'r')!.reason).toMatch(/closed: wirewatch restarted while it was firing$/);
    // ids continue after the stored ones
    b.alerts.onFlows([flow('10.0.0.5', '198.51.100.50', T0 + 3 * HOUR + 100)]);
    expect(b.events[0]!.id).toBe(Math.max(...before.map((e) => e.id)) + 1);
  });

  it('a database that fails under it: counted and logged, alerts still emitted and listed', async () => {
    const d = scratchDb();
    dbs.push(d);
    const db = d.open();
    const log = capturedLogger();
    const { alerts, events } = make({ learning_hours: 0 }, { db, logger: log.logger });
    db.exec('DROP TABLE alert_history; DROP TABLE alert_baselines');
    alerts.onFlows([flow('10.0.0.5', '198.51.100.1', T0), flow('10.0.0.5', '198.51.100.2', T0 + 120)]);
    expect(events.length).toBeGreaterThan(0);
    expect(alerts.list().length).toBe(events.length);
    await alerts.close();
    await settle();
    expect(alerts.stats().db_errors).toBeGreaterThanOrEqual(2);
    expect(log.lines().filter((l) => l.level === 'error' && String(l.msg).includes('to the database failed')).length).toBeGreaterThan(0);
  });

  it('ns helper round-trips', () => {
    expect(ns(T0 + 0.5)).toBe(`${T0}500000000`);
  });
});

// Alerts over real captures: generated pcaps with known events (a new
// destination, a new port, a port scan, an IPv6 new destination, volume
// spikes, a short burst) replayed through the real Pipeline on packet time,
// one tick per second. Every rule must fire once at the right packet time with
// the right reason and resolve when the condition ends, respecting for_s and
// cooldown_s; steady traffic must raise nothing; baselines must survive a
// restart (and a truncated row must be rebuilt, with one log line).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAlerts, type AlertEvent } from '../../../lib/alerts/index.js';
import { writeAlertCapture, type AlertCaptureInfo } from '../../../scripts/pcap/alert-events.js';
import { capturedLogger, config, rule, scratchDb, settle } from '../../unit/alerts/support.js';
import { replayWithAlerts } from './replay.js';

const RULES = [
  // any second above 100 kB/s; after resolving, quiet for 2 min
  rule({ name: 'spike-total', window: 1, threshold: 100_000, cooldown_s: 120, severity: 'critical' }),
  // a host above 100 kB/s for 5 s (the 3 s burst must not fire it)
  rule({ name: 'host-burst', scope: 'host', window: 1, threshold: 100_000, for_s: 5, cooldown_s: 120 }),
  // 10 s average above 155 kB/s, no cooldown: every upload fires it
  rule({ name: 'sustained', window: 10, threshold: 155_000, cooldown_s: 0 }),
  rule({ name: 'flow-burst', metric: 'new_flows_per_s', window: 1, threshold: 50, cooldown_s: 60 }),
];
const CONFIG = config({ learning_hours: 1, rules: RULES });

let dir: string;
let events: AlertCaptureInfo;
let steady: AlertCaptureInfo;
let single: AlertEvent[];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wirewatch-alert-captures-'));
  events = writeAlertCapture(join(dir, 'events.pcap'));
  steady = writeAlertCapture(join(dir, 'steady.pcap'), { events: false });
  single = (await replayWithAlerts(events.file, createAlerts({ config: CONFIG }))).events;
}, 30_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const line = (e: AlertEvent) => `${e.rule} ${e.state}${e.host ? ` ${e.host}` : ''}${e.peer ? ` ${e.peer}` : ''} @${+(e.time - events.eventsAt).toFixed(3)}`;
const withoutId = (e: AlertEvent) => JSON.stringify({ ...e, id: 0 });

describe('alerts over a capture with known events', () => {
  it('threshold rules fire once at the right packet time and resolve when the condition ends (for_s, cooldown)', () => {
    const [s1, s2, s3, s4] = events.uploads.map((u) => Math.floor(u.t - events.eventsAt));
    const scan = Math.floor(events.scan.t - events.eventsAt);
    const got = single.filter((e) => e.kind === 'threshold').map(line);
    expect(got).toEqual([
      `flow-burst firing @${scan + 1}`, // the scan's second closes
      `flow-burst resolved @${scan + 2}`,
      `spike-total firing @${s1! + 1}`,
      `host-burst firing 10.0.0.10 @${s1! + 6}`, // held 5 s
      `host-burst firing 203.0.113.2 @${s1! + 6}`,
      `sustained firing @${s1! + 8}`, // the 10 s average needs 8 s of upload
      `spike-total resolved @${s1! + 21}`,
      `host-burst resolved 10.0.0.10 @${s1! + 21}`,
      `host-burst resolved 203.0.113.2 @${s1! + 21}`,
      `sustained resolved @${s1! + 23}`,
      // upload 2 (60 s later): inside the 120 s cooldowns; only `sustained` (no cooldown) fires
      `sustained firing @${s2! + 8}`,
      `sustained resolved @${s2! + 23}`,
      // upload 3 (300 s after the first): cooldowns over
      `spike-total firing @${s3! + 1}`,
      `host-burst firing 10.0.0.10 @${s3! + 6}`,
      `host-burst firing 203.0.113.2 @${s3! + 6}`,
      `sustained firing @${s3! + 8}`,
      `spike-total resolved @${s3! + 21}`,
      `host-burst resolved 10.0.0.10 @${s3! + 21}`,
      `host-burst resolved 203.0.113.2 @${s3! + 21}`,
      `sustained resolved @${s3! + 23}`,
      // the 3 s burst from 10.0.0.13: above 100 kB/s for 3 s, so host-burst (for_s 5) stays quiet
      `spike-total firing @${s4! + 1}`,
      `spike-total resolved @${s4! + 4}`,
    ]);
    const fire = single.find((e) => e.rule === 'spike-total')!;
    expect(fire.reason).toMatch(/^bytes_per_s of all sources over 1 s is 19\d kB\/s, above 100 kB\/s \(rule "spike-total"\)$/);
    expect(fire.severity).toBe('critical');
    expect(single.find((e) => e.rule === 'host-burst')!.reason).toMatch(/^bytes_per_s of host 10\.0\.0\.10 over 1 s is 20\d kB\/s, above 100 kB\/s, for 5 s/);
  });

  it('anomalies: each fires once with a score and a human reason, and resolves', () => {
    const got = single.filter((e) => e.kind === 'anomaly');
    const at = (t: number) => +(t - events.eventsAt).toFixed(3);
    const nd = at(events.newDestination.t);
    const np = at(events.newPort.t);
    const v6 = at(events.v6NewDestination.t);
    const fan = got.filter((e) => e.rule === 'fan_out');
    const volume = got.filter((e) => e.rule === 'volume');
    expect(got.filter((e) => e.rule !== 'fan_out' && e.rule !== 'volume').map(line)).toEqual([
      `new_destination firing 10.0.0.11 198.51.100.77 @${nd}`,
      `new_port firing 10.0.0.13 203.0.113.1 @${np}`,
      `new_destination resolved 10.0.0.11 198.51.100.77 @${nd + 300}`,
      `new_destination firing fd00::10 2001:db8::bad @${v6}`,
      `new_port resolved 10.0.0.13 203.0.113.1 @${np + 300}`,
      `new_destination resolved fd00::10 2001:db8::bad @${v6 + 300}`,
    ]);
    expect(got[0]!.reason).toBe('10.0.0.11 contacted 198.51.100.77 (tcp/443) for the first time: not among the 4 destinations it used in 4 h');
    expect(got[1]!.reason).toMatch(/^10\.0\.0\.13 used destination port tcp\/8443 \(to 203\.0\.113\.1\) for the first time/);

    // the scan: one fan_out (its 200 new ports and new destination are not 201 more alerts)
    expect(fan.map((e) => `${e.state} ${e.host}`)).toEqual(['firing 10.0.0.12', 'resolved 10.0.0.12']);
    expect(fan[0]!.time).toBeGreaterThanOrEqual(events.scan.t);
    expect(fan[0]!.time).toBeLessThan(events.scan.t + 0.4);
    expect(fan[0]!.value).toBe(200);
    expect(fan[0]!.score).toBeGreaterThan(50);
    expect(fan[0]!.reason).toMatch(/^10\.0\.0\.12 contacted 200 distinct destination ports on 1 destination within 60 s, normally [\d.]+ ± [\d.]+ per 60 s \(z = \d+\): scan-like fan-out$/);
    expect(fan[1]!.time).toBe(Math.floor(events.scan.t / 60) * 60 + 60);

    // the first upload's flow ends (its record carries 4 MB): volume, once for the hour; resolved when the hour ends
    const u1 = events.uploads[0]!;
    expect(volume.map((e) => `${e.state} ${e.host}`)).toEqual(['firing 10.0.0.10', 'resolved 10.0.0.10']);
    expect(volume[0]!.time).toBeGreaterThanOrEqual(u1.t + u1.seconds);
    expect(volume[0]!.time).toBeLessThan(u1.t + u1.seconds + 1);
    expect(volume[0]!.score).toBeGreaterThan(4);
    expect(volume[0]!.reason).toMatch(/^10\.0\.0\.10 moved 4\.\d+ MB in the hour from 04:00 UTC so far, normally \d+ kB ± \d+ kB per hour \(z = [\d.]+\): traffic volume far above normal$/);
    expect(volume[1]!.time).toBe(events.eventsAt + 3600);

    // every alert: one firing, then one resolved, same id
    const byId = new Map<number, string[]>();
    for (const e of single) byId.set(e.id, [...(byId.get(e.id) ?? []), e.state]);
    expect([...byId.values()].every((s) => s.join() === 'firing,resolved')).toBe(true);
  });

  it('nothing fires on steady normal traffic', async () => {
    const alerts = createAlerts({ config: CONFIG });
    const run = await replayWithAlerts(steady.file, alerts);
    expect(run.ticks).toBeGreaterThan(18_000);
    expect(run.events).toEqual([]);
    expect(alerts.stats().baselines).toMatchObject({ hosts: 5, learning: 0 });
    await alerts.close();
  }, 30_000);
});

describe('baselines across a restart', () => {
  it('the same alerts fire after a restart (new instance, same database) as without one', async () => {
    const d = scratchDb();
    try {
      const run = await replayWithAlerts(events.file, createAlerts({ config: CONFIG, db: d.open() }), {
        restartAt: events.eventsAt + 50,
        restart: () => createAlerts({ config: CONFIG, db: d.open() }),
      });
      await Promise.all(run.closing);
      await run.alerts.close();
      expect(run.events.length).toBe(single.length);
      expect(run.events.map(withoutId)).toEqual(single.map(withoutId));
    } finally {
      d.cleanup();
    }
  }, 30_000);

  it('a truncated baseline row is rebuilt with one log line: that host learns again, the others alert as before', async () => {
    const d = scratchDb();
    const log = capturedLogger();
    try {
      const run = await replayWithAlerts(events.file, createAlerts({ config: CONFIG, db: d.open() }), {
        restartAt: events.eventsAt + 50,
        restart: () => {
          const db = d.open();
          db.prepare("UPDATE alert_baselines SET data = substr(data, 1, 100) WHERE host = '10.0.0.11'").run();
          return createAlerts({ config: CONFIG, db, logger: log.logger });
        },
      });
      await Promise.all(run.closing);
      await run.alerts.close();
      await settle();
      const warnings = log.lines().filter((l) => l.level === 'warn' && !String(l.msg).startsWith('alert '));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatchObject({ msg: 'unreadable baselines skipped: these hosts learn again from new traffic', rows: 1, hosts: ['10.0.0.11'] });
      expect(String(warnings[0]!.first_error)).toMatch(/^not JSON/);
      const expected = single.filter((e) => !(e.host === '10.0.0.11' && e.rule === 'new_destination'));
      expect(expected.length).toBe(single.length - 2);
      expect(run.events.map(withoutId)).toEqual(expected.map(withoutId));
    } finally {
      d.cleanup();
    }
  }, 30_000);
});

// The webhook sink against a real HTTP receiver on loopback: signatures, retries
// while the receiver is down (in order, across a restart), the queue bound,
// dead letters, anonymization, and the latency from snapshot to request.
import { afterEach, describe, expect, it } from 'vitest';
import {
  createAlerts,
  verifyWebhookSignature,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  DELIVERY_HEADER,
  type AlertEvent,
  type Alerts,
  type CreateAlertsOptions,
} from '../../../lib/alerts/index.js';
import type { WebhookConfig } from '../../../lib/config/index.js';
import { capturedLogger, config, rule, scratchDb, settle, snapshot, T0 } from '../../unit/alerts/support.js';
import { freePort, Receiver, waitFor } from './receiver.js';

const SECRET = 'webhook-secret-0123456789';
const FAST = { baseMs: 20, maxMs: 80 };

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

function receiver(): Receiver {
  const r = new Receiver();
  cleanup.push(() => r.close());
  return r;
}

function hook(url: string, o: Partial<WebhookConfig> = {}): WebhookConfig {
  return { url, secret: SECRET, timeout_ms: 2000, max_queue: 100, ...o };
}

function make(webhook: WebhookConfig, extra: Partial<CreateAlertsOptions> = {}): { alerts: Alerts; events: AlertEvent[] } {
  const alerts = createAlerts({ config: config({ rules: [rule({ name: 'big', threshold: 10 })], webhook }), retry: FAST, ...extra });
  cleanup.push(() => alerts.close());
  const events: AlertEvent[] = [];
  alerts.on('alert', (e) => events.push(e));
  return { alerts, events };
}

/** n alert events: firing, resolved, firing, ... one second apart from `from`. */
function raise(alerts: Alerts, n: number, from = T0): void {
  for (let i = 0; i < n; i++) alerts.onSnapshot(snapshot(from + i, { windows: [{ window: 1, bytes: i % 2 === 0 ? 50 : 0 }] }));
}

const order = (bodies: Receiver['bodies']) => bodies.map((b) => `${b.event.id}:${b.event.state}`);
const expected = (events: AlertEvent[]) => events.map((e) => `${e.id}:${e.state}`);

describe('webhook: hostile receivers', () => {
  it('4xx and redirects are dead letters (not retried); 5xx, 429 and timeouts are retried; later alerts still flow', async () => {
    const r = receiver();
    r.answer = async (_req, i) => {
      if (i === 1) return 400; // alert 1: rejected for good
      if (i === 2) return 302; // alert 2: a redirect is not followed
      if (i === 3) return 503; // alert 3: retried ...
      if (i === 4) return 429; // ... and again
      if (i === 5) {
        await new Promise((res) => setTimeout(res, 400)); // ... slower than timeout_ms: retried
        return 200;
      }
      return 200;
    };
    await r.listen();
    const log = capturedLogger();
    const { alerts, events } = make(hook(r.url, { timeout_ms: 200 }), { logger: log.logger });
    raise(alerts, 4);
    await waitFor('4 deliveries', () => alerts.stats().webhook!.delivered === 2 && alerts.stats().webhook!.queued === 0);
    const stats = alerts.stats().webhook!;
    expect(stats).toMatchObject({ delivered: 2, dead_letters: 2, queued: 0, in_memory: true });
    expect(stats.failed_attempts).toBe(5);
    // alert 3 arrived three times (same delivery number, attempt 1..3), then alert 4
    const bodies = r.bodies;
    expect(bodies.map((b) => `${b.event.id}:${b.event.state}#${b.attempt}`)).toEqual([
      `${events[0]!.id}:firing#1`,
      `${events[1]!.id}:resolved#1`,
      `${events[2]!.id}:firing#1`,
      `${events[2]!.id}:firing#2`,
      `${events[2]!.id}:firing#3`,
      `${events[2]!.id}:firing#4`,
      `${events[3]!.id}:resolved#1`,
    ]);
    expect(new Set(bodies.slice(2, 6).map((b) => b.delivery)).size).toBe(1);
    await settle();
    const lines = log.lines();
    expect(lines.filter((l) => l.msg === 'webhook delivery rejected: dropped (dead letter)').map((l) => l.error)).toEqual([
      'the receiver answered 400',
      'the receiver answered 302 (redirects are not followed)',
    ]);
    // one line when failures start, one when deliveries succeed again: not one per retry
    expect(lines.filter((l) => l.msg === 'webhook delivery failed: retrying with backoff')).toHaveLength(1);
    expect(lines.filter((l) => l.msg === 'webhook delivering again')).toHaveLength(1);
  });

  it('nobody listening: retried with growing, jittered delays, without flooding', async () => {
    const port = await freePort();
    const { alerts } = make(hook(`http://127.0.0.1:${port}/hook`), { retry: { baseMs: 50, maxMs: 200 } });
    raise(alerts, 1);
    await new Promise((r) => setTimeout(r, 700));
    const { failed_attempts, queued, last_error } = alerts.stats().webhook!;
    // delays 25-50, 50-100, 100-200, 100-200 ... ms: 4 to 9 attempts in 700 ms, not hundreds
    expect(failed_attempts).toBeGreaterThanOrEqual(4);
    expect(failed_attempts).toBeLessThanOrEqual(10);
    expect(queued).toBe(1);
    expect(last_error).toBe('ECONNREFUSED');
  });
});

describe('webhook: signed deliveries', () => {
  it('the signature verifies over the raw body; the timestamp is signed too; the event is the one emitted', async () => {
    const r = receiver();
    await r.listen();
    const before = Math.floor(Date.now() / 1000);
    const { alerts, events } = make(hook(r.url));
    raise(alerts, 2);
    await waitFor('2 deliveries', () => r.requests.length === 2);
    for (const [i, req] of r.requests.entries()) {
      expect(req.headers['content-type']).toBe('application/json');
      expect(req.headers[SIGNATURE_HEADER]).toMatch(/^sha256=[0-9a-f]{64}$/);
      expect(verifyWebhookSignature(SECRET, req.body, req.headers[SIGNATURE_HEADER] as string)).toBe(true);
      expect(verifyWebhookSignature('another-secret-012345', req.body, req.headers[SIGNATURE_HEADER] as string)).toBe(false);
      expect(verifyWebhookSignature(SECRET, req.body.replace('"big"', '"bog"'), req.headers[SIGNATURE_HEADER] as string)).toBe(false);
      expect(verifyWebhookSignature(SECRET, req.body, undefined)).toBe(false);
      const body = JSON.parse(req.body);
      expect(body).toMatchObject({ version: 1, attempt: 1 });
      expect(String(body.delivery)).toBe(req.headers[DELIVERY_HEADER]);
      expect(String(body.sent_at)).toBe(req.headers[TIMESTAMP_HEADER]);
      expect(body.sent_at).toBeGreaterThanOrEqual(before);
      expect(body.event).toEqual(JSON.parse(JSON.stringify(events[i])));
    }
  });

  it('anonymize_key: addresses leave as keyed tokens, the same host the same token', async () => {
    const r = receiver();
    await r.listen();
    const alerts = createAlerts({
      config: config({ rules: [rule({ name: 'talker', scope: 'host', threshold: 10 })], webhook: hook(r.url, { anonymize_key: 'anonymize-key-0123456789' }) }),
      retry: FAST,
    });
    cleanup.push(() => alerts.close());
    const events: AlertEvent[] = [];
    alerts.on('alert', (e) => events.push(e));
    alerts.onSnapshot(snapshot(T0, { windows: [{ window: 1, hosts: [['10.0.0.5', 500], ['2001:db8::7', 500]] }] }));
    alerts.onSnapshot(snapshot(T0 + 1, { windows: [{ window: 1, hosts: [] }] }));
    await waitFor('4 deliveries', () => r.requests.length === 4);
    const raw = r.requests.map((q) => q.body).join('\n');
    expect(raw).not.toMatch(/10\.0\.0\.5|2001:db8::7/);
    const hosts = r.bodies.map((b) => b.event.host as string);
    expect(hosts.every((h) => /^anon-[0-9a-f]{16}$/.test(h))).toBe(true);
    expect(new Set(hosts).size).toBe(2);
    expect(r.bodies.map((b) => b.event.reason as string).every((reason) => reason.includes(`host ${'anon-'}`))).toBe(true);
    // locally (log, API, history) the addresses stay readable
    expect(events.map((e) => e.host)).toEqual(['10.0.0.5', '2001:db8::7', '10.0.0.5', '2001:db8::7']);
  });
});

describe('webhook: receiver down', () => {
  it('alerts raised while it is down are delivered in order once it is back', async () => {
    const port = await freePort();
    const { alerts, events } = make(hook(`http://127.0.0.1:${port}/hook`));
    raise(alerts, 5);
    await waitFor('a few failed attempts', () => alerts.stats().webhook!.failed_attempts >= 3);
    expect(alerts.stats().webhook!.queued).toBe(5);
    const r = receiver();
    await r.listen(port);
    await waitFor('5 deliveries', () => alerts.stats().webhook!.delivered === 5);
    expect(order(r.bodies)).toEqual(expected(events));
    expect(r.bodies.every((b, i) => i === 0 || b.delivery > r.bodies[i - 1]!.delivery)).toBe(true);
    expect(alerts.stats().webhook).toMatchObject({ queued: 0, dead_letters: 0, last_error: null });
  });

  it('... including across a restart: a new instance on the same database delivers what the old one queued', async () => {
    const d = scratchDb();
    cleanup.push(() => d.cleanup());
    const port = await freePort();
    const a = make(hook(`http://127.0.0.1:${port}/hook`), { db: d.open() });
    raise(a.alerts, 3);
    await waitFor('a failed attempt', () => a.alerts.stats().webhook!.failed_attempts >= 1);
    expect(a.alerts.stats().webhook).toMatchObject({ queued: 3, in_memory: false });
    await a.alerts.close();
    const r = receiver();
    await r.listen(port);
    const log = capturedLogger();
    const b = make(hook(`http://127.0.0.1:${port}/hook`), { db: d.open(), logger: log.logger });
    await waitFor('3 deliveries', () => r.requests.length === 3);
    expect(order(r.bodies)).toEqual(expected(a.events));
    expect(b.events).toEqual([]);
    await waitFor('queue empty', () => b.alerts.stats().webhook!.queued === 0);
    await settle();
    expect(log.lines().some((l) => l.msg === 'webhook: delivering alerts queued before the restart' && l.queued === 3)).toBe(true);
  });

  it('the queue bound holds: the oldest alerts become dead letters, counted across restarts', async () => {
    const d = scratchDb();
    cleanup.push(() => d.cleanup());
    const port = await freePort();
    const a = make(hook(`http://127.0.0.1:${port}/hook`, { max_queue: 3 }), { db: d.open() });
    raise(a.alerts, 7);
    expect(a.alerts.stats().webhook).toMatchObject({ queued: 3, dead_letters: 4 });
    await a.alerts.close();
    const r = receiver();
    await r.listen(port);
    const b = make(hook(`http://127.0.0.1:${port}/hook`, { max_queue: 3 }), { db: d.open() });
    await waitFor('3 deliveries', () => b.alerts.stats().webhook!.delivered === 3);
    expect(order(r.bodies)).toEqual(expected(a.events.slice(4)));
    expect(b.alerts.stats().webhook).toMatchObject({ queued: 0, dead_letters: 4 });
  });

  it('without a database the queue is in memory and says so', async () => {
    const log = capturedLogger();
    const { alerts } = make(hook('http://127.0.0.1:9/hook'), { logger: log.logger });
    expect(alerts.stats().webhook!.in_memory).toBe(true);
    await settle();
    expect(log.lines().some((l) => String(l.msg).startsWith('webhook queue is in memory'))).toBe(true);
  });

  it('reconfigure to a new receiver delivers the queue there without waiting out the old backoff', async () => {
    const port = await freePort();
    const { alerts, events } = make(hook(`http://127.0.0.1:${port}/hook`), { retry: { baseMs: 60_000, maxMs: 60_000 } });
    raise(alerts, 2);
    await waitFor('a failed attempt', () => alerts.stats().webhook!.failed_attempts >= 1);
    const r = receiver();
    await r.listen();
    alerts.reconfigure(config({ rules: [rule({ name: 'big', threshold: 10 })], webhook: hook(r.url) }));
    await waitFor('2 deliveries', () => r.requests.length === 2, 3000);
    expect(order(r.bodies)).toEqual(expected(events));
  });
});

describe('webhook: latency', () => {
  it('from a threshold-crossing snapshot to the request at the receiver, on loopback', async () => {
    const r = receiver();
    await r.listen();
    const { alerts } = make(hook(r.url));
    const samples: number[] = [];
    for (let i = 0; i < 20; i++) {
      const n = r.requests.length;
      const start = performance.now();
      alerts.onSnapshot(snapshot(T0 + 2 * i, { windows: [{ window: 1, bytes: 50 }] })); // crosses: fires
      await waitFor('the request', () => r.requests.length > n);
      samples.push(r.requests[n]!.at - start);
      alerts.onSnapshot(snapshot(T0 + 2 * i + 1, { windows: [{ window: 1, bytes: 0 }] })); // resolves
      await waitFor('the resolve', () => r.requests.length > n + 1);
    }
    samples.sort((a, b) => a - b);
    const median = samples[10]!;
    const max = samples[19]!;
    console.log(`alert latency snapshot → webhook request (loopback, n=20): median ${median.toFixed(2)} ms, max ${max.toFixed(2)} ms`);
    expect(max).toBeLessThan(2000);
  });
});

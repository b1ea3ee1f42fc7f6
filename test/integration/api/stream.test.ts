// /api/stream over real HTTP: snapshots and alerts as server-sent events, the
// retry hint and heartbeats, the client limit, and a slow client (a socket
// that stops reading) whose memory stays within the queue bound.
import { connect, type Socket } from 'node:net';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAlerts } from '../../../lib/alerts/index.js';
import { apiConfig, call, expected, ReplayView, serve, TOKENS, VIEWER_TOKEN, type Running } from './support.js';

interface SseEvent {
  event: string | null;
  data: string;
}

/** An SSE reader over node:http: collects comments and events as they arrive. */
function openStream(url: string, token?: string) {
  const events: SseEvent[] = [];
  const comments: string[] = [];
  let retry: number | null = null;
  let buf = '';
  const waiters: Array<() => void> = [];
  let res: import('node:http').IncomingMessage | null = null;
  const req = request(`${url}/api/stream`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const opened = new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
    req.on('response', (r) => {
      res = r;
      r.setEncoding('utf8');
      r.on('data', (chunk: string) => {
        buf += chunk;
        let end: number;
        while ((end = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, end);
          buf = buf.slice(end + 2);
          let event: string | null = null;
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) comments.push(line.slice(1).trim());
            else if (line.startsWith('retry: ')) retry = Number(line.slice(7));
            else if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data.push(line.slice(6));
          }
          if (data.length > 0) events.push({ event, data: data.join('\n') });
        }
        for (const w of waiters.splice(0)) w();
      });
      resolve(r);
    });
    req.on('error', reject);
  });
  req.end();
  const until = async (pred: () => boolean, ms = 5000) => {
    const deadline = Date.now() + ms;
    while (!pred()) {
      if (Date.now() > deadline) throw new Error(`timed out; events so far: ${events.map((e) => e.event).join(',')}`);
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  };
  return { opened, events, comments, retry: () => retry, until, close: () => { req.destroy(); res?.destroy(); } };
}

let view: ReplayView;

beforeAll(async () => {
  view = await ReplayView.replay();
});

describe('GET /api/stream', () => {
  let srv: Running;
  const alerts = createAlerts({
    config: {
      local_networks: ['10.0.0.0/8'],
      learning_hours: 24,
      rules: [{ name: 'busy link', metric: 'bytes_per_s', scope: 'total', window: 60, op: '>', threshold: 1, for_s: 0, cooldown_s: 60, severity: 'critical' }],
      baselines: { enabled: false, max_hosts: 10, max_peers_per_host: 10 },
    },
  });

  beforeAll(async () => {
    srv = await serve({ view, store: null, api: apiConfig({ tokens: TOKENS }), alerts, stream: { heartbeatMs: 100, retryMs: 1500, maxClients: 3 } });
  });
  afterAll(async () => {
    await srv.close();
    await alerts.close();
  });

  it('needs credentials', async () => {
    const r = await call(`${srv.url}/api/stream`);
    expect(r.status).toBe(401);
    expect(r.headers.get('content-type')).toMatch(/json/);
  });

  it('sends the retry hint, the current snapshot at once, then one compact snapshot per tick', async () => {
    const s = openStream(srv.url, VIEWER_TOKEN);
    try {
      const res = await s.opened;
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('text/event-stream; charset=utf-8');
      expect(res.headers['cache-control']).toBe('no-cache, no-transform');
      await s.until(() => s.events.length >= 1);
      expect(s.retry()).toBe(1500);
      const first = JSON.parse(s.events[0]!.data);
      expect(s.events[0]!.event).toBe('snapshot');
      expect(first.pipeline.totals).toEqual({ packets: expected['mixed.pcap']!.packets, bytes: expected['mixed.pcap']!.wire_bytes });
      expect(first.state).toBe('running');
      expect(first.sources).toEqual([expect.objectContaining({ id: 3, name: 'mixed', packets: expected['mixed.pcap']!.packets })]);
      expect(first.pipeline.flows.active).toBe(view.snapshot()!.pipeline.flows.active);
      expect(first.pipeline.stats.windows.map((w: { window: number }) => w.window)).toEqual([1, 10, 60]);
      for (const w of first.pipeline.stats.windows) {
        expect(w.top_hosts.length).toBeLessThanOrEqual(10);
        expect(w.sources).toEqual(w.packets > 0 ? [expect.objectContaining({ source: 3, name: 'mixed' })] : expect.any(Array));
      }
      // compact: no layer breakdown, far smaller than the full snapshot
      expect(first.pipeline.totals.layers).toBeUndefined();
      expect(s.events[0]!.data.length).toBeLessThan(JSON.stringify(view.snapshot()).length);

      view.emitSnapshot(1234.5);
      view.emitSnapshot(1235.5);
      await s.until(() => s.events.length >= 3);
      expect(s.events.slice(1).map((e) => JSON.parse(e.data).taken)).toEqual([1234.5, 1235.5]);
      await s.until(() => s.comments.includes('keep-alive'), 2000);
    } finally {
      s.close();
    }
  });

  it('forwards alerts as `alert` events', async () => {
    const s = openStream(srv.url, VIEWER_TOKEN);
    try {
      await s.until(() => s.events.length >= 1);
      alerts.onSnapshot(view.snapshot()!);
      await s.until(() => s.events.some((e) => e.event === 'alert'));
      const alert = JSON.parse(s.events.find((e) => e.event === 'alert')!.data);
      expect(alert).toMatchObject({ rule: 'busy link', state: 'firing', severity: 'critical' });
    } finally {
      s.close();
    }
  });

  it('refuses clients beyond maxClients with 503 busy and frees slots when they leave', async () => {
    const open = [openStream(srv.url, VIEWER_TOKEN), openStream(srv.url, VIEWER_TOKEN), openStream(srv.url, VIEWER_TOKEN)];
    await Promise.all(open.map((s) => s.opened));
    await new Promise((r) => setTimeout(r, 50));
    expect(srv.api.stats().streams.clients).toBe(3);
    const r = await call(`${srv.url}/api/stream`, { token: VIEWER_TOKEN });
    expect(r.status).toBe(503);
    expect(r.body.error.code).toBe('busy');
    expect(r.headers.get('retry-after')).toBe('5');
    for (const s of open) s.close();
    await new Promise((r) => setTimeout(r, 100));
    expect(srv.api.stats().streams.clients).toBe(0);
  });
});

describe('a slow client', () => {
  it('does not grow memory beyond its queue bound: old snapshots are dropped and counted, the newest arrives when it reads again', async () => {
    const srv = await serve({ view, store: null, api: apiConfig({ tokens: TOKENS }), stream: { queueFrames: 4, queueBytes: 64 * 1024 } });
    const socket: Socket = connect(Number(new URL(srv.url).port), '127.0.0.1');
    try {
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      socket.write(`GET /api/stream HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${VIEWER_TOKEN}\r\n\r\n`);
      let received = '';
      await new Promise<void>((resolve) => socket.once('data', (d: Buffer) => ((received += d.toString()), resolve())));
      expect(received).toMatch(/^HTTP\/1\.1 200/);
      socket.pause(); // stop reading: the kernel buffers fill, then Node's, then our queue

      const frameBytes = JSON.stringify(view.snapshot()).length; // an upper bound of one compact frame
      const compactBytes = received.length; // headers + retry + the first snapshot: about one frame
      let emitted = 0;
      const perClient = () => srv.api.stats().streams.per_client[0]!;
      let maxBuffered = 0;
      let maxQueued = 0;
      // Emit until the client has stayed blocked for a while: the kernel buffers are full
      // and nothing drains (a burst alone also blocks briefly, then drains).
      let stuck = 0;
      while (emitted < 50_000 && (stuck < 25 || perClient().dropped < 200)) {
        for (let i = 0; i < 20; i++) view.emitSnapshot(++emitted);
        await new Promise((r) => setTimeout(r, 2));
        const c = perClient();
        stuck = c.blocked ? stuck + 1 : 0;
        maxBuffered = Math.max(maxBuffered, c.buffered_bytes);
        maxQueued = Math.max(maxQueued, c.queued_bytes);
        expect(c.queued_frames).toBeLessThanOrEqual(4);
      }
      const c = perClient();
      expect(c.blocked).toBe(true);
      expect(c.dropped).toBeGreaterThanOrEqual(200);
      // What the process holds for this client: the socket's buffer (one write past the
      // 16 KiB high-water mark at most) plus the queue — not the megabytes emitted.
      expect(maxBuffered).toBeLessThanOrEqual(16 * 1024 + frameBytes);
      expect(maxQueued).toBeLessThanOrEqual(64 * 1024 + frameBytes);
      const frame = srv.api.stats().streams.per_client[0]!;
      console.log(`slow client: ${emitted} snapshots emitted (~${Math.round((emitted * compactBytes) / 1e6)} MB), ${frame.sent} written to the socket, ${frame.dropped} dropped; max held ${maxBuffered} B buffered + ${maxQueued} B queued`);
      expect(emitted * compactBytes).toBeGreaterThan(20 * (maxBuffered + maxQueued));
      expect(srv.api.stats().streams.dropped_total).toBe(c.dropped);
      const metrics = await call(`${srv.url}/metrics`);
      expect(metrics.text).toMatch(new RegExp(`^wirewatch_api_stream_dropped_total ${c.dropped}$`, 'm'));

      // Reading again: the queue drains and the newest snapshot arrives.
      socket.setEncoding('utf8');
      socket.on('data', (d: string) => (received += d));
      socket.resume();
      const deadline = Date.now() + 10_000;
      while (!received.includes(`"taken":${emitted},`) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(received).toContain(`"taken":${emitted},`);
      await new Promise((r) => setTimeout(r, 50));
      expect(perClient().blocked).toBe(false);
      expect(perClient().queued_frames).toBe(0);
    } finally {
      socket.destroy();
      await srv.close();
    }
  });
});

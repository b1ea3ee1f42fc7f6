// Every endpoint over real HTTP on loopback, against a real Pipeline that
// replayed fixtures/mixed.pcap and a real Store filled by a full replay: the
// numbers are checked against the replay (expected.json) and against the
// pipeline itself. Validation errors first, then the happy paths.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApi, listen, serverUrl } from '../../../lib/api/index.js';
import { hashPassword } from '../../../lib/auth/password.js';
import { createAlerts } from '../../../lib/alerts/index.js';
import type { FlowRecord } from '../../../lib/flows/index.js';
import { parseAddress, Store } from '../../../lib/store/index.js';
import {
  flowsResponse,
  healthResponse,
  historyResponse,
  readyResponse,
  sourcesResponse,
  statsResponse,
  topTalkersResponse,
} from '../../../lib/api/schemas.js';
import { apiConfig, call, captureLogger, expected, fillStore, ReplayView, serve, tempDir, TOKENS, VIEWER_TOKEN, type Running } from './support.js';

const exp = expected['mixed.pcap']!;
const FIRST = Number(exp.first_ts.split('.')[0]);
const LAST = Number(exp.last_ts.split('.')[0]);

let view: ReplayView;
let store: Store;
let records: FlowRecord[];
let dir: ReturnType<typeof tempDir>;
let srv: Running;
const get = (path: string, token: string | undefined = VIEWER_TOKEN) => call(`${srv.url}${path}`, token ? { token } : {});

beforeAll(async () => {
  view = await ReplayView.replay();
  dir = tempDir();
  store = Store.open(join(dir.path, 'history.db'));
  ({ records } = await fillStore(store));
  srv = await serve({ view, store, api: apiConfig({ tokens: TOKENS }) });
});

afterAll(async () => {
  await srv?.close();
  store?.close();
  dir?.remove();
});

describe('validation errors', () => {
  const bad: Array<[string, RegExp]> = [
    ['/api/stats?window=7', /^window: expected one of 1, 10, 60$/],
    ['/api/stats?window=abc', /^window: expected an integer 1\.\.3600$/],
    ['/api/stats?window=1&window=10', /^window: expected a single value$/],
    ['/api/stats?windw=10', /^unknown parameter "windw"$/],
    ['/api/sources?x=1', /^unknown parameter "x"$/],
    ['/api/flows?limit=0', /^limit: expected an integer 1\.\.1000$/],
    ['/api/flows?limit=1001', /^limit: expected an integer 1\.\.1000$/],
    ['/api/flows?limit=1e3', /^limit: expected an integer/],
    ['/api/flows?sort=size', /^sort: expected one of bytes, packets, rate, age$/],
    ['/api/flows?order=up', /^order: expected one of asc, desc$/],
    ['/api/flows?proto=256', /^proto: expected a protocol number 0\.\.255 or one of/],
    ['/api/flows?proto=smtp', /^proto: expected a protocol number/],
    ['/api/flows?proto=constructor', /^proto: expected a protocol number/],
    ['/api/flows?limit[$gt]=1', /^unknown parameter "limit\[\$gt\]"$/],
    ['/api/flows?port=65536', /^port: expected an integer 0\.\.65535$/],
    ['/api/flows?port=-1', /^port: expected an integer 0\.\.65535$/],
    ['/api/flows?ip=10.0.0', /^ip: expected an IPv4 or IPv6 address/],
    ['/api/flows?ip=010.0.0.1', /^ip: expected an IPv4 or IPv6 address/],
    ['/api/flows?cidr=10.0.0.0/33', /^cidr: expected an address\/prefix/],
    ['/api/flows?cidr=10.0.0.0', /^cidr: expected an address\/prefix/],
    ['/api/flows?state=open', /^state: expected one of new, established, closing, closed, reset$/],
    ['/api/flows?min_bytes=-5', /^min_bytes: expected an integer/],
    ['/api/flows?offset=10&cursor=abc', /^offset and cursor: use one or the other$/],
    ['/api/flows?cursor=not-a-cursor', /^cursor: not a next_cursor/],
    ['/api/flows?from=1', /^from\/to: only for ended flows/],
    ['/api/flows?ended=yes', /^ended: expected 1, 0, true or false$/],
    ['/api/flows?ended=1&sort=bytes', /^sort: not available for ended flows/],
    ['/api/flows?ended=1&state=new', /^state: not available for ended flows/],
    ['/api/flows?ended=1&offset=5', /^offset: not available for ended flows/],
    ['/api/flows?ended=1&from=100&to=50', /^to: must be after from/],
    ['/api/flows?ended=1&from=0&to=40000000', /^to - from: at most 31622400 s/],
    ['/api/flows?ended=1&from=1&to=2&cursor=zzzz', /^cursor is not a next_cursor/],
    ['/api/history?from=10&to=10', /^to: must be after from/],
    ['/api/history?from=abc', /^from: expected a number/],
    ['/api/history?from=-1&to=5', /^from: expected a number 0\.\./],
    ['/api/history?step=0', /^step: expected an integer 1\.\./],
    ['/api/history?cls=arp', /^cls: expected one of ipv4, ipv6, tcp, udp, icmp, other$/],
    ['/api/history?source=70000', /^source: expected an integer 0\.\.65535$/],
    ['/api/history?from=0&to=31000000&step=60', /more than 100000 points/],
    ['/api/top-talkers?limit=0', /^limit: expected an integer 1\.\.1000$/],
    ['/api/alerts?state=open', /^state: expected one of firing, resolved$/],
    ['/api/alerts?limit=5000', /^limit: expected an integer 1\.\.1000$/],
    ['/healthz?verbose=1', /^unknown parameter "verbose"$/],
  ];
  it.each(bad)('GET %s → 400 invalid_query', async (path, message) => {
    const r = await get(path);
    expect(r.status, r.text).toBe(400);
    expect(r.body.error.code).toBe('invalid_query');
    expect(r.body.error.message).toMatch(message);
    expect(Object.keys(r.body)).toEqual(['error']);
  });

  it('a body where none is taken, a non-object body, and broken JSON → 400 invalid_body', async () => {
    const admin = TOKENS[0]!.token;
    let r = await call(`${srv.url}/api/control/stop`, { method: 'POST', token: admin, json: { force: true } });
    expect(r.status).toBe(400);
    expect(r.body.error).toEqual({ code: 'invalid_body', message: 'unknown parameter "force"' });
    r = await call(`${srv.url}/api/control/stop`, { method: 'POST', token: admin, json: [1] });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('invalid_body');
    r = await call(`${srv.url}/api/control/stop`, { method: 'POST', token: admin, headers: { 'content-type': 'application/json' }, body: '{"a":' });
    expect(r.status).toBe(400);
    expect(r.body.error).toEqual({ code: 'invalid_body', message: 'the body is not valid JSON' });
    r = await call(`${srv.url}/api/control/stop`, { method: 'POST', token: admin, json: { pad: 'x'.repeat(20_000) } });
    expect(r.status).toBe(413);
    expect(r.body.error.code).toBe('body_too_large');
    expect(view.calls).not.toContain('pause');
  });

  it('unknown routes → 404 JSON, under /api and elsewhere', async () => {
    for (const path of ['/api/nope', '/api/stats/extra', '/nope', '/']) {
      const r = await get(path);
      expect(r.status, path).toBe(404);
      expect(r.body.error.code).toBe('not_found');
    }
    const r = await call(`${srv.url}/api/stats`, { method: 'DELETE', token: VIEWER_TOKEN });
    expect(r.status).toBe(404);
    expect(r.body.error.message).toBe('no route DELETE /api/stats');
  });
});

describe('health', () => {
  it('GET /healthz and /readyz answer without credentials', async () => {
    const h = await get('/healthz', undefined);
    expect(h.status).toBe(200);
    expect(healthResponse.parse(h.body)).toEqual({ status: 'ok', state: 'running' });
    const r = await get('/readyz', undefined);
    expect(r.status).toBe(200);
    expect(readyResponse.parse(r.body).ready).toBe(true);
  });

  it('GET /readyz is 503 with the failed checks when the view is not ready', async () => {
    view.setState('paused');
    try {
      const r = await get('/readyz', undefined);
      expect(r.status).toBe(503);
      expect(r.body.error).toEqual({ code: 'not_ready', message: 'not ready: pipeline (paused)' });
      expect(r.body.checks.find((c: { name: string }) => c.name === 'pipeline')).toEqual({ name: 'pipeline', ok: false, detail: 'paused' });
    } finally {
      view.setState('running');
    }
  });
});

describe('GET /api/stats', () => {
  it('totals equal the replay; the default window is the shortest', async () => {
    const r = await get('/api/stats');
    expect(r.status).toBe(200);
    const s = statsResponse.parse(r.body);
    expect(s.totals.packets).toBe(exp.packets);
    expect(s.totals.bytes).toBe(exp.wire_bytes);
    expect(s.window).toBe(1);
    expect(s.windows).toEqual([1, 10, 60]);
    expect(s.clock).toBe('packet');
    expect(s.time).toBe(LAST);
    expect(s.flows.active).toBe(view.pipeline.snapshot().flows.active);
    expect(s.flows.created).toEqual(view.pipeline.flowSummary);
  });

  it('the 60 s window covers every closed second of the replay: its packets equal the closed seconds the pipeline emitted', async () => {
    const s = statsResponse.parse((await get('/api/stats?window=60')).body);
    const closed = view.trafficTotals().filter((t) => ['tcp', 'udp', 'icmp', 'other'].includes(t.cls));
    expect(s.window).toBe(60);
    expect(s.rate.packets).toBe(closed.reduce((n, t) => n + t.packets, 0));
    expect(s.rate.bytes).toBe(closed.reduce((n, t) => n + t.bytes, 0));
    expect(s.rate.pps).toBeCloseTo(s.rate.packets / 60, 9);
    // classes partition the frames; the one source carries them all
    const c = s.classes;
    expect(c.tcp!.packets + c.udp!.packets + c.icmp!.packets + c.other!.packets).toBe(s.rate.packets);
    expect(s.sources).toEqual([expect.objectContaining({ source: 3, name: 'mixed', packets: s.rate.packets })]);
    expect(s.top_hosts.length).toBeGreaterThan(0);
    expect(s.top_hosts.length).toBeLessThanOrEqual(10);
    expect(s.top_flows[0]!.bytes).toBeGreaterThanOrEqual(s.top_flows.at(-1)!.bytes);
  });

  it('is 503 no_snapshot before the first tick', async () => {
    const fresh = Object.create(view, { snapshot: { value: () => null } }) as ReplayView;
    const other = await serve({ view: fresh, store: null, api: apiConfig({ tokens: TOKENS }) });
    try {
      const r = await call(`${other.url}/api/stats`, { token: VIEWER_TOKEN });
      expect(r.status).toBe(503);
      expect(r.body.error.code).toBe('no_snapshot');
    } finally {
      await other.close();
    }
  });
});

describe('answers kept until the next snapshot', () => {
  it('a repeated /api/stats or live /api/flows URL is served without rebuilding; a snapshot, a state change or another query rebuilds', async () => {
    view.emitSnapshot();
    const reads = vi.spyOn(view, 'snapshot');
    try {
      const a = await get('/api/stats?window=10');
      expect(a.status).toBe(200);
      const built = reads.mock.calls.length;
      expect(built).toBeGreaterThan(0);
      const b = await get('/api/stats?window=10');
      expect(b.text).toBe(a.text);
      expect(b.headers.get('content-type')).toBe(a.headers.get('content-type'));
      expect(reads.mock.calls.length).toBe(built); // served from the cache
      await get('/api/stats?window=60');
      expect(reads.mock.calls.length).toBeGreaterThan(built); // another URL is another answer
      const before = reads.mock.calls.length;
      view.emitSnapshot();
      const c = await get('/api/stats?window=10');
      expect(c.status).toBe(200);
      expect(reads.mock.calls.length).toBeGreaterThan(before);

      view.setState('paused');
      try {
        expect((await get('/api/stats?window=10')).body.state).toBe('paused');
      } finally {
        view.setState('running');
      }
      expect((await get('/api/stats?window=10')).body.state).toBe('running');

      // Access is checked on every request, cached answer or not; errors are never kept.
      expect((await call(`${srv.url}/api/stats?window=10`)).status).toBe(401);
      expect((await get('/api/stats?window=7')).status).toBe(400);
      expect((await get('/api/stats?window=7')).status).toBe(400);

      const fetches = () => view.calls.filter((c) => c === 'liveFlows').length;
      view.emitSnapshot();
      const f1 = await get('/api/flows?limit=5&sort=packets');
      const n = fetches();
      const f2 = await get('/api/flows?limit=5&sort=packets');
      expect(f2.text).toBe(f1.text);
      expect(fetches()).toBe(n);
      expect(reads.mock.calls.length).toBeGreaterThan(0);
    } finally {
      reads.mockRestore();
    }
  });
});

describe('GET /api/sources', () => {
  it('lists the replayed source with its counters', async () => {
    const r = sourcesResponse.parse((await get('/api/sources')).body);
    expect(r.state).toBe('running');
    expect(r.sources).toEqual([
      expect.objectContaining({ id: 3, name: 'mixed', kind: 'file', state: 'ended', packets: exp.packets, bytes: exp.wire_bytes, drops: 0 }),
    ]);
  });
});

describe('GET /api/flows (live)', () => {
  const all = async (query: string) => {
    const r = await get(`/api/flows?limit=1000&${query}`);
    expect(r.status, r.text).toBe(200);
    return flowsResponse.parse(r.body);
  };

  it('lists every open flow of the pipeline, biggest first, with totals', async () => {
    const live = view.pipeline.liveFlows();
    const r = await all('');
    expect(r.live).toBe(true);
    expect(r.total).toBe(live.length);
    expect(r.total).toBe(view.snapshot()!.pipeline.flows.active);
    expect(r.flows).toHaveLength(live.length);
    expect(r.truncated).toBe(false);
    const bytes = r.flows.map((f) => f.bytes);
    expect(bytes).toEqual([...bytes].sort((a, b) => b - a));
    for (const f of r.flows) {
      expect(f.bytes).toBe(f.bytes_c2s + f.bytes_s2c);
      expect(f.packets).toBe(f.packets_c2s + f.packets_s2c);
      expect(f.end_reason).toBeNull();
    }
    const key = (f: FlowRecord) => `${f.src_ip}/${f.src_port}/${f.dst_ip}/${f.dst_port}/${f.proto}`;
    expect(r.flows.map(key).sort()).toEqual(live.map(key).sort());
  });

  it('pages by offset and by cursor over the same rows, without gaps or repeats', async () => {
    const whole = (await all('sort=packets&order=asc')).flows.map((f) => f.community_id + f.src_port);
    const byOffset: string[] = [];
    for (let offset = 0; ; offset += 3) {
      const p = flowsResponse.parse((await get(`/api/flows?sort=packets&order=asc&limit=3&offset=${offset}`)).body);
      byOffset.push(...p.flows.map((f) => f.community_id + f.src_port));
      expect(p.offset).toBe(offset);
      if (p.next_cursor === null) break;
    }
    const byCursor: string[] = [];
    let cursor: string | null = null;
    do {
      const p = flowsResponse.parse((await get(`/api/flows?sort=packets&order=asc&limit=4${cursor ? `&cursor=${cursor}` : ''}`)).body);
      expect(p.flows.length).toBeLessThanOrEqual(4);
      byCursor.push(...p.flows.map((f) => f.community_id + f.src_port));
      cursor = p.next_cursor;
    } while (cursor);
    expect(byOffset).toEqual(whole);
    expect(byCursor).toEqual(whole);
  });

  it('a cursor is tied to its sort and order', async () => {
    const p = flowsResponse.parse((await get('/api/flows?sort=bytes&limit=2')).body);
    const r = await get(`/api/flows?sort=age&limit=2&cursor=${p.next_cursor}`);
    expect(r.status).toBe(400);
    expect(r.body.error.message).toMatch(/^cursor: it belongs to sort=bytes&order=desc/);
  });

  it('sorts by packets, rate and age', async () => {
    const packets = (await all('sort=packets')).flows.map((f) => f.packets);
    expect(packets).toEqual([...packets].sort((a, b) => b - a));
    const rate = (await all('sort=rate&order=asc')).flows.map((f) => f.bps);
    expect(rate).toEqual([...rate].sort((a, b) => a - b));
    const oldestFirst = (await all('sort=age')).flows.map((f) => BigInt(f.first_ns));
    expect(oldestFirst).toEqual([...oldestFirst].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  });

  it('filters by protocol, port, address, prefix, state, source and size like a scan of the pipeline does', async () => {
    const live = view.pipeline.liveFlows();
    const count = (pred: (f: FlowRecord) => boolean) => live.filter(pred).length;
    const tcp = await all('proto=tcp');
    expect(tcp.total).toBe(count((f) => f.proto === 6));
    expect(tcp.total).toBeGreaterThan(0);
    expect((await all('proto=17')).total).toBe(count((f) => f.proto === 17));
    const someV4 = live.find((f) => f.src_ip.includes('.'))!;
    expect((await all(`ip=${someV4.src_ip}`)).total).toBe(count((f) => f.src_ip === someV4.src_ip || f.dst_ip === someV4.src_ip));
    const someV6 = live.find((f) => f.src_ip.includes(':'))!;
    expect(someV6).toBeDefined();
    {
      // any spelling of the address matches (here: every group written out, upper case)
      const b = parseAddress(someV6.src_ip)!;
      const expanded = Array.from({ length: 8 }, (_, i) => b.readUInt16BE(i * 2).toString(16).padStart(4, '0')).join(':').toUpperCase();
      expect(expanded).not.toBe(someV6.src_ip);
      expect((await all(`ip=${encodeURIComponent(expanded)}`)).total).toBe(count((f) => f.src_ip === someV6.src_ip || f.dst_ip === someV6.src_ip));
    }
    const prefix = someV4.src_ip.split('.').slice(0, 2).join('.');
    expect((await all(`cidr=${prefix}.0.0/16`)).total).toBe(count((f) => f.src_ip.startsWith(`${prefix}.`) || f.dst_ip.startsWith(`${prefix}.`)));
    const port = live.find((f) => f.proto === 17)!.dst_port;
    expect((await all(`port=${port}`)).total).toBe(count((f) => f.src_port === port || f.dst_port === port));
    expect((await all('state=established')).total).toBe(count((f) => f.state === 'established'));
    expect((await all('source=3')).total).toBe(live.length);
    expect((await all('source=4')).total).toBe(0);
    expect((await all('min_bytes=1000')).total).toBe(count((f) => f.bytes_c2s + f.bytes_s2c >= 1000));
    const both = flowsResponse.parse((await get('/api/flows?proto=tcp&state=established&limit=2')).body);
    expect(both.flows.length).toBeLessThanOrEqual(2);
    expect(both.total).toBe(count((f) => f.proto === 6 && f.state === 'established'));
  });

  it('shares one copy of the live flows between requests until the next snapshot', async () => {
    view.emitSnapshot();
    const before = view.calls.filter((c) => c === 'liveFlows').length;
    await Promise.all([get('/api/flows?limit=5'), get('/api/flows?sort=age'), get('/api/flows?proto=6')]);
    expect(view.calls.filter((c) => c === 'liveFlows').length - before).toBe(1);
    view.emitSnapshot();
    await get('/api/flows?limit=5');
    expect(view.calls.filter((c) => c === 'liveFlows').length - before).toBe(2);
  });
});

describe('GET /api/flows?ended=1 (history)', () => {
  const range = `from=${FIRST}&to=${LAST + 1}`;

  it('pages through every stored flow record of the replay by cursor, newest first', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let lastNs = Infinity;
    do {
      const r = await get(`/api/flows?ended=1&${range}&limit=7${cursor ? `&cursor=${cursor}` : ''}`);
      expect(r.status, r.text).toBe(200);
      const p = flowsResponse.parse(r.body);
      expect(p.live).toBe(false);
      expect(p.total).toBeNull();
      for (const f of p.flows) {
        expect(Number(f.last_ns)).toBeLessThanOrEqual(lastNs);
        lastNs = Number(f.last_ns);
        expect(f.end_reason).not.toBeNull();
        seen.push(`${f.community_id}/${f.first_ns}`);
      }
      cursor = p.next_cursor;
    } while (cursor);
    expect(seen.sort()).toEqual(records.map((f) => `${f.community_id}/${f.first_ns}`).sort());
    expect(seen).toHaveLength(exp.flows.total);
  });

  it('filters ended flows like the live ones', async () => {
    const p = flowsResponse.parse((await get(`/api/flows?ended=1&${range}&proto=udp&limit=1000&order=asc`)).body);
    expect(p.flows).toHaveLength(records.filter((f) => f.proto === 17).length);
    const ns = p.flows.map((f) => BigInt(f.last_ns));
    expect(ns).toEqual([...ns].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  });

  it('is 503 storage_disabled without a store', async () => {
    const other = await serve({ view, store: null, api: apiConfig({ tokens: TOKENS }) });
    try {
      for (const path of [`/api/flows?ended=1&${range}`, `/api/history?${range}`, `/api/top-talkers?${range}`]) {
        const r = await call(`${other.url}${path}`, { token: VIEWER_TOKEN });
        expect(r.status, path).toBe(503);
        expect(r.body.error.code).toBe('storage_disabled');
      }
      // live data does not need the store
      expect((await call(`${other.url}/api/flows`, { token: VIEWER_TOKEN })).status).toBe(200);
    } finally {
      await other.close();
    }
  });
});

describe('GET /api/history and /api/top-talkers', () => {
  it('the series over the replay sum to its packets and bytes', async () => {
    const r = await get(`/api/history?from=${FIRST}&to=${LAST + 1}`);
    expect(r.status, r.text).toBe(200);
    const h = historyResponse.parse(r.body);
    const l4 = ['tcp', 'udp', 'icmp', 'other'].flatMap((c) => h.series[c] ?? []);
    expect(l4.reduce((n, p) => n + p.packets, 0)).toBe(exp.packets);
    expect(l4.reduce((n, p) => n + p.bytes, 0)).toBe(exp.wire_bytes);
    for (const p of h.series.tcp!) expect(p.bps).toBeCloseTo((p.bytes * 8) / h.step, 6);
  });

  it('one class, one source, an explicit step', async () => {
    const h = historyResponse.parse((await get(`/api/history?from=${FIRST}&to=${LAST + 1}&cls=tcp&source=3&step=3600`)).body);
    expect(Object.keys(h.series)).toEqual(['tcp']);
    expect(h.step).toBe(3600);
    expect(h.series.tcp!.reduce((n, p) => n + p.packets, 0)).toBe(exp.layers.tcp);
    const none = historyResponse.parse((await get(`/api/history?from=${FIRST}&to=${LAST + 1}&source=4`)).body);
    expect(none.series).toEqual({});
  });

  it('defaults to the last hour', async () => {
    const h = historyResponse.parse((await get('/api/history')).body);
    expect(h.to - h.from).toBeGreaterThanOrEqual(3600);
    expect(Math.abs(h.to - Date.now() / 1000)).toBeLessThan(120);
  });

  it('top talkers over the stored flows', async () => {
    const r = topTalkersResponse.parse((await get(`/api/top-talkers?from=${FIRST}&to=${LAST + 1}&limit=3`)).body);
    const bytes = new Map<string, number>();
    for (const f of records) {
      const b = f.bytes_c2s + f.bytes_s2c;
      bytes.set(f.src_ip, (bytes.get(f.src_ip) ?? 0) + b);
      bytes.set(f.dst_ip, (bytes.get(f.dst_ip) ?? 0) + b);
    }
    const top = [...bytes.values()].sort((a, b) => b - a).slice(0, 3);
    expect(r.hosts.map((h) => h.bytes)).toEqual(top);
  });
});

describe('GET /api/alerts', () => {
  it('is an empty list without the alerts module', async () => {
    expect((await get('/api/alerts')).body).toEqual({ enabled: false, alerts: [] });
  });

  it('lists what lib/alerts raised on the replay snapshot', async () => {
    const alerts = createAlerts({
      config: {
        local_networks: ['10.0.0.0/8'],
        learning_hours: 24,
        rules: [{ name: 'any traffic', metric: 'packets_per_s', scope: 'total', window: 60, op: '>', threshold: 0, for_s: 0, cooldown_s: 60, severity: 'warning' }],
        baselines: { enabled: false, max_hosts: 10, max_peers_per_host: 10 },
      },
    });
    const other = await serve({ view, store, api: apiConfig({ tokens: TOKENS }), alerts });
    try {
      alerts.onSnapshot(view.snapshot()!);
      const r = await call(`${other.url}/api/alerts?limit=5&state=firing`, { token: VIEWER_TOKEN });
      expect(r.status).toBe(200);
      expect(r.body.enabled).toBe(true);
      expect(r.body.alerts).toEqual([expect.objectContaining({ rule: 'any traffic', state: 'firing', severity: 'warning' })]);
      expect((await call(`${other.url}/api/alerts?state=resolved`, { token: VIEWER_TOKEN })).body.alerts).toEqual([]);
    } finally {
      await other.close();
      await alerts.close();
    }
  });
});

describe('HTTP hygiene', () => {
  it('security headers on every answer; no CORS; no caching of API data', async () => {
    const r = await call(`${srv.url}/api/stats`, { token: VIEWER_TOKEN, headers: { origin: 'https://evil.example' } });
    expect(r.status).toBe(200);
    const csp = r.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/unsafe|https:|data:/);
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(r.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(r.headers.get('x-powered-by')).toBeNull();
    expect(r.headers.get('access-control-allow-origin')).toBeNull();
    expect(r.headers.get('cache-control')).toBe('no-store');
    const pre = await call(`${srv.url}/api/stats`, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' } });
    expect(pre.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('serves a static directory at / (the dashboard) behind the same headers, after the API', async () => {
    const web = join(dir.path, 'web');
    mkdirSync(join(web, 'js'), { recursive: true });
    writeFileSync(join(web, 'index.html'), '<!doctype html><title>wirewatch</title>');
    writeFileSync(join(web, 'js', 'main.js'), 'export {};');
    const other = await serve({ view, store, api: apiConfig({ tokens: TOKENS }), staticDir: web });
    try {
      const page = await call(`${other.url}/`);
      expect(page.status).toBe(200);
      expect(page.text).toContain('<title>wirewatch</title>');
      expect(page.headers.get('cache-control')).toBe('no-cache');
      expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
      expect((await call(`${other.url}/js/main.js`)).headers.get('content-type')).toMatch(/javascript/);
      expect((await call(`${other.url}/api/stats`)).status).toBe(401); // the API is not a static file
      expect((await call(`${other.url}/missing.js`)).body.error.code).toBe('not_found');
    } finally {
      await other.close();
    }
  });
});

describe('embedding and listening', () => {
  it('mounts in another Express app under a prefix; the session cookie is scoped to it', async () => {
    const db = new Database(':memory:');
    const api = createApi({ view, store, sessionDb: db, logger: captureLogger().logger, api: apiConfig({ tokens: TOKENS, users: [{ username: 'eve', password_hash: await hashPassword('pw'), role: 'viewer' }] }) });
    const parent = express();
    parent.get('/own', (_req, res) => {
      res.json({ mine: true });
    });
    parent.use('/ww', api.app);
    const server = await listen(parent, { bind: '127.0.0.1', port: 0 });
    const url = serverUrl(server);
    try {
      expect((await call(`${url}/own`)).body).toEqual({ mine: true });
      const s = await call(`${url}/ww/api/stats`, { token: VIEWER_TOKEN });
      expect(s.status).toBe(200);
      expect(s.body.totals.packets).toBe(exp.packets);
      expect((await call(`${url}/ww/api/nope`)).body.error).toEqual({ code: 'not_found', message: 'no route GET /ww/api/nope' });
      const login = await call(`${url}/ww/api/login`, { method: 'POST', json: { username: 'eve', password: 'pw' } });
      expect(login.headers.get('set-cookie')).toMatch(/; Path=\/ww;/);
    } finally {
      api.close();
      server.closeAllConnections();
      server.close();
      db.close();
    }
  });

  it('createApi checks its options', () => {
    expect(() => createApi({ view, store, api: apiConfig(), staticDir: join(dir.path, 'missing') })).toThrow(/^staticDir: ".*missing" is not a directory$/);
    expect(() => createApi({ view: {} as never, store, api: apiConfig() })).toThrow(/^view: expected a DaemonView$/);
    expect(() => createApi({ view, store, api: {} as never })).toThrow(/^api: expected the config api section$/);
  });

  it('listen() rejects with the address when the port is taken, and checks its arguments', async () => {
    const taken = Number(new URL(srv.url).port);
    await expect(listen(express(), { bind: '127.0.0.1', port: taken })).rejects.toThrow(`cannot listen on 127.0.0.1:${taken}: EADDRINUSE`);
    expect(() => listen(express(), { bind: '', port: 1 })).toThrow(TypeError);
    expect(() => listen(express(), { bind: '::1', port: 65536 })).toThrow(/^port: expected an integer 0\.\.65535, got 65536$/);
    const v6 = await listen(express(), { bind: '::1', port: 0 });
    expect(serverUrl(v6)).toMatch(/^http:\/\/\[::1\]:\d+$/);
    v6.close();
  });
});

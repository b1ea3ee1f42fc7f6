// The API over the real Daemon (lib/daemon: pipeline worker + storage), as
// `wirewatch run` will wire it: a replay of fixtures/mixed.pcap, checked
// against the replay summary.
import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFromObject } from '../../../lib/config/index.js';
import { hashPassword } from '../../../lib/auth/password.js';
import { Daemon } from '../../../lib/daemon/index.js';
import { apiConfig, call, captureLogger, expected, MIXED, serve, tempDir, TOKENS, ADMIN_TOKEN, VIEWER_TOKEN, type Running } from './support.js';

const exp = expected['mixed.pcap']!;
let dir: ReturnType<typeof tempDir>;
let daemon: Daemon;
let srv: Running;

beforeAll(async () => {
  dir = tempDir('ww-api-daemon-');
  const config = configFromObject(
    {
      capture: { backend: 'file', file: MIXED, speed: 'max' },
      storage: { path: join(dir.path, 'wirewatch.db') },
      privileges: { drop: false, allow_root: true },
    },
    dir.path,
  );
  const { logger } = captureLogger();
  daemon = await Daemon.start({ config, logger });
  // wired as lib/commands/serve-api.ts does
  srv = await serve({
    view: daemon,
    store: daemon.store,
    api: apiConfig({ tokens: TOKENS, users: [{ username: 'ops', password_hash: await hashPassword('pw'), role: 'admin' }] }),
    logger,
    sessionDb: daemon.store?.database,
    alerts: daemon.alerts,
    trafficTotals: () => daemon.trafficTotals(),
    storageErrors: () => daemon.storageErrors(),
  });
  // wait for the replay to end and a tick to report it
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline && daemon.snapshot()?.pipeline.totals.packets !== exp.packets) await new Promise((r) => setTimeout(r, 100));
});

afterAll(async () => {
  await srv?.close();
  await daemon?.stop();
  dir?.remove();
});

describe('API over lib/daemon', () => {
  it('stats, sources and live flows equal the replay', async () => {
    const stats = await call(`${srv.url}/api/stats?window=60`, { token: VIEWER_TOKEN });
    expect(stats.status).toBe(200);
    expect(stats.body.totals.packets).toBe(exp.packets);
    expect(stats.body.totals.bytes).toBe(exp.wire_bytes);
    const sources = await call(`${srv.url}/api/sources`, { token: VIEWER_TOKEN });
    expect(sources.body.sources).toEqual([expect.objectContaining({ name: 'mixed.pcap', packets: exp.packets, bytes: exp.wire_bytes, drops: 0 })]);
    const flows = await call(`${srv.url}/api/flows?limit=1000`, { token: VIEWER_TOKEN });
    expect(flows.body.total).toBe(daemon.snapshot()!.pipeline.flows.active);
    expect(flows.body.flows).toHaveLength(flows.body.total);
  });

  it('control acts on the daemon', async () => {
    let r = await call(`${srv.url}/api/control/stop`, { method: 'POST', token: ADMIN_TOKEN });
    expect(r.body).toEqual({ state: 'paused', changed: true });
    expect(daemon.state).toBe('paused');
    r = await call(`${srv.url}/api/control/start`, { method: 'POST', token: ADMIN_TOKEN });
    expect(r.body).toEqual({ state: 'running', changed: true });
    // a daemon started without a config file has nothing to reload
    r = await call(`${srv.url}/api/control/reload`, { method: 'POST', token: ADMIN_TOKEN });
    expect(r.status).toBe(409);
    expect(r.body.error.code).toBe('reload_rejected');
  });

  it('metrics: exact per-(source, class) totals from the daemon (closed seconds)', async () => {
    const text = (await call(`${srv.url}/metrics`)).text;
    const totals = daemon.trafficTotals();
    expect(totals.length).toBeGreaterThan(0);
    for (const t of totals) {
      expect(text).toContain(`wirewatch_packets_total{source="mixed.pcap",class="${t.cls}"} ${t.packets}\n`);
      expect(text).toContain(`wirewatch_bytes_total{source="mixed.pcap",class="${t.cls}"} ${t.bytes}\n`);
    }
    const l4 = totals.filter((t) => ['tcp', 'udp', 'icmp', 'other'].includes(t.cls)).reduce((n, t) => n + t.packets, 0);
    expect(l4).toBeGreaterThan(0);
    expect(l4).toBeLessThanOrEqual(exp.packets);
    expect(text).toMatch(/^wirewatch_storage_errors_total 0$/m);
  });

  it('sessions live in the history database', async () => {
    const login = await call(`${srv.url}/api/login`, { method: 'POST', json: { username: 'ops', password: 'pw' } });
    expect(login.status).toBe(200);
    expect(daemon.store!.database.prepare('SELECT count(*) AS n FROM api_sessions').get()).toEqual({ n: 1 });
    expect((await call(`${srv.url}/api/sources`, { token: login.body.token })).status).toBe(200);
  });
});

describe('flow exporters in /api/sources and /metrics', () => {
  it('every record the daemon ended is counted once, as sent or dropped, in both places', async () => {
    const d = tempDir('ww-api-export-');
    const collector = dgram.createSocket('udp4');
    let datagrams = 0;
    collector.on('message', () => datagrams++);
    await new Promise<void>((r) => collector.bind(0, '127.0.0.1', r));
    const jsonl = join(d.path, 'flows.jsonl');
    const config = configFromObject(
      {
        // A queue of 1 next to a max-speed replay: records arriving together overflow it.
        capture: { backend: 'file', file: MIXED, speed: 'max' },
        storage: { enabled: false },
        export: { ipfix: { collector: `127.0.0.1:${(collector.address() as { port: number }).port}`, queue: 1 }, jsonl: { path: jsonl } },
        privileges: { drop: false, allow_root: true },
      },
      d.path,
    );
    const { logger } = captureLogger();
    const dm = await Daemon.start({ config, logger });
    let ended = 0;
    dm.on('flows', (records) => (ended += records.length));
    const s = await serve({ view: dm, store: null, api: apiConfig({ tokens: TOKENS }), logger, exportStats: () => dm.exportStats() });
    try {
      const deadline = Date.now() + 15_000;
      while (Date.now() < deadline && !(dm.snapshot()?.pipeline.totals.packets === exp.packets && dm.exportStats().every((e) => e.queued === 0))) {
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(ended).toBeGreaterThan(10);
      const sources = await call(`${s.url}/api/sources`, { token: VIEWER_TOKEN });
      expect(sources.status).toBe(200);
      const byName = Object.fromEntries((sources.body.exports as Array<{ name: string; sent: number; dropped: number; invalid: number; queued: number }>).map((e) => [e.name, e]));
      expect(Object.keys(byName).sort()).toEqual(['ipfix', 'jsonl']);
      const ipfix = byName.ipfix!;
      expect(ipfix.dropped).toBeGreaterThan(0);
      expect(ipfix.sent + ipfix.dropped + ipfix.invalid + ipfix.queued).toBe(ended);
      expect(datagrams).toBeGreaterThan(0);
      // The JSON-lines file keeps up (its queue is the default): every record is a line.
      const jl = byName.jsonl!;
      expect(jl.dropped).toBe(0);
      expect(jl.sent).toBe(ended);
      expect(readFileSync(jsonl, 'utf8').trim().split('\n')).toHaveLength(ended);
      const metrics = (await call(`${s.url}/metrics`)).text;
      expect(metrics).toContain(`wirewatch_export_dropped_total{exporter="ipfix"} ${ipfix.dropped}\n`);
      expect(metrics).toContain(`wirewatch_export_sent_total{exporter="ipfix"} ${ipfix.sent}\n`);
      expect(metrics).toContain(`wirewatch_export_sent_total{exporter="jsonl"} ${jl.sent}\n`);
      expect(metrics).toContain('wirewatch_export_queued{exporter="ipfix"} 0\n');
    } finally {
      await s.close();
      await dm.stop();
      collector.close();
      d.remove();
    }
  });
});

// The API over the real Daemon (lib/daemon: pipeline worker + storage), as
// `wirewatch run` will wire it: a replay of fixtures/mixed.pcap, checked
// against the replay summary.
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

// Authentication over real HTTP: sessions (cookie and bearer, hashed in
// SQLite, idle and absolute expiry with an injected clock, surviving a
// restart), API tokens, roles, credentials in URLs, rate limits, and the
// loopback-only open mode (a second listener on a non-loopback address).
import { createHash } from 'node:crypto';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { hashPassword } from '../../../lib/auth/password.js';
import type { UserConfig } from '../../../lib/config/types.js';
import { openApiPath } from '../../../lib/api/openapi.js';
import {
  ADMIN_TOKEN,
  apiConfig,
  call,
  captureLogger,
  rawRequest,
  ReplayView,
  serve,
  tempDir,
  TOKENS,
  VIEWER_TOKEN,
  type Running,
} from './support.js';

let view: ReplayView;
let dir: ReturnType<typeof tempDir>;
let users: UserConfig[];
const T0 = Date.UTC(2026, 10, 1, 12);
let clock = T0;
const now = () => clock;

beforeAll(async () => {
  view = await ReplayView.replay();
  dir = tempDir();
  users = [
    { username: 'alice', password_hash: await hashPassword('correct horse battery'), role: 'admin' },
    { username: 'bob', password_hash: await hashPassword('staple'), role: 'viewer' },
  ];
});

afterAll(() => dir?.remove());

function sessionDb(name = 'sessions.db') {
  return new Database(join(dir.path, name));
}

async function login(url: string, username: string, password: string, headers: Record<string, string> = {}) {
  return call(`${url}/api/login`, { method: 'POST', json: { username, password }, headers });
}

const cookieOf = (setCookie: string | null) => setCookie!.split(';')[0]!;

describe('with users and tokens', () => {
  let srv: Running;
  let db: Database.Database;
  const { logger, lines } = captureLogger();

  beforeAll(async () => {
    db = sessionDb();
    srv = await serve({
      view, store: null, logger, now, sessionDb: db,
      api: apiConfig({ users, tokens: TOKENS, session_idle_minutes: 60, session_max_hours: 3 }),
      rateLimits: { login: { burst: 100, perMinute: 100 }, control: { burst: 100, perMinute: 100 } },
    });
  });
  afterAll(async () => {
    await srv.close();
    db.close();
  });
  beforeEach(() => {
    clock = T0;
  });

  it('every authenticated operation in the OpenAPI document answers 401 without credentials', async () => {
    const doc = (await call(`${srv.url}/api/openapi.json`)).body;
    let checked = 0;
    for (const [path, ops] of Object.entries<Record<string, { security: unknown[] }>>(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        if (op.security.length === 0) continue;
        const r = await call(`${srv.url}${path}`, { method: method.toUpperCase() });
        expect(r.status, `${method} ${path}`).toBe(401);
        expect(r.body.error.code).toBe('unauthorized');
        expect(r.headers.get('www-authenticate')).toBe('Bearer realm="wirewatch"');
        checked++;
      }
    }
    expect(checked).toBe(10); // stats sources flows history top-talkers alerts stream + 3 control
    expect(openApiPath('/a/:id')).toBe('/a/{id}');
  });

  it('refuses wrong, malformed and non-bearer Authorization headers', async () => {
    for (const header of ['Bearer nope-nope-nope-nope', 'Basic YWxpY2U6eA==', 'Bearer', `Bearer ${ADMIN_TOKEN} extra`, `bearer  ${ADMIN_TOKEN}x`]) {
      const r = await call(`${srv.url}/api/stats`, { headers: { authorization: header } });
      expect(r.status, header).toBe(401);
      expect(r.body.error.code).toBe('unauthorized');
    }
    // the scheme is case-insensitive
    expect((await call(`${srv.url}/api/stats`, { headers: { authorization: `bearer ${VIEWER_TOKEN}` } })).status).toBe(200);
  });

  it('never accepts a token in the query string, even a valid one, on any route', async () => {
    for (const path of [`/api/stats?access_token=${ADMIN_TOKEN}`, `/api/flows?token=${ADMIN_TOKEN}`, `/metrics?api_key=${VIEWER_TOKEN}`, '/healthz?token=x', '/api/login?session=x']) {
      const r = await call(`${srv.url}${path}`, { method: path.startsWith('/api/login') ? 'POST' : 'GET' });
      expect(r.status, path).toBe(400);
      expect(r.body.error.code).toBe('credentials_in_query');
    }
    // not even alongside a valid header
    const r = await call(`${srv.url}/api/stats?access_token=x`, { token: ADMIN_TOKEN });
    expect(r.body.error.code).toBe('credentials_in_query');
  });

  it('API tokens: a viewer reads, and gets 403 on every control endpoint; an admin controls for real', async () => {
    expect((await call(`${srv.url}/api/stats`, { token: VIEWER_TOKEN })).status).toBe(200);
    const before = view.calls.length;
    for (const action of ['start', 'stop', 'reload']) {
      const r = await call(`${srv.url}/api/control/${action}`, { method: 'POST', token: VIEWER_TOKEN });
      expect(r.status, action).toBe(403);
      expect(r.body.error).toEqual({ code: 'forbidden', message: `POST /api/control/${action} needs the admin role; grafana is viewer` });
    }
    expect(view.calls.length).toBe(before); // refused before the view was asked

    let r = await call(`${srv.url}/api/control/stop`, { method: 'POST', token: ADMIN_TOKEN });
    expect(r.body).toEqual({ state: 'paused', changed: true });
    expect(view.state).toBe('paused');
    // history and live data stay readable while stopped
    expect((await call(`${srv.url}/api/flows?limit=1`, { token: VIEWER_TOKEN })).status).toBe(200);
    r = await call(`${srv.url}/api/control/stop`, { method: 'POST', token: ADMIN_TOKEN });
    expect(r.body).toEqual({ state: 'paused', changed: false });
    r = await call(`${srv.url}/api/control/start`, { method: 'POST', token: ADMIN_TOKEN, json: {} });
    expect(r.body).toEqual({ state: 'running', changed: true });
    r = await call(`${srv.url}/api/control/reload`, { method: 'POST', token: ADMIN_TOKEN });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ ok: true, applied: ['aggregation.windows'], restart_required: ['api.port'] });
    expect(view.calls.slice(before).filter((c) => c !== 'liveFlows')).toEqual(['pause', 'pause', 'resume', 'reload']);
    expect(lines().filter((l) => String(l.msg).startsWith('control:')).map((l) => [l.msg, l.by])).toEqual([
      ['control: stop', 'ops'], ['control: stop', 'ops'], ['control: start', 'ops'], ['control: reload', 'ops'],
    ]);
  });

  it('control: a rejected reload is 409 with the result; a stopping daemon is 409', async () => {
    view.reloadResult = { ok: false, applied: [], restart_required: [], error: 'capture.snaplen: expected an integer 64..262144' };
    try {
      const r = await call(`${srv.url}/api/control/reload`, { method: 'POST', token: ADMIN_TOKEN });
      expect(r.status).toBe(409);
      expect(r.body.error).toEqual({ code: 'reload_rejected', message: 'capture.snaplen: expected an integer 64..262144' });
      expect(r.body.result.ok).toBe(false);
    } finally {
      view.reloadResult = { ok: true, applied: [], restart_required: [] };
    }
    view.setState('stopping');
    try {
      const r = await call(`${srv.url}/api/control/start`, { method: 'POST', token: ADMIN_TOKEN });
      expect(r.status).toBe(409);
      expect(r.body.error).toEqual({ code: 'invalid_state', message: 'the daemon is stopping' });
    } finally {
      view.setState('running');
    }
  });

  it('login: bad bodies are 400, wrong passwords and unknown users 401 (and logged without the password)', async () => {
    const bodies: Array<[unknown, RegExp]> = [
      [{ username: 'alice' }, /^password: expected a string$/],
      [{ username: '', password: 'x' }, /^username: expected a non-empty string$/],
      [{ username: 'alice', password: 'x', remember: true }, /^unknown parameter "remember"$/],
      [{ username: 'alice', password: 'x'.repeat(1025) }, /^password: expected at most 1024 characters$/],
      [['alice', 'x'], /^expected a JSON object \{"username", "password"\}$/],
    ];
    for (const [json, message] of bodies) {
      const r = await call(`${srv.url}/api/login`, { method: 'POST', json });
      expect(r.status, JSON.stringify(json)).toBe(400);
      expect(r.body.error.code).toBe('invalid_body');
      expect(r.body.error.message).toMatch(message);
    }
    const form = await call(`${srv.url}/api/login`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'username=alice&password=x' });
    expect(form.status).toBe(400);
    expect(form.body.error.code).toBe('invalid_body');
    for (const [u, p] of [['alice', 'wrong'], ['mallory', 'correct horse battery'], ['alice', 'correct horse battery '] ]) {
      const r = await login(srv.url, u!, p!);
      expect(r.status).toBe(401);
      expect(r.body.error).toEqual({ code: 'invalid_credentials', message: 'unknown user name or wrong password' });
      expect(r.headers.get('set-cookie')).toBeNull();
    }
    const failed = lines().filter((l) => l.msg === 'login failed');
    expect(failed.map((l) => l.username)).toEqual(['alice', 'mallory', 'alice']);
    expect(JSON.stringify(lines())).not.toContain('correct horse');
  });

  it('login: a 256-bit token, an HttpOnly SameSite=Strict cookie, stored only as its SHA-256', async () => {
    const r = await login(srv.url, 'alice', 'correct horse battery');
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), username: 'alice', role: 'admin', expires_at: T0 / 1000 + 3 * 3600, idle_timeout_s: 3600 });
    expect(Buffer.from(r.body.token, 'base64url')).toHaveLength(32);
    const cookie = r.headers.get('set-cookie')!;
    expect(cookie).toMatch(new RegExp(`^wirewatch_session=${r.body.token}; Max-Age=10800; Path=/; Expires=.*; HttpOnly; SameSite=Strict$`));
    expect(cookie).not.toMatch(/Secure/);
    const rows = db.prepare('SELECT token_hash, username FROM api_sessions').all() as Array<{ token_hash: Buffer; username: string }>;
    const mine = rows.filter((x) => x.token_hash.equals(createHash('sha256').update(r.body.token).digest()));
    expect(mine).toHaveLength(1);
    expect(JSON.stringify(db.prepare('SELECT * FROM api_sessions').all())).not.toContain(r.body.token);

    // the token works as the cookie and as a bearer token
    expect((await call(`${srv.url}/api/stats`, { headers: { cookie: cookieOf(cookie) } })).status).toBe(200);
    expect((await call(`${srv.url}/api/stats`, { token: r.body.token })).status).toBe(200);
    const who = await call(`${srv.url}/api/session`, { headers: { cookie: cookieOf(cookie) } });
    expect(who.body).toEqual({ auth_required: true, authenticated: true, kind: 'session', name: 'alice', role: 'admin', expires_at: T0 / 1000 + 3 * 3600 });
    expect((await call(`${srv.url}/api/session`)).body).toEqual({ auth_required: true, authenticated: false });
  });

  it('the cookie is Secure when the request came over https (X-Forwarded-Proto from a trusted proxy)', async () => {
    const db2 = sessionDb('proxy.db');
    const other = await serve({ view, store: null, now, sessionDb: db2, api: apiConfig({ users, trust_proxy: true }) });
    try {
      const r = await login(other.url, 'bob', 'staple', { 'x-forwarded-proto': 'https' });
      expect(r.headers.get('set-cookie')).toMatch(/; Secure; SameSite=Strict$|; HttpOnly; Secure; SameSite=Strict$/);
      const plain = await login(other.url, 'bob', 'staple');
      expect(plain.headers.get('set-cookie')).not.toMatch(/Secure/);
    } finally {
      await other.close();
      db2.close();
    }
  });

  it('a cookie cannot be used by another origin for a POST; a viewer session cannot control', async () => {
    const admin = cookieOf((await login(srv.url, 'alice', 'correct horse battery')).headers.get('set-cookie'));
    const host = new URL(srv.url).host;
    let r = await call(`${srv.url}/api/control/reload`, { method: 'POST', headers: { cookie: admin, origin: 'http://evil.example' } });
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe('cross_origin');
    r = await call(`${srv.url}/api/control/reload`, { method: 'POST', headers: { cookie: admin, 'sec-fetch-site': 'same-site' } });
    expect(r.body.error.code).toBe('cross_origin');
    r = await call(`${srv.url}/api/control/reload`, { method: 'POST', headers: { cookie: admin, origin: `http://${host}`, 'sec-fetch-site': 'same-origin' } });
    expect(r.status).toBe(200);
    const viewer = cookieOf((await login(srv.url, 'bob', 'staple')).headers.get('set-cookie'));
    r = await call(`${srv.url}/api/control/stop`, { method: 'POST', headers: { cookie: viewer } });
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe('forbidden');
  });

  it('logout ends the session and clears the cookie', async () => {
    const r = await login(srv.url, 'bob', 'staple');
    const cookie = cookieOf(r.headers.get('set-cookie'));
    const out = await call(`${srv.url}/api/logout`, { method: 'POST', headers: { cookie } });
    expect(out.status).toBe(200);
    expect(out.body).toEqual({ ok: true });
    expect(out.headers.get('set-cookie')).toMatch(/^wirewatch_session=; Path=\/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Strict$/);
    expect((await call(`${srv.url}/api/stats`, { headers: { cookie } })).status).toBe(401);
    expect((await call(`${srv.url}/api/stats`, { token: r.body.token })).status).toBe(401);
    // logging out twice, or without a session, is harmless
    expect((await call(`${srv.url}/api/logout`, { method: 'POST', headers: { cookie } })).status).toBe(200);
  });

  it('idle expiry: use keeps a session alive; an hour without use ends it', async () => {
    const { token } = (await login(srv.url, 'bob', 'staple')).body;
    for (let i = 0; i < 3; i++) {
      clock += 50 * 60_000;
      expect((await call(`${srv.url}/api/sources`, { token })).status, `use ${i}`).toBe(200);
    }
    clock += 60 * 60_000;
    const r = await call(`${srv.url}/api/sources`, { token });
    expect(r.status).toBe(401);
    expect(r.body.error.code).toBe('unauthorized');
  });

  it('absolute expiry: a session in constant use ends session_max_hours after login', async () => {
    const { token } = (await login(srv.url, 'bob', 'staple')).body;
    const t0 = clock;
    while (clock - t0 < 3 * 3600_000 - 20 * 60_000) {
      clock += 20 * 60_000;
      expect((await call(`${srv.url}/api/sources`, { token })).status).toBe(200);
    }
    clock = t0 + 3 * 3600_000;
    expect((await call(`${srv.url}/api/sources`, { token })).status).toBe(401);
  });

  it('sessions survive a restart of the API on the same database; a user removed from the config loses them', async () => {
    const path = join(dir.path, 'restart.db');
    const first = new Database(path);
    let a = await serve({ view, store: null, now, sessionDb: first, api: apiConfig({ users }) });
    const { token } = (await login(a.url, 'alice', 'correct horse battery')).body;
    await a.close();
    first.close();

    clock += 30 * 60_000;
    const second = new Database(path);
    a = await serve({ view, store: null, now, sessionDb: second, api: apiConfig({ users }) });
    try {
      const r = await call(`${a.url}/api/session`, { token });
      expect(r.body).toMatchObject({ authenticated: true, name: 'alice', role: 'admin' });
    } finally {
      await a.close();
    }
    const third = await serve({ view, store: null, now, sessionDb: second, api: apiConfig({ users: users.filter((u) => u.username !== 'alice') }) });
    try {
      expect((await call(`${third.url}/api/stats`, { token })).status).toBe(401);
      expect(second.prepare('SELECT count(*) AS n FROM api_sessions WHERE username = ?').get('alice')).toEqual({ n: 0 });
    } finally {
      await third.close();
      second.close();
    }
  });
});

describe('rate limits', () => {
  it('login: 429 with Retry-After once the burst is spent, per client address; the bucket refills', async () => {
    const db = sessionDb('rl.db');
    const srv = await serve({
      view, store: null, now, sessionDb: db,
      api: apiConfig({ users, trust_proxy: true }),
      rateLimits: { login: { burst: 2, perMinute: 1 } },
    });
    try {
      const from = (ip: string) => ({ 'x-forwarded-for': ip });
      expect((await login(srv.url, 'bob', 'wrong', from('10.1.1.1'))).status).toBe(401);
      expect((await login(srv.url, 'bob', 'staple', from('10.1.1.1'))).status).toBe(200);
      const r = await login(srv.url, 'bob', 'staple', from('10.1.1.1'));
      expect(r.status).toBe(429);
      expect(r.headers.get('retry-after')).toBe('60');
      expect(r.body.error).toEqual({ code: 'rate_limited', message: 'too many login requests from this address; retry in 60 s' });
      // another client is not affected; an IPv6 client is limited per /64
      expect((await login(srv.url, 'bob', 'staple', from('10.1.1.2'))).status).toBe(200);
      await login(srv.url, 'bob', 'x', from('2001:db8:1:2::1'));
      await login(srv.url, 'bob', 'x', from('2001:db8:1:2::2'));
      expect((await login(srv.url, 'bob', 'x', from('2001:db8:1:2:ffff::3'))).status).toBe(429);
      clock += 60_000;
      expect((await login(srv.url, 'bob', 'staple', from('10.1.1.1'))).status).toBe(200);
    } finally {
      await srv.close();
      db.close();
    }
  });

  it('control: 429 with Retry-After, counted before authentication', async () => {
    const srv = await serve({ view, store: null, now, api: apiConfig({ tokens: TOKENS }), rateLimits: { control: { burst: 2, perMinute: 6 } } });
    try {
      expect((await call(`${srv.url}/api/control/start`, { method: 'POST', token: ADMIN_TOKEN })).status).toBe(200);
      expect((await call(`${srv.url}/api/control/start`, { method: 'POST', token: 'wrong-token-0123456789' })).status).toBe(401);
      const r = await call(`${srv.url}/api/control/start`, { method: 'POST', token: ADMIN_TOKEN });
      expect(r.status).toBe(429);
      expect(r.headers.get('retry-after')).toBe('10');
      // reads are not rate limited
      expect((await call(`${srv.url}/api/stats`, { token: ADMIN_TOKEN })).status).toBe(200);
    } finally {
      await srv.close();
    }
  });

  it('at most maxConcurrentLogins password checks run at once; the rest are 503 busy', async () => {
    const db = sessionDb('busy.db');
    const srv = await serve({ view, store: null, sessionDb: db, api: apiConfig({ users }), maxConcurrentLogins: 1, rateLimits: { login: { burst: 50, perMinute: 50 } } });
    try {
      const replies = await Promise.all(Array.from({ length: 4 }, () => login(srv.url, 'bob', 'staple')));
      const statuses = replies.map((r) => r.status).sort();
      expect(statuses[0]).toBe(200);
      expect(statuses).toContain(503);
      const busy = replies.find((r) => r.status === 503)!;
      expect(busy.body.error.code).toBe('busy');
      expect(busy.headers.get('retry-after')).toBe('1');
    } finally {
      await srv.close();
      db.close();
    }
  });
});

describe('metrics_auth', () => {
  it('/metrics is public by default and needs a viewer when metrics_auth is set', async () => {
    const open = await serve({ view, store: null, api: apiConfig({ tokens: TOKENS }) });
    const closed = await serve({ view, store: null, api: apiConfig({ tokens: TOKENS, metrics_auth: true }) });
    try {
      expect((await call(`${open.url}/metrics`)).status).toBe(200);
      expect((await call(`${closed.url}/metrics`)).status).toBe(401);
      expect((await call(`${closed.url}/metrics`, { token: VIEWER_TOKEN })).status).toBe(200);
      const doc = (await call(`${closed.url}/api/openapi.json`)).body;
      expect(doc.paths['/metrics'].get.security).toEqual([{ bearer: [] }, { session: [] }]);
    } finally {
      await open.close();
      await closed.close();
    }
  });
});

/** A non-loopback IPv4 address of this machine, if it has one. */
function otherAddress(): string | undefined {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return undefined;
}

describe('open mode (no users, no tokens)', () => {
  it('serves loopback clients without credentials, logs it once, and has no login', async () => {
    const { logger, lines } = captureLogger();
    const srv = await serve({ view, store: null, logger, api: apiConfig() });
    try {
      expect((await call(`${srv.url}/api/stats`)).status).toBe(200);
      expect((await call(`${srv.url}/api/control/reload`, { method: 'POST' })).status).toBe(200);
      expect((await call(`${srv.url}/api/session`)).body).toEqual({ auth_required: false, authenticated: true, kind: 'open', name: 'local', role: 'admin' });
      const r = await login(srv.url, 'alice', 'x');
      expect(r.status).toBe(409);
      expect(r.body.error.code).toBe('auth_disabled');
      const warned = lines().filter((l) => String(l.msg).includes('loopback clients only'));
      expect(warned).toHaveLength(1);
      expect(warned[0]!.level).toBe('warn');
    } finally {
      await srv.close();
    }
  });

  const address = otherAddress();
  it.skipIf(!address)('refuses a client on a non-loopback address (second listener on this host\'s own address)', async () => {
    const { logger } = captureLogger();
    const srv = await serve({ view, store: null, logger, api: apiConfig() }, address);
    try {
      expect(new URL(srv.url).hostname).toBe(address);
      for (const path of ['/api/stats', '/healthz', '/metrics', '/']) {
        const r = await call(`${srv.url}${path}`);
        expect(r.status, path).toBe(403);
        expect(r.body.error).toEqual({ code: 'loopback_only', message: 'this API has no users or tokens configured and answers loopback clients only' });
      }
    } finally {
      await srv.close();
    }
    // the same app with a token configured answers that client (with credentials)
    const authed = await serve({ view, store: null, logger, api: apiConfig({ tokens: TOKENS }) }, address);
    try {
      expect((await call(`${authed.url}/api/stats`, { token: VIEWER_TOKEN })).status).toBe(200);
    } finally {
      await authed.close();
    }
  });

  it('a browser on this host cannot be turned against it: loopback Host names only (DNS rebinding), same-origin POSTs only', async () => {
    const srv = await serve({ view, store: null, api: apiConfig() });
    const port = new URL(srv.url).port;
    try {
      for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `app.localhost:${port}`, `[::1]:${port}`]) {
        expect((await rawRequest(`${srv.url}/api/stats`, { headers: { host } })).status, host).toBe(200);
      }
      for (const host of [`rebind.evil.example:${port}`, `192.0.2.2:${port}`, 'localhost.evil.example']) {
        const r = await rawRequest(`${srv.url}/api/stats`, { headers: { host } });
        expect(r.status, host).toBe(403);
        expect(r.body.error.code).toBe('loopback_only');
        expect(r.body.error.message).toMatch(/is not a loopback name/);
      }
      const before = view.calls.length;
      let r = await rawRequest(`${srv.url}/api/control/stop`, { method: 'POST', headers: { origin: 'https://evil.example' } });
      expect(r.status).toBe(403);
      expect(r.body.error).toEqual({ code: 'cross_origin', message: 'requests from origin https://evil.example cannot use this API without credentials' });
      r = await rawRequest(`${srv.url}/api/control/stop`, { method: 'POST', headers: { 'sec-fetch-site': 'cross-site' } });
      expect(r.body.error.code).toBe('cross_origin');
      expect(view.calls.length).toBe(before);
      r = await rawRequest(`${srv.url}/api/control/start`, { method: 'POST', headers: { origin: srv.url, 'sec-fetch-site': 'same-origin' } });
      expect(r.status).toBe(200);
    } finally {
      await srv.close();
    }
  });

  it('behind a trusted proxy, the forwarded client must be loopback too', async () => {
    const srv = await serve({ view, store: null, api: apiConfig({ trust_proxy: true }) });
    try {
      expect((await call(`${srv.url}/api/stats`, { headers: { 'x-forwarded-for': '127.0.0.1' } })).status).toBe(200);
      const r = await call(`${srv.url}/api/stats`, { headers: { 'x-forwarded-for': '203.0.113.7' } });
      expect(r.status).toBe(403);
      expect(r.body.error.code).toBe('loopback_only');
    } finally {
      await srv.close();
    }
  });
});

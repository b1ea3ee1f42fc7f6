// Kept answers served before Express (lib/api/quick-answers.ts) must be
// indistinguishable from Express's own: the same API is served twice, as
// `wirewatch run` serves it (Api.listener() in front of dashboardApp) and
// through dashboardApp alone, and every request below goes to both. Status,
// headers and body must match, and the quick path must have answered exactly
// the requests it may answer.
import { createServer, request as httpRequest, type OutgoingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../../lib/auth/password.js';
import { AnswerCache } from '../../../lib/api/answer-cache.js';
import { Authenticator } from '../../../lib/api/auth/access.js';
import { createApi, listen, serverUrl, type Api, type CreateApiOptions } from '../../../lib/api/index.js';
import { QuickAnswers } from '../../../lib/api/quick-answers.js';
import { dashboardApp } from '../../../lib/commands/dashboard-app.js';
import { ADMIN_TOKEN, apiConfig, call, captureLogger, ReplayView, tempDir, TOKENS, VIEWER_TOKEN } from './support.js';

interface Exchange {
  status: number;
  headers: Record<string, unknown>;
  text: string;
}

interface Ask {
  method?: string;
  headers?: OutgoingHttpHeaders;
  body?: string;
}

/** One request over node:http (any method, Host and body); the answer without its Date header. */
function exchange(base: string, path: string, ask: Ask = {}): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${base}${path}`, { method: ask.method ?? 'GET', headers: ask.headers ?? {} }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => {
        const { date: _date, ...headers } = res.headers;
        resolve({ status: res.statusCode!, headers, text });
      });
    });
    req.on('error', reject);
    // node:http frames a GET's body only if told its length
    if (ask.body !== undefined) req.setHeader('content-length', Buffer.byteLength(ask.body));
    req.end(ask.body);
  });
}

const URLS = ['/api/stats?window=10', '/api/flows?limit=5&sort=packets'];

interface Case extends Ask {
  name: string;
  /** The quick path must answer it (otherwise it must leave it to Express). */
  quick: boolean;
  /** The status both paths answer. */
  status: number;
}

let view: ReplayView;
let dir: ReturnType<typeof tempDir>;

beforeAll(async () => {
  view = await ReplayView.replay();
  dir = tempDir();
});
afterAll(() => dir?.remove());

interface TwoWays {
  api: Api;
  quickUrl: string;
  expressUrl: string;
  close(): Promise<void>;
}

/** The same Api served as `wirewatch run` does (quick) and through dashboardApp alone (express). */
async function twoWays(options: CreateApiOptions): Promise<TwoWays> {
  const api = createApi({ logger: captureLogger().logger, ...options });
  const servers = [await listen(api.listener(dashboardApp(api)), { bind: '127.0.0.1', port: 0 }), await listen(dashboardApp(api), { bind: '127.0.0.1', port: 0 })];
  return {
    api,
    quickUrl: serverUrl(servers[0]!),
    expressUrl: serverUrl(servers[1]!),
    async close() {
      api.close();
      for (const server of servers) {
        server.closeAllConnections();
        await new Promise((r) => server.close(r));
      }
    },
  };
}

async function compareAll(ways: TwoWays, cases: Case[], warm: Ask): Promise<void> {
  for (const path of URLS) {
    for (const c of cases) {
      // A fresh snapshot empties the kept answers; one request through Express keeps this URL's again.
      view.emitSnapshot();
      expect((await exchange(ways.expressUrl, path, warm)).status).toBe(200);
      const before = ways.api.stats().quickAnswers;
      const viaQuick = await exchange(ways.quickUrl, path, c);
      const served = ways.api.stats().quickAnswers - before;
      const viaExpress = await exchange(ways.expressUrl, path, c);
      expect(viaQuick.status, `${c.name} ${path}`).toBe(c.status);
      expect(viaQuick, `${c.name} ${path}`).toEqual(viaExpress);
      expect(served, `${c.name} ${path}: answered by the quick path`).toBe(c.quick ? 1 : 0);
    }
  }
}

describe('with users and tokens', () => {
  let ways: TwoWays;
  let db: Database.Database;
  let sessionToken: string;
  let endedToken: string;

  beforeAll(async () => {
    db = new Database(join(dir.path, 'sessions.db'));
    const users = [{ username: 'bob', password_hash: await hashPassword('staple'), role: 'viewer' as const }];
    ways = await twoWays({ view, store: null, sessionDb: db, api: apiConfig({ users, tokens: TOKENS }) });
    const login = () => call(`${ways.quickUrl}/api/login`, { method: 'POST', json: { username: 'bob', password: 'staple' } });
    sessionToken = (await login()).body.token;
    endedToken = (await login()).body.token;
    const out = await call(`${ways.quickUrl}/api/logout`, { method: 'POST', headers: { authorization: `Bearer ${endedToken}` } });
    expect(out.status).toBe(200);
  });
  afterAll(async () => {
    await ways.close();
    db.close();
  });

  it('answers kept answers to every accepted credential, and leaves every refusal and oddity to Express', async () => {
    const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
    const cases: Case[] = [
      { name: 'viewer token', headers: bearer(VIEWER_TOKEN), quick: true, status: 200 },
      { name: 'admin token', headers: bearer(ADMIN_TOKEN), quick: true, status: 200 },
      { name: 'lower-case scheme', headers: { authorization: `bearer ${VIEWER_TOKEN}` }, quick: true, status: 200 },
      { name: 'session as bearer', headers: bearer(sessionToken), quick: true, status: 200 },
      { name: 'session cookie', headers: { cookie: `theme=dark; wirewatch_session=${sessionToken}` }, quick: true, status: 200 },
      { name: 'no credentials', quick: false, status: 401 },
      { name: 'unknown token', headers: bearer('nope-nope-nope-nope'), quick: false, status: 401 },
      { name: 'Basic', headers: { authorization: 'Basic Ym9iOnN0YXBsZQ==' }, quick: false, status: 401 },
      { name: 'token with extra words', headers: { authorization: `Bearer ${VIEWER_TOKEN} extra` }, quick: false, status: 401 },
      { name: 'ended session cookie', headers: { cookie: `wirewatch_session=${endedToken}` }, quick: false, status: 401 },
      // The header decides over the cookie, on both paths.
      { name: 'bad header, good cookie', headers: { ...bearer('nope-nope-nope-nope'), cookie: `wirewatch_session=${sessionToken}` }, quick: false, status: 401 },
      { name: 'JSON body on a GET', method: 'GET', headers: { ...bearer(VIEWER_TOKEN), 'content-type': 'application/json' }, body: '{"a":1}', quick: false, status: 400 },
      { name: 'empty JSON body on a GET', method: 'GET', headers: { ...bearer(VIEWER_TOKEN), 'content-type': 'application/json' }, body: '{}', quick: false, status: 200 },
      { name: 'HEAD', method: 'HEAD', headers: bearer(VIEWER_TOKEN), quick: false, status: 200 },
      { name: 'POST', method: 'POST', headers: bearer(ADMIN_TOKEN), quick: false, status: 404 },
      // Express's freshness check answers these itself (a 304 for "*", without an ETag).
      { name: 'If-None-Match: *', headers: { ...bearer(VIEWER_TOKEN), 'if-none-match': '*' }, quick: false, status: 304 },
      { name: 'If-Modified-Since', headers: { ...bearer(VIEWER_TOKEN), 'if-modified-since': 'Sat, 05 Dec 2026 00:00:00 GMT' }, quick: false, status: 200 },
    ];
    await compareAll(ways, cases, { headers: bearer(ADMIN_TOKEN) });
    // Other URLs are other answers: never kept ones.
    for (const path of ['/api/stats?window=10&token=x', '/api/stats?window=7', '/API/stats?window=10']) {
      view.emitSnapshot();
      await exchange(ways.expressUrl, '/api/stats?window=10', { headers: bearer(ADMIN_TOKEN) });
      const before = ways.api.stats().quickAnswers;
      const viaQuick = await exchange(ways.quickUrl, path, { headers: bearer(VIEWER_TOKEN) });
      expect(viaQuick).toEqual(await exchange(ways.expressUrl, path, { headers: bearer(VIEWER_TOKEN) }));
      expect(ways.api.stats().quickAnswers, path).toBe(before);
    }
  });
});

describe('a failing session store', () => {
  it('leaves the request to Express, which answers 500, instead of throwing out of the request listener', async () => {
    let clock = Date.now();
    const path = join(dir.path, 'busy.db');
    const db = new Database(path, { timeout: 0 });
    const users = [{ username: 'bob', password_hash: await hashPassword('staple'), role: 'viewer' as const }];
    const ways = await twoWays({ view, store: null, sessionDb: db, now: () => clock, api: apiConfig({ users, tokens: TOKENS }) });
    const writer = new Database(path);
    try {
      const token = (await call(`${ways.expressUrl}/api/login`, { method: 'POST', json: { username: 'bob', password: 'staple' } })).body.token;
      // The session is due for its last-seen update, and another connection holds the write lock
      // (in `wirewatch run` the history writer shares this database file).
      clock += 10 * 60_000;
      writer.exec('BEGIN IMMEDIATE');
      await compareAll(
        ways,
        [{ name: 'session cookie, database locked', headers: { cookie: `wirewatch_session=${token}` }, quick: false, status: 500 }],
        { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } },
      );
    } finally {
      if (writer.inTransaction) writer.exec('ROLLBACK');
      writer.close();
      await ways.close();
      db.close();
    }
  });
});

describe('open mode (no users, no tokens)', () => {
  it('answers loopback callers naming a loopback host; leaves other hosts and trusted proxies to Express', async () => {
    const ways = await twoWays({ view, store: null, api: apiConfig() });
    try {
      const port = new URL(ways.quickUrl).port;
      await compareAll(
        ways,
        [
          { name: 'Host localhost', headers: { host: `localhost:${port}` }, quick: true, status: 200 },
          { name: 'Host 127.0.0.1', quick: true, status: 200 },
          { name: 'Host [::1]', headers: { host: `[::1]:${port}` }, quick: true, status: 200 },
          { name: 'Host evil.example', headers: { host: `evil.example:${port}` }, quick: false, status: 403 },
          { name: 'Host 127.0.0.1.evil.example', headers: { host: '127.0.0.1.evil.example' }, quick: false, status: 403 },
          { name: 'Host localhost.', headers: { host: `localhost.:${port}` }, quick: true, status: 200 },
        ],
        {},
      );
    } finally {
      await ways.close();
    }

    const proxied = await twoWays({ view, store: null, api: apiConfig({ trust_proxy: true }) });
    try {
      await compareAll(
        proxied,
        [
          { name: 'local, through a trusted proxy', quick: false, status: 200 },
          { name: 'forwarded for a remote client', headers: { 'x-forwarded-for': '203.0.113.5' }, quick: false, status: 403 },
        ],
        {},
      );
    } finally {
      await proxied.close();
    }
  });
});

describe('QuickAnswers', () => {
  it('gives a kept answer only to a caller with the role it was kept for', async () => {
    const answers = new AnswerCache();
    const auth = new Authenticator({ users: [], tokens: TOKENS, trust_proxy: false }, null);
    const quick = new QuickAnswers({ answers, auth, headers: new Map([['cache-control', 'no-store']]) });
    const server = createServer(
      quick.before((_req, res) => {
        res.statusCode = 418;
        res.end('fallback');
      }),
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      answers.set('get /admin-only', Buffer.from('{"secret":1}'), 'admin');
      answers.set('get /viewers', Buffer.from('{"v":1}'), 'viewer');
      const as = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });
      expect((await exchange(base, '/admin-only', as(VIEWER_TOKEN))).text).toBe('fallback');
      const admin = await exchange(base, '/admin-only', as(ADMIN_TOKEN));
      expect(admin).toMatchObject({ status: 200, text: '{"secret":1}' });
      expect(admin.headers).toMatchObject({ 'cache-control': 'no-store', 'content-type': 'application/json; charset=utf-8', 'content-length': '12' });
      expect((await exchange(base, '/viewers', as(VIEWER_TOKEN))).text).toBe('{"v":1}');
      expect((await exchange(base, '/viewers')).text).toBe('fallback');
      expect((await exchange(base, '/nothing-kept', as(ADMIN_TOKEN))).text).toBe('fallback');
      expect(quick.served).toBe(2);
    } finally {
      server.close();
    }
  });
});

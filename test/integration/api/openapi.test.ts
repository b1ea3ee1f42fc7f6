// The OpenAPI document matches the routes: walk the Express router and check
// every route is documented, and every documented operation is routed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi, type Api } from '../../../lib/api/index.js';
import { openApiPath } from '../../../lib/api/openapi.js';
import { apiConfig, call, captureLogger, ReplayView, serve, TOKENS, type Running } from './support.js';

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
}

let api: Api;
let srv: Running;

beforeAll(async () => {
  const view = await ReplayView.replay();
  api = createApi({ view, store: null, api: apiConfig({ tokens: TOKENS }), logger: captureLogger().logger });
  srv = await serve({ view, store: null, api: apiConfig({ tokens: TOKENS }) });
});

afterAll(async () => {
  api.close();
  await srv.close();
});

function routerRoutes(app: Api['app']): Array<[string, string]> {
  const stack = (app as unknown as { router: { stack: Layer[] } }).router.stack;
  const out: Array<[string, string]> = [];
  for (const layer of stack) {
    if (!layer.route) continue;
    for (const [method, on] of Object.entries(layer.route.methods)) if (on && method !== '_all') out.push([method, layer.route.path]);
  }
  return out;
}

describe('GET /api/openapi.json', () => {
  it('documents every route of the Express router, and routes every documented operation', async () => {
    const doc = (await call(`${srv.url}/api/openapi.json`)).body;
    expect(doc.openapi).toBe('3.1.0');
    const routes = routerRoutes(api.app);
    expect(routes.length).toBeGreaterThanOrEqual(17);
    for (const [method, path] of routes) {
      expect(doc.paths[openApiPath(path)]?.[method], `${method.toUpperCase()} ${path} is not documented`).toBeDefined();
    }
    const documented = Object.entries<Record<string, unknown>>(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`));
    expect(documented.sort()).toEqual(routes.map(([m, p]) => `${m} ${openApiPath(p)}`).sort());
    for (const required of ['/healthz', '/readyz', '/api/login', '/api/logout', '/api/stats', '/api/flows', '/api/history', '/api/sources', '/api/alerts', '/api/control/start', '/api/control/stop', '/api/control/reload', '/api/stream', '/metrics', '/api/openapi.json']) {
      expect(doc.paths[required], required).toBeDefined();
    }
  });

  it('describes parameters, bodies, errors and security from the same schemas the API validates with', async () => {
    const doc = (await call(`${srv.url}/api/openapi.json`)).body;
    const flows = doc.paths['/api/flows'].get;
    const limit = flows.parameters.find((p: { name: string }) => p.name === 'limit');
    expect(limit).toEqual({ name: 'limit', in: 'query', required: false, description: expect.stringContaining('1..1000'), schema: { type: 'integer', minimum: 1, maximum: 1000 } });
    expect(flows.parameters.find((p: { name: string }) => p.name === 'sort').schema.enum).toEqual(['bytes', 'packets', 'rate', 'age']);
    expect(flows.security).toEqual([{ bearer: [] }, { session: [] }]);
    expect(Object.keys(flows.responses).sort()).toEqual(['200', '400', '401', '403', '500', '503']);
    expect(flows.responses['400'].content['application/json'].schema.properties.error.properties.code.enum).toEqual(['invalid_query', 'credentials_in_query']);

    const login = doc.paths['/api/login'].post;
    expect(login.security).toEqual([]);
    expect(login.requestBody.required).toBe(true);
    expect(login.requestBody.content['application/json'].schema.required).toEqual(['username', 'password']);
    expect(login.responses['429'].headers['Retry-After']).toBeDefined();
    const reload = doc.paths['/api/control/reload'].post;
    expect(reload.requestBody.required).toBe(false);
    expect(reload['x-wirewatch-role']).toBe('admin');
    expect(reload.responses['403'].content['application/json'].schema.properties.error.properties.code.enum).toContain('forbidden');
    expect(reload.responses['409'].content['application/json'].schema.properties.error.properties.code.enum).toEqual(['invalid_state', 'reload_rejected']);
    expect(doc.paths['/metrics'].get.responses['200'].content['text/plain']).toBeDefined();
    expect(doc.paths['/api/stream'].get.responses['200'].content['text/event-stream']).toBeDefined();
    expect(doc.components.securitySchemes.session).toEqual({ type: 'apiKey', in: 'cookie', name: 'wirewatch_session', description: expect.any(String) });
    const ids = Object.values<Record<string, { operationId: string }>>(doc.paths).flatMap((ops) => Object.values(ops).map((o) => o.operationId));
    expect(new Set(ids).size).toBe(ids.length);
  });
});

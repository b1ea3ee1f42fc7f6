// The OpenAPI 3.1 document, generated from the route declarations: parameters
// and bodies from the same zod schemas that validate requests (JSON Schema
// 2020-12, which OpenAPI 3.1 uses as is), errors from the catalogue.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { packageRoot } from '../capture/binding.js';
import { CREDENTIAL_PARAMS, SESSION_COOKIE } from './auth/access.js';
import { API_ERRORS, type ApiErrorCode } from './errors.js';
import type { RouteSpec } from './route.js';

type Json = Record<string, unknown>;

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Json {
  const out = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as Json;
  delete out.$schema;
  return out;
}

/** Express "/a/:id" → OpenAPI "/a/{id}". */
export function openApiPath(path: string): string {
  return path.replace(/:(\w+)/g, '{$1}');
}

function parameters(query: z.ZodType): Json[] {
  const schema = jsonSchema(query, 'input');
  const props = (schema.properties ?? {}) as Record<string, Json>;
  const required = new Set((schema.required ?? []) as string[]);
  return Object.entries(props).map(([name, p]) => {
    const { description, ...rest } = p;
    // numbers arrive as text; the pattern only restates the type
    if (rest.type === 'integer' || rest.type === 'number') delete rest.pattern;
    return { name, in: 'query', required: required.has(name), ...(description ? { description } : {}), schema: rest };
  });
}

function errorCodes(route: RouteSpec<unknown, unknown>, metricsAuth: boolean): ApiErrorCode[] {
  const codes = new Set<ApiErrorCode>(['invalid_query', 'credentials_in_query', 'loopback_only']);
  if (route.body) codes.add('invalid_body').add('body_too_large');
  const authed = route.access === 'viewer' || route.access === 'admin' || (route.access === 'metrics' && metricsAuth);
  if (authed) codes.add('unauthorized');
  if (route.method === 'post') codes.add('cross_origin'); // cookie sessions, and every POST in open mode
  if (route.access === 'admin') codes.add('forbidden');
  if (route.limit) codes.add('rate_limited');
  for (const c of route.errors ?? []) codes.add(c);
  codes.add('internal');
  return [...codes];
}

function responses(route: RouteSpec<unknown, unknown>, metricsAuth: boolean): Json {
  const out: Json = {};
  if (route.result === 'prometheus') {
    out['200'] = { description: 'Prometheus text exposition format 0.0.4', content: { 'text/plain': { schema: { type: 'string' } } } };
  } else if (route.result === 'event-stream') {
    out['200'] = { description: 'text/event-stream: `event: snapshot` / `event: alert` frames with one JSON object each', content: { 'text/event-stream': { schema: { type: 'string' } } } };
  } else {
    out['200'] = { description: 'OK', content: { 'application/json': { schema: jsonSchema(route.result, 'output') } } };
  }
  const byStatus = new Map<number, ApiErrorCode[]>();
  for (const code of errorCodes(route, metricsAuth)) {
    const status = API_ERRORS[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  for (const [status, codes] of [...byStatus].sort((a, b) => a[0] - b[0])) {
    out[String(status)] = {
      description: codes.map((c) => `${c}: ${API_ERRORS[c].doc}`).join('; '),
      ...(status === 429 || status === 503 ? { headers: { 'Retry-After': { schema: { type: 'integer' }, description: 'Seconds to wait (rate limits and busy answers).' } } } : {}),
      content: {
        'application/json': {
          schema: {
            type: 'object',
            required: ['error'],
            properties: {
              error: {
                type: 'object',
                required: ['code', 'message'],
                properties: { code: { type: 'string', enum: codes }, message: { type: 'string' } },
              },
            },
          },
        },
      },
    };
  }
  return out;
}

function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

export function openApiDocument(routes: ReadonlyArray<RouteSpec<unknown, unknown>>, options: { metricsAuth: boolean }): Json {
  const paths: Record<string, Record<string, Json>> = {};
  for (const r of routes) {
    const authed = r.access === 'viewer' || r.access === 'admin' || (r.access === 'metrics' && options.metricsAuth);
    const op: Json = {
      operationId: `${r.method}${r.path.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      summary: r.summary,
      ...(r.description ? { description: r.description } : {}),
      tags: [r.tag],
      parameters: parameters(r.query),
      security: authed ? [{ bearer: [] }, { session: [] }] : [],
      ...(r.access === 'admin' ? { 'x-wirewatch-role': 'admin' } : authed ? { 'x-wirewatch-role': 'viewer' } : {}),
      ...(r.limit ? { 'x-wirewatch-rate-limit': r.limit } : {}),
      responses: responses(r, options.metricsAuth),
    };
    if (r.body) {
      op.requestBody = {
        required: !r.body.safeParse(undefined).success,
        content: { 'application/json': { schema: jsonSchema(r.body, 'input') } },
      };
    }
    (paths[openApiPath(r.path)] ??= {})[r.method] = op;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'wirewatch',
      version: packageVersion(),
      description:
        'Network monitor API. Authenticate with POST /api/login (session cookie or bearer token) or a configured API token (Authorization: Bearer). ' +
        `Credentials are never accepted in the query string (${CREDENTIAL_PARAMS.join(', ')} are refused). ` +
        'With no users and no tokens configured, the API is open to loopback clients only. Errors: {"error": {"code", "message"}}.',
    },
    paths,
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'A session token from POST /api/login, or a token from api.tokens.' },
        session: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE, description: 'Set by POST /api/login (HttpOnly, SameSite=Strict).' },
      },
    },
  };
}

// Liveness, readiness and the API description: no authentication.
import type { ApiContext } from '../context.js';
import { ApiError } from '../errors.js';
import { route } from '../route.js';
import { emptyQuery, healthResponse, readyResponse } from '../schemas.js';
import { z } from 'zod';

export function healthRoutes(ctx: ApiContext, openapi: () => object) {
  return [
    route({
      method: 'get',
      path: '/healthz',
      tag: 'health',
      summary: 'Liveness: the process answers',
      access: 'public',
      query: emptyQuery,
      result: healthResponse,
      handle: () => ({ status: 'ok', state: ctx.view.state }),
    }),
    route({
      method: 'get',
      path: '/readyz',
      tag: 'health',
      summary: 'Readiness: every source capturing, storage writable, pipeline ticking',
      access: 'public',
      query: emptyQuery,
      result: readyResponse,
      errors: ['not_ready'],
      handle: () => {
        const r = ctx.view.ready();
        if (!r.ready) {
          const failed = r.checks.filter((c) => !c.ok).map((c) => (c.detail ? `${c.name} (${c.detail})` : c.name));
          throw new ApiError('not_ready', `not ready: ${failed.join(', ')}`, { extra: { ready: false, checks: r.checks } });
        }
        return { ready: true, checks: r.checks };
      },
    }),
    route({
      method: 'get',
      path: '/api/openapi.json',
      tag: 'health',
      summary: 'This API as an OpenAPI 3.1 document',
      access: 'public',
      query: emptyQuery,
      result: z.object({ openapi: z.string() }),
      handle: () => openapi(),
    }),
  ];
}

// The live feed (server-sent events) and the Prometheus scrape endpoint.
import type { ApiContext } from '../context.js';
import { ApiError } from '../errors.js';
import { route } from '../route.js';
import { emptyQuery } from '../schemas.js';

export function streamRoutes(ctx: ApiContext) {
  return [
    route({
      method: 'get',
      path: '/api/stream',
      tag: 'live',
      summary: 'Server-sent events: `snapshot` (a compact snapshot per pipeline tick, ~1/s) and `alert`',
      description:
        'Each client has a small bounded queue; a client that reads too slowly loses the oldest queued snapshots (counted in wirewatch_api_stream_dropped_total) and is disconnected after 60 s without progress. ' +
        'Comment lines are sent as heartbeats; `retry:` suggests the reconnect delay.',
      access: 'viewer',
      query: emptyQuery,
      result: 'event-stream',
      errors: ['busy'],
      handle: ({ req, res }) => {
        if (req.method === 'HEAD') {
          res.status(200).type('text/event-stream').end();
          return undefined;
        }
        if (ctx.hub.full) throw new ApiError('busy', 'too many stream clients; retry later', { headers: { 'Retry-After': '5' } });
        ctx.hub.add(req, res, ctx.snapshotFrame());
        return undefined;
      },
    }),
    route({
      method: 'get',
      path: '/metrics',
      tag: 'metrics',
      summary: 'Prometheus text format: aggregate series only (no per-flow labels)',
      access: 'metrics',
      query: emptyQuery,
      result: 'prometheus',
      handle: async ({ res }) => {
        const text = await ctx.registry.metrics();
        res.type(ctx.registry.contentType).send(text);
        return undefined;
      },
    }),
  ];
}

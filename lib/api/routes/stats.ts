// Live numbers from the latest snapshot: one window's rates, classes, sources,
// top talkers and flow counters; and the capture sources with their drops.
import type { ApiContext } from '../context.js';
import { ApiError } from '../errors.js';
import { route } from '../route.js';
import { emptyQuery, sourcesResponse, statsQuery, statsResponse } from '../schemas.js';
import { windowStats } from '../snapshot.js';

export function statsRoutes(ctx: ApiContext) {
  return [
    route({
      method: 'get',
      path: '/api/stats',
      tag: 'live',
      summary: "One window's rates, protocol classes, sources, top talkers and flow counters",
      access: 'viewer',
      query: statsQuery,
      result: statsResponse,
      errors: ['no_snapshot'],
      cacheable: () => true,
      handle: ({ query }) => {
        const s = ctx.view.snapshot();
        if (!s) throw new ApiError('no_snapshot', 'no snapshot yet: the pipeline has not ticked');
        const windows = s.pipeline.stats.windows;
        const w = query.window === undefined ? windows.reduce((a, b) => (b.window < a.window ? b : a), windows[0]!) : windows.find((x) => x.window === query.window);
        if (!w) throw new ApiError('invalid_query', `window: expected one of ${windows.map((x) => x.window).join(', ')}`);
        return windowStats(s, w, ctx.view.state);
      },
    }),
    route({
      method: 'get',
      path: '/api/sources',
      tag: 'live',
      summary: 'Capture sources: state, packets, bytes, drops and decode errors since each opened; flow exporters: sent, dropped, queued',
      access: 'viewer',
      query: emptyQuery,
      result: sourcesResponse,
      handle: () => ({
        state: ctx.view.state,
        sources: ctx.view.sources().map((s) => ({ ...s, drops: s.kernel_drops + s.if_drops + s.ring_drops })),
        exports: ctx.exportStats().map((e) => ({
          name: e.name, connected: e.connected, sent: e.sent, dropped: e.dropped, invalid: e.invalid, queued: e.queued,
          errors: e.errors, reconnects: e.reconnects, last_error: e.last_error,
        })),
      }),
    }),
  ];
}

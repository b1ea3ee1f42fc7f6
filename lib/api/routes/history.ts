// History from the store: per-class time series and top talkers over a range.
import type { ApiContext, ApiStore } from '../context.js';
import { ApiError, storeQuery } from '../errors.js';
import { route } from '../route.js';
import { historyQuery, historyResponse, MAX_RANGE_S, topTalkersQuery, topTalkersResponse } from '../schemas.js';
import { resolveRange } from './range.js';

export function historyRoutes(ctx: ApiContext) {
  const store = (): ApiStore => {
    if (!ctx.store) throw new ApiError('storage_disabled', 'history needs storage, which is disabled (storage.enabled: false)');
    return ctx.store;
  };
  return [
    route({
      method: 'get',
      path: '/api/history',
      tag: 'history',
      summary: 'Packets and bytes per protocol class over time',
      description:
        'Per-second samples for ranges up to an hour inside the samples retention, per-minute rollups otherwise; the step is rounded up to whole minutes on rollups. ' +
        'At most 100 000 points per series.',
      access: 'viewer',
      query: historyQuery,
      result: historyResponse,
      errors: ['storage_disabled', 'storage_unavailable'],
      handle: ({ query: q }) => {
        const s = store();
        const { from, to } = resolveRange(q.from, q.to, ctx.now(), MAX_RANGE_S);
        return storeQuery(() =>
          s.history({
            from,
            to,
            now: ctx.now() / 1000,
            ...(q.step !== undefined ? { step: q.step } : {}),
            ...(q.source !== undefined ? { source: q.source } : {}),
            ...(q.cls !== undefined ? { cls: q.cls } : {}),
          }),
        );
      },
    }),
    route({
      method: 'get',
      path: '/api/top-talkers',
      tag: 'history',
      summary: 'Hosts by bytes sent + received over the ended flows of a range',
      access: 'viewer',
      query: topTalkersQuery,
      result: topTalkersResponse,
      errors: ['storage_disabled', 'storage_unavailable'],
      handle: ({ query: q }) => {
        const s = store();
        const { from, to } = resolveRange(q.from, q.to, ctx.now(), MAX_RANGE_S);
        const hosts = storeQuery(() => s.topTalkers({ from, to, limit: q.limit ?? 10, ...(q.source !== undefined ? { source: q.source } : {}) }));
        return { from, to, hosts };
      },
    }),
  ];
}

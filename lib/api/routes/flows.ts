// /api/flows: live flows (filtered, sorted and paged over a shared copy of the
// open flows) or, with ended=1, ended flows from the history store.
import { parseCidr } from '../../store/address.js';
import type { ApiContext } from '../context.js';
import { ApiError, storeQuery } from '../errors.js';
import { canonicalAddress, flowView, type FlowFilter } from '../live-flows.js';
import { route } from '../route.js';
import { flowsQuery, flowsResponse, MAX_RANGE_S } from '../schemas.js';
import { resolveRange } from './range.js';

export function flowRoutes(ctx: ApiContext) {
  return [
    route({
      method: 'get',
      path: '/api/flows',
      tag: 'flows',
      summary: 'Live flows (filter, sort, page), or ended flows from the history with ended=1',
      description:
        'Live: filters ip, cidr, port, proto, state, source, min_bytes; sort bytes|packets|rate|age; limit ≤ 1000 with offset or cursor paging. ' +
        'Ended (ended=1): the same filters except state, over [from, to), newest first (order=asc for oldest first), cursor paging; needs storage.',
      access: 'viewer',
      query: flowsQuery,
      result: flowsResponse,
      errors: ['storage_disabled', 'storage_unavailable'],
      // Live answers come from the snapshot's copy of the open flows; ended ones from the store.
      cacheable: (q) => !q.ended,
      handle: async ({ query: q }) => {
        if (q.offset !== undefined && q.cursor !== undefined) throw new ApiError('invalid_query', 'offset and cursor: use one or the other');
        let ip: string | undefined;
        if (q.ip !== undefined) {
          const c = canonicalAddress(q.ip);
          if (c === null) throw new ApiError('invalid_query', `ip: expected an IPv4 or IPv6 address, got ${JSON.stringify(q.ip)}`);
          ip = c;
        }
        const cidr = q.cidr === undefined ? undefined : parseCidr(q.cidr);
        if (cidr === null) throw new ApiError('invalid_query', `cidr: expected an address/prefix such as 10.0.0.0/8 or 2001:db8::/32, got ${JSON.stringify(q.cidr)}`);
        const limit = q.limit ?? 100;

        if (q.ended) {
          for (const name of ['sort', 'state', 'offset'] as const) {
            if (q[name] !== undefined) throw new ApiError('invalid_query', `${name}: not available for ended flows (they are ordered by end time and paged by cursor)`);
          }
          if (!ctx.store) throw new ApiError('storage_disabled', 'ended flows come from the history, and storage is disabled');
          const { from, to } = resolveRange(q.from, q.to, ctx.now(), MAX_RANGE_S);
          const store = ctx.store;
          const page = storeQuery(() =>
            store.flows({
              from,
              to,
              ...(q.ip !== undefined ? { ip: q.ip } : {}),
              ...(q.cidr !== undefined ? { cidr: q.cidr } : {}),
              ...(q.port !== undefined ? { port: q.port } : {}),
              ...(q.proto !== undefined ? { proto: q.proto } : {}),
              ...(q.min_bytes !== undefined ? { minBytes: q.min_bytes } : {}),
              ...(q.source !== undefined ? { source: q.source } : {}),
              ...(q.cursor !== undefined ? { cursor: q.cursor } : {}),
              order: q.order ?? 'desc',
              limit,
            }),
          );
          return { live: false, flows: page.flows.map(flowView), total: null, offset: null, next_cursor: page.next_cursor, truncated: false };
        }

        if (q.from !== undefined || q.to !== undefined) throw new ApiError('invalid_query', 'from/to: only for ended flows (ended=1)');
        const filter: FlowFilter = {
          ...(ip !== undefined ? { ip } : {}),
          ...(cidr ? { cidr } : {}),
          ...(q.port !== undefined ? { port: q.port } : {}),
          ...(q.proto !== undefined ? { proto: q.proto } : {}),
          ...(q.state !== undefined ? { state: q.state } : {}),
          ...(q.source !== undefined ? { source: q.source } : {}),
          ...(q.min_bytes !== undefined ? { minBytes: q.min_bytes } : {}),
        };
        const page = await ctx.live.page({
          filter,
          sort: q.sort ?? 'bytes',
          order: q.order ?? 'desc',
          limit,
          ...(q.offset !== undefined ? { offset: q.offset } : {}),
          ...(q.cursor !== undefined ? { cursor: q.cursor } : {}),
        });
        return { live: true, ...page };
      },
    }),
  ];
}

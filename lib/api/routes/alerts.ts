// Alerts from lib/alerts when the embedder passes them; an empty list otherwise.
import type { ApiContext } from '../context.js';
import { route } from '../route.js';
import { alertsQuery, alertsResponse } from '../schemas.js';

export function alertRoutes(ctx: ApiContext) {
  return [
    route({
      method: 'get',
      path: '/api/alerts',
      tag: 'alerts',
      summary: 'Recent alerts, newest first, each in its latest state',
      access: 'viewer',
      query: alertsQuery,
      result: alertsResponse,
      handle: ({ query: q }) => {
        const limit = q.limit ?? 100;
        const list = ctx.alerts ? ctx.alerts.list({ limit, ...(q.state !== undefined ? { state: q.state } : {}) }) : [];
        return { enabled: ctx.alerts !== null, alerts: list.slice(0, limit) };
      },
    }),
  ];
}

// Control (admin): stop halts capture but history stays served; start resumes;
// reload applies the config file as SIGHUP does and reports what changed.
import type { ApiContext } from '../context.js';
import { ApiError } from '../errors.js';
import { route, type RouteContext } from '../route.js';
import { controlResponse, emptyBody, emptyQuery, reloadResponse } from '../schemas.js';

export function controlRoutes(ctx: ApiContext) {
  const checkState = () => {
    const state = ctx.view.state;
    if (state === 'stopping' || state === 'stopped') throw new ApiError('invalid_state', `the daemon is ${state}`);
  };
  const who = (c: RouteContext<unknown, unknown>) => ({ by: c.principal?.name, kind: c.principal?.kind });
  const common = { tag: 'control', access: 'admin', limit: 'control', query: emptyQuery, body: emptyBody } as const;
  return [
    route({
      ...common,
      method: 'post',
      path: '/api/control/start',
      summary: 'Resume capture after a stop (no-op when running)',
      result: controlResponse,
      errors: ['invalid_state'],
      handle: async (c) => {
        checkState();
        const before = ctx.view.state;
        await ctx.view.resume();
        ctx.logger.info('control: start', { ...who(c), before, after: ctx.view.state });
        return { state: ctx.view.state, changed: before !== ctx.view.state };
      },
    }),
    route({
      ...common,
      method: 'post',
      path: '/api/control/stop',
      summary: 'Halt capture; history, stats and flows stay readable (no-op when stopped)',
      result: controlResponse,
      errors: ['invalid_state'],
      handle: async (c) => {
        checkState();
        const before = ctx.view.state;
        await ctx.view.pause();
        ctx.logger.info('control: stop', { ...who(c), before, after: ctx.view.state });
        return { state: ctx.view.state, changed: before !== ctx.view.state };
      },
    }),
    route({
      ...common,
      method: 'post',
      path: '/api/control/reload',
      summary: 'Re-read the config file and apply what can change live (as SIGHUP)',
      result: reloadResponse,
      errors: ['invalid_state', 'reload_rejected'],
      handle: async (c) => {
        checkState();
        const result = await ctx.view.reload();
        ctx.logger.info('control: reload', { ...who(c), ok: result.ok, applied: result.applied, restart_required: result.restart_required });
        if (!result.ok) throw new ApiError('reload_rejected', result.error ?? 'the new config was rejected', { extra: { result } });
        return result;
      },
    }),
  ];
}

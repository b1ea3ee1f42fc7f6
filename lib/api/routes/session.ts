// Login sessions: POST /api/login (scrypt check, then a session cookie and
// token), POST /api/logout, GET /api/session (who am I; is login needed).
import type { Request } from 'express';
import { verifyPassword } from '../../auth/password.js';
import { readCookie, SESSION_COOKIE, type Principal } from '../auth/access.js';
import type { ApiContext } from '../context.js';
import { ApiError } from '../errors.js';
import { route } from '../route.js';
import { emptyBody, emptyQuery, loginBody, loginResponse, okResponse, sessionResponse } from '../schemas.js';
import { clientKey } from '../address.js';

function cookieOptions(req: Request, maxAgeMs?: number) {
  return {
    httpOnly: true,
    sameSite: 'strict' as const,
    // req.secure: TLS here, or X-Forwarded-Proto from a trusted proxy.
    secure: req.secure,
    path: req.baseUrl || '/',
    ...(maxAgeMs !== undefined ? { maxAge: maxAgeMs } : {}),
  };
}

/** The session token a request carries (bearer or cookie), if any. */
function presentedToken(req: Request): string | undefined {
  const m = /^Bearer +([\x21-\x7e]{1,1024}) *$/i.exec(req.get('authorization') ?? '');
  return m ? m[1] : readCookie(req.get('cookie'), SESSION_COOKIE);
}

export function sessionRoutes(ctx: ApiContext) {
  const users = new Map(ctx.api.users.map((u) => [u.username, u]));
  const maxMs = ctx.api.session_max_hours * 3600_000;
  return [
    route({
      method: 'post',
      path: '/api/login',
      tag: 'session',
      summary: 'Log in with a configured user; returns a session token and sets the session cookie',
      access: 'public',
      limit: 'login',
      query: emptyQuery,
      body: loginBody,
      result: loginResponse,
      errors: ['invalid_credentials', 'auth_disabled', 'busy'],
      handle: async ({ req, res, body }) => {
        if (users.size === 0 || !ctx.sessions) {
          throw new ApiError('auth_disabled', ctx.auth.open ? 'no users are configured: the API is open to loopback clients without login' : 'no users are configured: use an API token');
        }
        // Each check costs ~32 MiB and tens of ms of scrypt: a burst from many addresses must not exhaust memory.
        if (ctx.logins.inflight >= ctx.logins.max) throw new ApiError('busy', 'too many logins at once; retry in a second', { headers: { 'Retry-After': '1' } });
        ctx.logins.inflight++;
        let ok: boolean;
        const user = users.get(body.username);
        try {
          ok = await verifyPassword(body.password, user?.password_hash); // unknown user: same work, false
        } finally {
          ctx.logins.inflight--;
        }
        if (!ok || !user) {
          ctx.logger.warn('login failed', { username: body.username.slice(0, 64), client: clientKey(req.ip) });
          throw new ApiError('invalid_credentials', 'unknown user name or wrong password');
        }
        const { token, session } = ctx.sessions.create(user.username);
        res.cookie(SESSION_COOKIE, token, cookieOptions(req, maxMs));
        ctx.logger.info('login', { username: user.username, role: user.role, client: clientKey(req.ip) });
        return {
          token,
          username: user.username,
          role: user.role,
          expires_at: session.expiresMs / 1000,
          idle_timeout_s: ctx.api.session_idle_minutes * 60,
        };
      },
    }),
    route({
      method: 'post',
      path: '/api/logout',
      tag: 'session',
      summary: 'End the session the request carries (cookie or bearer) and clear the cookie',
      access: 'public',
      query: emptyQuery,
      body: emptyBody,
      result: okResponse,
      handle: ({ req, res }) => {
        const token = presentedToken(req);
        if (token !== undefined && ctx.sessions?.revoke(token)) ctx.logger.info('logout', { client: clientKey(req.ip) });
        res.clearCookie(SESSION_COOKIE, cookieOptions(req));
        return { ok: true };
      },
    }),
    route({
      method: 'get',
      path: '/api/session',
      tag: 'session',
      summary: 'Whether login is needed, and who the request is authenticated as',
      access: 'public',
      query: emptyQuery,
      result: sessionResponse,
      handle: ({ req }) => {
        let who: Principal | null = null;
        try {
          who = ctx.auth.authenticate(req);
        } catch (error) {
          if (!(error instanceof ApiError) || error.code !== 'unauthorized') throw error;
        }
        if (!who) return { auth_required: !ctx.auth.open, authenticated: false };
        return {
          auth_required: !ctx.auth.open,
          authenticated: true,
          kind: who.kind,
          name: who.name,
          role: who.role,
          ...(who.session ? { expires_at: who.session.expiresMs / 1000 } : {}),
        };
      },
    }),
  ];
}

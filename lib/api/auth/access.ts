// Who is asking: a login session (cookie or bearer), a configured API token
// (bearer), or — when no users and no tokens are configured — any loopback
// client (open mode). Roles: viewer reads, admin also controls.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Request } from 'express';
import type { ApiConfig, Role } from '../../config/types.js';
import { isLoopbackAddress } from '../address.js';
import { ApiError } from '../errors.js';
import type { Session, SessionStore } from './sessions.js';

export const SESSION_COOKIE = 'wirewatch_session';
/** Query parameters that look like credentials: refused outright, never read. */
export const CREDENTIAL_PARAMS = ['access_token', 'token', 'api_key', 'apikey', 'session'] as const;

export interface Principal {
  kind: 'session' | 'token' | 'open';
  /** User name, token name, or "local" in open mode. */
  name: string;
  role: Role;
  /** Set for sessions. */
  session?: Session;
  /** The session token, when the request carried one (logout needs it). */
  token?: string;
}

const ROLE_RANK: Record<Role, number> = { viewer: 0, admin: 1 };

export function hasRole(principal: Principal, needed: Role): boolean {
  return ROLE_RANK[principal.role] >= ROLE_RANK[needed];
}

const sha256 = (s: string) => createHash('sha256').update(s).digest();
const OPEN_PRINCIPAL: Readonly<Principal> = Object.freeze({ kind: 'open', name: 'local', role: 'admin' });

/** The token of an "Authorization: Bearer <token>" header, or null for any other form. */
function bearerToken(header: string): string | null {
  const m = /^Bearer +([\x21-\x7e]{1,1024}) *$/i.exec(header);
  return m ? m[1]! : null;
}

/** The host name of a Host header as Express's req.hostname reads it (port dropped, IPv6 brackets kept). */
function hostName(host: string | undefined): string | undefined {
  if (!host) return undefined;
  const offset = host[0] === '[' ? host.indexOf(']') + 1 : 0;
  const colon = host.indexOf(':', offset);
  return colon === -1 ? host : host.slice(0, colon);
}

/** The value of cookie `name` in a Cookie header, or undefined. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header || header.length > 8192) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * Open mode admits a request only if it comes from loopback: the socket's peer
 * and, behind a trusted proxy, the forwarded client too (a local reverse proxy
 * must not make the whole internet "local").
 */
export function isLocalRequest(req: Pick<Request, 'socket' | 'ip'>, trustProxy: boolean): boolean {
  if (!isLoopbackAddress(req.socket.remoteAddress)) return false;
  return !trustProxy || isLoopbackAddress(req.ip);
}

/** Tokens in URLs end up in logs and browser history: such a request is refused, whatever else it carries. */
export function refuseQueryCredentials(req: Pick<Request, 'query'>): void {
  const query = req.query as Record<string, unknown>;
  for (const p of CREDENTIAL_PARAMS) {
    if (Object.hasOwn(query, p)) {
      throw new ApiError('credentials_in_query', `"${p}" in the query string is refused: send credentials as "Authorization: Bearer <token>" or the session cookie`);
    }
  }
}

/** localhost names and loopback IPs (a Host header's hostname, brackets allowed). */
export function isLoopbackHost(hostname: string | undefined): boolean {
  if (typeof hostname !== 'string') return false;
  const h = hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
  return h === 'localhost' || h.endsWith('.localhost') || isLoopbackAddress(h);
}

export class Authenticator {
  readonly open: boolean;
  readonly #users: Map<string, Role>;
  readonly #tokens: Array<{ name: string; role: Role; hash: Buffer }>;
  readonly #sessions: SessionStore | null;
  readonly #trustProxy: boolean;

  constructor(api: Pick<ApiConfig, 'users' | 'tokens' | 'trust_proxy'>, sessions: SessionStore | null) {
    this.open = api.users.length === 0 && api.tokens.length === 0;
    this.#users = new Map(api.users.map((u) => [u.username, u.role]));
    // Hashed once: comparing fixed-length digests in constant time hides the token's length too.
    this.#tokens = api.tokens.map((t) => ({ name: t.name, role: t.role, hash: sha256(t.token) }));
    this.#sessions = sessions;
    this.#trustProxy = api.trust_proxy;
  }

  /**
   * Rejects requests that are not allowed to talk to us at all. Open mode has
   * no credentials, so a browser on this host must not be turned against it:
   * the Host must be a loopback name (a DNS-rebinding page has its own name
   * there) and a POST must come from our own origin (no cross-site forms).
   */
  admit(req: Request): void {
    if (!this.open) return;
    if (!isLocalRequest(req, this.#trustProxy)) {
      throw new ApiError('loopback_only', 'this API has no users or tokens configured and answers loopback clients only');
    }
    if (!isLoopbackHost(req.hostname)) {
      throw new ApiError('loopback_only', `Host ${JSON.stringify(req.hostname ?? '')} is not a loopback name: without users or tokens the API answers only requests to localhost or a loopback address`);
    }
    if (!['GET', 'HEAD', 'OPTIONS'].includes(req.method)) this.#sameOrigin(req, 'this API without credentials');
  }

  /** The principal of a request, or an ApiError (401 unauthorized, 400 credentials_in_query, 403 cross_origin). */
  authenticate(req: Request): Principal {
    refuseQueryCredentials(req);
    if (this.open) return { ...OPEN_PRINCIPAL };

    const header = req.get('authorization');
    if (header !== undefined) {
      const token = bearerToken(header);
      if (token === null) throw this.#unauthorized('the Authorization header must be "Bearer <token>"');
      const principal = this.#bearer(token);
      if (!principal) throw this.#unauthorized('unknown or expired token');
      return principal;
    }

    const cookie = readCookie(req.get('cookie'), SESSION_COOKIE);
    if (cookie !== undefined) {
      const principal = this.#session(cookie);
      if (!principal) throw this.#unauthorized('the session has expired or was ended; log in again');
      if (!['GET', 'HEAD', 'OPTIONS'].includes(req.method)) this.#sameOrigin(req, 'the session cookie');
      return principal;
    }
    throw this.#unauthorized('log in (POST /api/login) or send "Authorization: Bearer <token>"');
  }

  /**
   * The principal of a plain GET, decided from the raw request without
   * Express, for answers served before it (lib/api/quick-answers.ts). Null
   * whenever admit() + authenticate() might refuse or decide otherwise; the
   * caller then hands the request to Express, which also words the refusal.
   * Credentials in the query are not looked at: the caller only serves URLs
   * that Express has already accepted, and that check depends on the URL alone.
   */
  principalOfRead(req: IncomingMessage): Principal | null {
    if (req.method !== 'GET') return null;
    if (this.open) {
      // Behind a trusted proxy the client and the host come from forwarded headers: Express decides.
      if (this.#trustProxy || !isLoopbackAddress(req.socket.remoteAddress)) return null;
      return isLoopbackHost(hostName(req.headers.host)) ? { ...OPEN_PRINCIPAL } : null;
    }
    const header = req.headers.authorization;
    if (header !== undefined) {
      const token = bearerToken(header);
      return token === null ? null : this.#bearer(token);
    }
    const cookie = readCookie(req.headers.cookie, SESSION_COOKIE);
    return cookie === undefined ? null : this.#session(cookie);
  }

  /** Role of a configured user now (a user removed from the config loses their sessions). */
  userRole(username: string): Role | undefined {
    return this.#users.get(username);
  }

  /** A bearer token is an API token from the config or a session token. */
  #bearer(token: string): Principal | null {
    return this.#apiToken(token) ?? this.#session(token);
  }

  #apiToken(token: string): Principal | null {
    const hash = sha256(token);
    let found: Principal | null = null;
    // No early exit: every configured token is compared.
    for (const t of this.#tokens) {
      if (timingSafeEqual(hash, t.hash) && found === null) found = { kind: 'token', name: t.name, role: t.role };
    }
    return found;
  }

  #session(token: string): Principal | null {
    const session = this.#sessions?.lookup(token);
    if (!session) return null;
    const role = this.#users.get(session.username);
    if (!role) {
      this.#sessions!.revoke(token);
      return null;
    }
    return { kind: 'session', name: session.username, role, session, token };
  }

  /** Cookies (and open mode's implicit trust) ride along on cross-site requests: a POST must come from our own pages. */
  #sameOrigin(req: Request, what: string): void {
    const site = req.get('sec-fetch-site');
    if (site !== undefined && site !== 'same-origin' && site !== 'none') {
      throw new ApiError('cross_origin', `${site} requests cannot use ${what}`);
    }
    const origin = req.get('origin');
    if (origin !== undefined && origin !== `${req.protocol}://${req.get('host')}`) {
      throw new ApiError('cross_origin', `requests from origin ${origin} cannot use ${what}`);
    }
  }

  #unauthorized(message: string): ApiError {
    return new ApiError('unauthorized', message, { headers: { 'WWW-Authenticate': 'Bearer realm="wirewatch"' } });
  }
}

// A route is declared once — method, path, who may call it, its query and
// body schemas, what it answers — and both the Express handler and the
// OpenAPI operation are made from that declaration.
import type { Request, Response } from 'express';
import type { z } from 'zod';
import type { Principal } from './auth/access.js';
import type { ApiErrorCode } from './errors.js';

/** public: anyone (open mode: loopback only); metrics: public unless api.metrics_auth. */
export type Access = 'public' | 'viewer' | 'admin' | 'metrics';

export interface RouteContext<Q, B> {
  req: Request;
  res: Response;
  query: Q;
  body: B;
  /** Null on public routes. */
  principal: Principal | null;
}

export interface RouteSpec<Q = unknown, B = unknown> {
  method: 'get' | 'post';
  path: string;
  tag: string;
  summary: string;
  description?: string;
  access: Access;
  query: z.ZodType<Q>;
  /** Absent: no body accepted. */
  body?: z.ZodType<B>;
  /** Per-client rate limit applied before authentication. */
  limit?: 'login' | 'control';
  /** What a 200 carries: a JSON schema (zod), Prometheus text, or an event stream. */
  result: z.ZodType | 'prometheus' | 'event-stream';
  /** Error codes this route answers besides the ones its access, query and limit imply. */
  errors?: ApiErrorCode[];
  /**
   * True when this query's answer depends only on the query and the latest
   * snapshot (not on who asks): it is then served from a cache until the next
   * snapshot (lib/api/answer-cache.ts). Access is still checked per request.
   */
  cacheable?: (query: Q) => boolean;
  /** Returns the JSON body, or undefined when it wrote the response itself. */
  handle(ctx: RouteContext<Q, B>): unknown;
}

/** Keeps the query/body types of one route (a list of routes is RouteSpec<any, any>[]). */
export function route<Q, B = undefined>(spec: RouteSpec<Q, B>): RouteSpec<Q, B> {
  return spec;
}

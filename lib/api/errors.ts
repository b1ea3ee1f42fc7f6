// The catalogue of API errors (DESIGN §7, §8): every failure the API answers
// with is an ApiError whose `code` is stable and documented here, sent as
// `{ "error": { "code", "message" } }` with the status the code maps to.
import type { ErrorRequestHandler, Response } from 'express';
import { StoreError } from '../store/errors.js';

export const API_ERRORS = {
  invalid_query: { status: 400, doc: 'a query parameter is missing, unknown, repeated or out of range (the message names it)' },
  invalid_body: { status: 400, doc: 'the JSON body does not match the schema, or is not JSON' },
  credentials_in_query: { status: 400, doc: 'a token was passed in the query string; send it as `Authorization: Bearer` instead (URLs end up in logs)' },
  unauthorized: { status: 401, doc: 'no credentials, or the session/token is unknown or expired' },
  invalid_credentials: { status: 401, doc: 'login: unknown user name or wrong password' },
  forbidden: { status: 403, doc: 'authenticated, but the role does not allow this (control needs admin)' },
  loopback_only: { status: 403, doc: 'no users or tokens are configured: the API answers loopback clients only' },
  cross_origin: { status: 403, doc: 'a cookie-authenticated POST came from another origin' },
  not_found: { status: 404, doc: 'no such route' },
  auth_disabled: { status: 409, doc: 'login: no users are configured (the API is open to loopback clients)' },
  invalid_state: { status: 409, doc: 'control: the daemon is stopping or stopped' },
  reload_rejected: { status: 409, doc: 'reload: the new config was rejected; the old one stays in force' },
  body_too_large: { status: 413, doc: 'the request body is larger than 16 KiB' },
  rate_limited: { status: 429, doc: 'too many login or control requests from this client; retry after Retry-After seconds' },
  internal: { status: 500, doc: 'an unexpected failure (logged)' },
  not_ready: { status: 503, doc: 'readiness: a check failed (see checks)' },
  no_snapshot: { status: 503, doc: 'the pipeline has not produced a snapshot yet' },
  storage_disabled: { status: 503, doc: 'history needs storage, which is disabled' },
  storage_unavailable: { status: 503, doc: 'the history database failed (logged)' },
  busy: { status: 503, doc: 'too many logins or streams at once; retry shortly' },
} as const;

export type ApiErrorCode = keyof typeof API_ERRORS;

export class ApiError extends Error {
  readonly code: ApiErrorCode;
  readonly status: number;
  readonly headers: Record<string, string>;
  /** Extra top-level fields of the error body (e.g. readiness checks). */
  readonly extra: Record<string, unknown>;

  constructor(code: ApiErrorCode, message: string, options: { headers?: Record<string, string>; extra?: Record<string, unknown> } = {}) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.status = API_ERRORS[code].status;
    this.headers = options.headers ?? {};
    this.extra = options.extra ?? {};
  }
}

export function sendError(res: Response, error: ApiError): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.status(error.status).set(error.headers).json({ error: { code: error.code, message: error.message }, ...error.extra });
}

/** body-parser's errors carry `type`; map the ones a client can cause. */
function fromBodyParser(error: { type?: unknown; message?: string }): ApiError | null {
  switch (error.type) {
    case 'entity.parse.failed':
      return new ApiError('invalid_body', 'the body is not valid JSON');
    case 'entity.too.large':
      return new ApiError('body_too_large', 'the body is larger than 16 KiB');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new ApiError('invalid_body', 'the body must be UTF-8 JSON');
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
      return new ApiError('invalid_body', error.message ?? 'the body could not be read');
    default:
      return null;
  }
}

/**
 * Runs a store query. The store re-checks its arguments and throws a
 * RangeError/TypeError naming the bad one (DESIGN §8): that is the client's
 * mistake (e.g. too many points for the step), so it becomes a 400.
 */
export function storeQuery<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof RangeError || error instanceof TypeError) throw new ApiError('invalid_query', error.message);
    throw error;
  }
}

/** The last handler: everything thrown or rejected in a route ends here. */
export function errorHandler(log: (message: string, context: Record<string, unknown>) => void): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    if (error instanceof ApiError) return sendError(res, error);
    const parsed = error && typeof error === 'object' ? fromBodyParser(error as { type?: unknown }) : null;
    if (parsed) return sendError(res, parsed);
    if (error instanceof StoreError) {
      log('history query failed', { code: error.code, error: error.message, path: req.path });
      return sendError(res, new ApiError('storage_unavailable', 'the history database is unavailable'));
    }
    const message = error instanceof Error ? error.message : String(error);
    log('request failed', { method: req.method, path: req.path, error: message, stack: error instanceof Error ? error.stack : undefined });
    return sendError(res, new ApiError('internal', 'internal error'));
  };
}

// helmet's security headers, worked out once. For a given config its
// middlewares only set fixed headers, yet running its chain of a dozen
// middlewares on every request cost about 40 µs of the ~250 µs a request took
// on the benchmark machine (bench/RESULTS.md §6). helmet stays the source of
// truth: it runs once, against a response that records what it sets.
import type { RequestHandler } from 'express';
import helmet, { type HelmetOptions } from 'helmet';

/** wirewatch's policy: same-origin everything (the dashboard loads nothing from elsewhere). */
export const SECURITY_POLICY: HelmetOptions = {
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'"],
      imgSrc: ["'self'"],
      fontSrc: ["'self'"],
      connectSrc: ["'self'"],
      objectSrc: ["'none'"],
      baseUri: ["'self'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
    },
  },
  // TLS is a reverse proxy's business (plain HTTP on loopback is the default): HSTS belongs there.
  strictTransportSecurity: false,
};

/** The headers helmet sets for these options, names in lower case. */
export function securityHeaderSet(options: HelmetOptions): Map<string, string> {
  const headers = new Map<string, string>();
  const recorder = {
    setHeader(name: string, value: unknown) {
      headers.set(name.toLowerCase(), String(value));
    },
    removeHeader(name: string) {
      headers.delete(name.toLowerCase());
    },
  };
  let finished = false;
  helmet(options)({} as never, recorder as never, (error?: unknown) => {
    if (error) throw error;
    finished = true;
  });
  // A helmet that needed the request or answered asynchronously would make a fixed set wrong.
  if (!finished || headers.size === 0) throw new Error('helmet did not produce a fixed set of headers');
  return headers;
}

/** Middleware setting a fixed header set (securityHeaderSet). */
export function securityHeaders(headers: Map<string, string>): RequestHandler {
  return (_req, res, next) => {
    res.setHeaders(headers);
    next();
  };
}

// Kept answers (lib/api/answer-cache.ts) served straight from node:http,
// before Express. Pollers of /api/stats and /api/flows mostly get a kept
// answer, and for those Express's routing and middleware cost more than the
// answer itself: ~130 of ~220 µs of API-thread CPU per request on the
// benchmark machine (bench/RESULTS.md §6), CPU a full-speed replay would
// otherwise have.
//
// The rule that keeps this safe: anything unusual goes to Express, which
// also words every refusal. A request is answered here only if it is a plain
// unconditional GET without a body, for exactly a URL whose answer Express built and kept,
// from a caller the Authenticator accepts from headers alone with the role
// that answer needs; the headers are the ones Express would send.
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { keptAnswerKey, type AnswerCache } from './answer-cache.js';
import { hasRole, type Authenticator } from './auth/access.js';

export interface QuickAnswersOptions {
  answers: AnswerCache;
  auth: Authenticator;
  /** Every header the Express path sets on such an answer besides Content-Type and Content-Length. */
  headers: Map<string, string>;
}

export class QuickAnswers {
  readonly #answers: AnswerCache;
  readonly #auth: Authenticator;
  readonly #headers: Map<string, string>;
  #served = 0;

  constructor(options: QuickAnswersOptions) {
    this.#answers = options.answers;
    this.#auth = options.auth;
    this.#headers = options.headers;
  }

  /** Requests answered here so far. */
  get served(): number {
    return this.#served;
  }

  /** A listener for node:http that answers what it can and hands the rest to `app`. */
  before(app: RequestListener): RequestListener {
    return (req, res) => {
      if (!this.#answer(req, res)) app(req, res);
    };
  }

  /** True when it answered the request. */
  #answer(req: IncomingMessage, res: ServerResponse): boolean {
    const h = req.headers;
    // A body (even an empty JSON one) is for Express to parse and refuse; a
    // conditional request may get a 304 from it (`If-None-Match: *`).
    if (req.method !== 'GET' || h['content-length'] !== undefined || h['transfer-encoding'] !== undefined) return false;
    if (h['if-none-match'] !== undefined || h['if-modified-since'] !== undefined) return false;
    const kept = this.#answers.get(keptAnswerKey('get', req.url!));
    if (!kept) return false;
    let principal;
    try {
      principal = this.#auth.principalOfRead(req);
    } catch {
      // The session store failed (e.g. SQLITE_BUSY while the history writer holds the lock):
      // Express answers that with a 500; thrown from here it would end the process.
      return false;
    }
    if (!principal || !hasRole(principal, kept.needs)) return false;
    res.setHeaders(this.#headers);
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.setHeader('Content-Length', kept.body.length);
    res.end(kept.body);
    this.#served++;
    return true;
  }
}

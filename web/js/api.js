// The HTTP API as the dashboard uses it (DESIGN §7). The session lives in an
// HttpOnly cookie set by POST /api/login, so every call is a same-origin fetch
// with credentials; nothing secret is kept in JavaScript.

/** An API answer with status >= 400, carrying the `{ error: { code, message } }` body. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

/** Listeners told when a call came back 401 (the session is gone: show the login). */
const unauthorizedListeners = new Set();
export function onUnauthorized(listener) {
  unauthorizedListeners.add(listener);
}

async function request(method, path, { query, body, quiet401 = false } = {}) {
  let url = path;
  if (query) {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
    const qs = params.toString();
    if (qs) url += `?${qs}`;
  }
  const init = { method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const res = await fetch(url, init);
  const text = await res.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!res.ok) {
    const err = data && typeof data === 'object' && data.error ? data.error : {};
    const error = new ApiError(res.status, err.code ?? `http_${res.status}`, err.message ?? res.statusText ?? 'request failed');
    if (res.status === 401 && !quiet401) for (const l of unauthorizedListeners) l(error);
    throw error;
  }
  return data;
}

export const api = {
  /** { auth_required, authenticated, kind?, name?, role? }: never 401, so asking costs no console error. */
  session: () => request('GET', '/api/session'),
  login: (username, password) => request('POST', '/api/login', { body: { username, password }, quiet401: true }),
  logout: () => request('POST', '/api/logout', { quiet401: true }),
  stats: (window) => request('GET', '/api/stats', { query: { window } }),
  /** Live flows (sort, offset) or, with ended: 1 and from/to, ended flows from the history (cursor). */
  flows: (query) => request('GET', '/api/flows', { query }),
  history: (query) => request('GET', '/api/history', { query }),
  topTalkers: (query) => request('GET', '/api/top-talkers', { query }),
  alerts: (query) => request('GET', '/api/alerts', { query }),
};

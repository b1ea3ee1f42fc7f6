// The live feed: one EventSource on /api/stream. The browser reconnects by
// itself after a dropped connection (daemon restart); when the server refuses
// the stream outright (EventSource goes CLOSED, e.g. 401 or 503) we find out
// why: a lost session shows the login, anything else retries with backoff. A
// watchdog also reopens a stream that went silent without an error.
import { api } from './api.js';

const SILENCE_MS = 6000;
const MAX_BACKOFF_MS = 10_000;

/**
 * Events (CustomEvent.detail):
 *  - snapshot: the snapshot object sent every second
 *  - alert: one alert object (when the stream carries alerts)
 *  - status: 'connecting' | 'live' | 'reconnecting'
 *  - unauthorized: the session is gone (the stream will not come back without a login)
 */
export class LiveStream extends EventTarget {
  #url;
  #source = null;
  #status = 'connecting';
  #lastMessage = 0;
  #watchdog = 0;
  #retryTimer = 0;
  #backoff = 1000;
  #running = false;

  constructor(url = '/api/stream') {
    super();
    this.#url = url;
  }

  get status() {
    return this.#status;
  }

  start() {
    if (this.#running) return;
    this.#running = true;
    this.#open();
    this.#watchdog = window.setInterval(() => this.#checkSilence(), 1000);
  }

  stop() {
    this.#running = false;
    window.clearInterval(this.#watchdog);
    window.clearTimeout(this.#retryTimer);
    this.#close();
    this.#setStatus('connecting');
  }

  #open() {
    this.#close();
    const source = new EventSource(this.#url, { withCredentials: true });
    this.#source = source;
    this.#lastMessage = Date.now();
    const onData = (e) => {
      if (source !== this.#source) return;
      this.#lastMessage = Date.now();
      this.#backoff = 1000;
      this.#setStatus('live');
      let data;
      try {
        data = JSON.parse(e.data);
      } catch {
        return; // a comment or keep-alive
      }
      this.#dispatch(e.type, data);
    };
    // Named events and unnamed ones: whichever the server uses.
    for (const type of ['message', 'snapshot', 'alert', 'alerts']) source.addEventListener(type, onData);
    source.addEventListener('open', () => {
      if (source !== this.#source) return;
      this.#lastMessage = Date.now();
    });
    source.addEventListener('error', () => {
      if (source !== this.#source) return;
      if (source.readyState === EventSource.CLOSED) {
        this.#setStatus('reconnecting');
        void this.#diagnose();
      } else {
        // CONNECTING: the browser retries on its own.
        this.#setStatus('reconnecting');
      }
    });
  }

  #dispatch(type, data) {
    if (type === 'alert') {
      this.dispatchEvent(new CustomEvent('alert', { detail: data }));
      return;
    }
    if (type === 'alerts') {
      for (const a of Array.isArray(data) ? data : [data]) this.dispatchEvent(new CustomEvent('alert', { detail: a }));
      return;
    }
    // A snapshot may carry new alerts along with it.
    if (data && Array.isArray(data.alerts)) for (const a of data.alerts) this.dispatchEvent(new CustomEvent('alert', { detail: a }));
    this.dispatchEvent(new CustomEvent('snapshot', { detail: data }));
  }

  #close() {
    if (this.#source) {
      this.#source.close();
      this.#source = null;
    }
  }

  #checkSilence() {
    if (!this.#running || !this.#source) return;
    if (Date.now() - this.#lastMessage > SILENCE_MS && this.#source.readyState !== EventSource.CONNECTING) {
      this.#setStatus('reconnecting');
      this.#close();
      void this.#diagnose();
    }
  }

  /** The stream was refused or went silent: is the session gone (→ login) or the daemon (→ retry)? */
  async #diagnose() {
    this.#close();
    try {
      const s = await api.session();
      if (s.auth_required && !s.authenticated) {
        this.dispatchEvent(new CustomEvent('unauthorized'));
        return;
      }
    } catch {
      // The daemon is down or starting: retry below.
    }
    if (!this.#running) return;
    window.clearTimeout(this.#retryTimer);
    this.#retryTimer = window.setTimeout(() => {
      if (this.#running) this.#open();
    }, this.#backoff);
    this.#backoff = Math.min(this.#backoff * 2, MAX_BACKOFF_MS);
  }

  #setStatus(status) {
    if (status === this.#status) return;
    this.#status = status;
    this.dispatchEvent(new CustomEvent('status', { detail: status }));
  }
}

// The alerts panel: the list from /api/alerts, kept current by alert events from
// the stream. An alert's firing and resolved events share one id: the newest wins.
import { api } from './api.js';
import { $, h, setText } from './dom.js';
import { formatDuration, formatTime } from './format.js';

const MAX_SHOWN = 200;

export class AlertsView {
  /** id → AlertEvent (lib/alerts/types.ts) */
  #alerts = new Map();
  #loaded = false;
  #enabled = true;
  #loading = null;

  /** Loads (or reloads) the list; live events keep it current afterwards. */
  load() {
    this.#loading ??= (async () => {
      try {
        const res = await api.alerts({ limit: MAX_SHOWN });
        for (const a of res?.alerts ?? []) this.#merge(a);
        this.#loaded = true;
        this.#enabled = res?.enabled !== false;
        setText($('alerts-note'), '');
      } catch (error) {
        setText($('alerts-note'), `could not load alerts: ${error.message}`);
      } finally {
        this.#loading = null;
        this.#render();
      }
    })();
    return this.#loading;
  }

  add(alert) {
    if (!alert || typeof alert !== 'object' || alert.id === undefined) return;
    this.#merge(alert);
    this.#render();
  }

  #merge(a) {
    const old = this.#alerts.get(a.id);
    if (!old || (a.time ?? 0) >= (old.time ?? 0)) this.#alerts.set(a.id, a);
    // Bounded: a long-open page forgets the oldest resolved alerts.
    if (this.#alerts.size > 2 * MAX_SHOWN) {
      const oldest = [...this.#alerts.values()].filter((x) => x.state !== 'firing').sort((x, y) => (x.time ?? 0) - (y.time ?? 0));
      for (const x of oldest.slice(0, this.#alerts.size - MAX_SHOWN)) this.#alerts.delete(x.id);
    }
  }

  #render() {
    const list = [...this.#alerts.values()].sort((a, b) => (b.time ?? 0) - (a.time ?? 0)).slice(0, MAX_SHOWN);
    const firing = list.filter((a) => a.state === 'firing').length;
    const badge = $('alert-badge');
    badge.hidden = firing === 0;
    setText(badge, String(firing));
    badge.setAttribute('aria-label', `${firing} firing`);
    const ul = $('alerts-list');
    if (list.length === 0) {
      ul.replaceChildren(h('li', { class: 'empty' }, !this.#loaded ? 'Loading…' : this.#enabled ? 'No alerts. Rules and baselines are watching.' : 'No alerts: alerting is not enabled.'));
      return;
    }
    ul.replaceChildren(
      ...list.map((a) =>
        h(
          'li',
          { dataset: { id: String(a.id), state: a.state } },
          h('span', { class: `sev ${a.severity}` }, a.severity),
          h(
            'div',
            { class: 'alert-main' },
            h('div', null, h('span', { class: 'alert-name' }, a.rule), ' ', h('span', { class: `alert-state ${a.state}` }, a.state === 'resolved' ? '· resolved' : '· firing'), a.host ? ` · ${a.host}` : '', a.source ? ` · ${a.source}` : ''),
            h('div', { class: 'alert-reason' }, a.reason),
          ),
          h(
            'span',
            { class: 'alert-time', title: `started ${formatTime(a.started_at)}${a.resolved_at ? `, resolved ${formatTime(a.resolved_at)}` : ''}` },
            formatTime(a.started_at),
            a.resolved_at ? ` (${formatDuration(a.resolved_at - a.started_at)})` : '',
          ),
        ),
      ),
    );
  }
}

// The history view: a range (last hour / day / week, or custom) → /api/history
// chart by protocol class, the top talkers and the flows of that range.
// Clicking the chart narrows the range around the click; dragging selects one;
// "Zoom out" steps back. "Now" is the daemon's data time (packet time for a
// replay), so a replayed capture has a history too.
import { api, ApiError } from './api.js';
import { TimeChart, seriesColor } from './chart.js';
import { $, h, setText } from './dom.js';
import { formatBits, formatBytes, formatDuration, formatInt, formatPercent, formatTime, fromLocalInput, toLocalInput } from './format.js';
import { FlowTable } from './flows.js';

const CLASSES = [
  ['tcp', 'TCP', 0],
  ['udp', 'UDP', 1],
  ['icmp', 'ICMP', 2],
  ['other', 'other', 3],
];
const ALL_CLASSES = [...CLASSES, ['ipv4', 'IPv4', 4], ['ipv6', 'IPv6', 5]];
const MIN_SPAN = 10;
const TOP_ROWS = 10;

export class HistoryView {
  #now;
  #range = null;
  #stack = [];
  #chart;
  #flows;
  #seq = 0;
  #opened = false;

  /** @param {() => number} now the latest data time, unix seconds */
  constructor(now) {
    this.#now = now;
    this.#chart = new TimeChart($('chart-history'), {
      series: CLASSES.map(([, label, color]) => ({ label, colorIndex: color })),
      format: (v, axis) => (axis ? formatBits(v).replace(' b/s', '').replace('b/s', '') : formatBits(v)),
      onClick: (x) => this.#zoomAround(x),
      onSelect: (x0, x1) => this.#zoomTo(x0, x1),
    });
    this.#flows = new FlowTable($('hist-flows'), {
      id: 'hist-flows',
      label: 'Flows in the selected range',
      // Ended flows of the range, newest first, paged by cursor (no sort or state for ended flows).
      fetchPage: (q) => (this.#range ? api.flows({ ...q, ended: 1, from: this.#range.from, to: this.#range.to }) : Promise.resolve({ flows: [] })),
      sorts: {},
      defaultSort: 'last',
      paging: 'cursor',
      now: () => this.#range?.to ?? this.#now(),
    });
    for (const input of document.querySelectorAll('input[name="hist-range"]')) {
      input.addEventListener('change', () => this.#preset(input.value));
    }
    $('hist-custom').addEventListener('submit', (e) => {
      e.preventDefault();
      const from = fromLocalInput(/** @type {HTMLInputElement} */ ($('hist-from')).value);
      const to = fromLocalInput(/** @type {HTMLInputElement} */ ($('hist-to')).value);
      if (!(from < to)) {
        setText($('hist-range-text'), 'Pick a start before the end.');
        return;
      }
      this.#set({ from, to }, true);
    });
    $('hist-zoom-out').addEventListener('click', () => {
      const prev = this.#stack.pop();
      if (prev) this.#set(prev, false);
    });
  }

  /** Called when the view is shown: the first time, load the last hour. */
  show() {
    if (!this.#opened) {
      this.#opened = true;
      this.#preset('3600');
    }
  }

  #preset(value) {
    const custom = value === 'custom';
    $('hist-custom').hidden = !custom;
    if (custom) {
      const r = this.#range ?? this.#last(3600);
      /** @type {HTMLInputElement} */ ($('hist-from')).value = toLocalInput(r.from);
      /** @type {HTMLInputElement} */ ($('hist-to')).value = toLocalInput(r.to);
      /** @type {HTMLInputElement} */ ($('hist-from')).focus();
      return;
    }
    this.#stack = [];
    this.#set(this.#last(Number(value)), false);
  }

  #last(span) {
    const to = Math.ceil(this.#now());
    return { from: to - span, to };
  }

  #zoomAround(x) {
    if (!this.#range || !Number.isFinite(x)) return;
    const span = Math.max(MIN_SPAN, Math.round((this.#range.to - this.#range.from) / 6));
    let from = Math.round(x - span / 2);
    from = Math.max(this.#range.from, Math.min(from, this.#range.to - span));
    this.#set({ from, to: from + span }, true);
  }

  #zoomTo(x0, x1) {
    let from = Math.floor(Math.min(x0, x1));
    let to = Math.ceil(Math.max(x0, x1));
    if (to - from < MIN_SPAN) to = from + MIN_SPAN;
    this.#set({ from, to }, true);
  }

  #set(range, push) {
    if (push && this.#range) this.#stack.push(this.#range);
    this.#range = range;
    /** @type {HTMLButtonElement} */ ($('hist-zoom-out')).disabled = this.#stack.length === 0;
    setText($('hist-range-text'), `${formatTime(range.from)} → ${formatTime(range.to)} (${formatDuration(range.to - range.from)})`);
    void this.#load();
    this.#flows.refresh({ resetPage: true });
  }

  async #load() {
    const seq = ++this.#seq;
    const { from, to } = this.#range;
    const chartEl = $('chart-history');
    chartEl.setAttribute('aria-busy', 'true');
    try {
      const [hist, talkers] = await Promise.all([api.history({ from, to }), this.#talkers(from, to)]);
      if (seq !== this.#seq) return;
      this.#renderChart(hist);
      this.#renderTalkers(talkers);
    } catch (error) {
      if (seq !== this.#seq) return;
      if (error instanceof ApiError && error.status === 401) return;
      setText($('hist-range-text'), `Could not load the history: ${error.message}`);
    } finally {
      if (seq === this.#seq) chartEl.removeAttribute('aria-busy');
    }
  }

  async #talkers(from, to) {
    const res = await api.topTalkers({ from, to, limit: TOP_ROWS });
    return res?.hosts ?? [];
  }

  #renderChart(hist) {
    const step = hist.step || 1;
    const start = hist.from;
    const n = Math.max(0, Math.ceil((hist.to - start) / step));
    const xs = new Array(n);
    for (let i = 0; i < n; i++) xs[i] = start + i * step;
    // Steps without packets are absent from the answer: they are zeros, not gaps.
    const series = CLASSES.map(([cls]) => {
      const ys = new Array(n).fill(0);
      for (const p of hist.series?.[cls] ?? []) {
        const i = Math.round((p.ts - start) / step);
        if (i >= 0 && i < n) ys[i] = p.bps;
      }
      return ys;
    });
    this.#chart.setData([xs, ...series]);
    const el = $('chart-history');
    el.dataset.points = String(CLASSES.reduce((sum, [cls]) => sum + (hist.series?.[cls]?.length ?? 0), 0));
    el.dataset.from = String(hist.from);
    el.dataset.to = String(hist.to);

    const totals = Object.fromEntries(ALL_CLASSES.map(([cls]) => [cls, { bytes: 0, packets: 0 }]));
    for (const [cls] of ALL_CLASSES) {
      for (const p of hist.series?.[cls] ?? []) {
        totals[cls].bytes += p.bytes;
        totals[cls].packets += p.packets;
      }
    }
    let peak = 0;
    for (let i = 0; i < n; i++) peak = Math.max(peak, series.reduce((s, ys) => s + ys[i], 0));
    const bytes = CLASSES.reduce((s, [cls]) => s + totals[cls].bytes, 0);
    const packets = CLASSES.reduce((s, [cls]) => s + totals[cls].packets, 0);
    setText($('hist-bytes'), formatBytes(bytes));
    setText($('hist-packets'), formatInt(packets));
    setText($('hist-peak'), formatBits(peak));
    setText($('hist-step'), `${formatDuration(step)}${hist.resolution === 'minute' ? ' (minute rollups)' : ''}`);
    $('hist-proto-body').replaceChildren(
      ...ALL_CLASSES.map(([cls, label, color], i) => {
        const share = bytes > 0 ? totals[cls].bytes / bytes : 0;
        return h(
          'tr',
          { class: i === 4 ? 'subtotal' : null },
          h('td', null, h('span', { class: 'proto-dot', style: { background: seriesColor(color) }, 'aria-hidden': 'true' }), label),
          h('td', { title: formatPercent(share) }, h('div', { class: 'sharebar' }, h('span', { style: { width: `${(share * 100).toFixed(1)}%` } }))),
          h('td', { class: 'num' }, formatBytes(totals[cls].bytes)),
          h('td', { class: 'num' }, formatInt(totals[cls].packets)),
        );
      }),
    );
  }

  #renderTalkers(list) {
    const total = list.reduce((s, t) => Math.max(s, t.bytes), 0);
    const rows = [];
    for (let i = 0; i < TOP_ROWS; i++) {
      const t = list[i];
      if (!t) {
        rows.push(h('tr', { class: 'filler' }, h('td', { class: i === 0 ? 'empty' : null, colspan: '4' }, i === 0 ? 'No flows ended in this range.' : '\u00a0')));
        continue;
      }
      const share = total > 0 ? t.bytes / total : 0;
      rows.push(
        h(
          'tr',
          null,
          h('td', { title: t.ip }, t.ip),
          h('td', { title: `${formatBytes(t.bytes_sent ?? 0)} sent, ${formatBytes(t.bytes_received ?? 0)} received` }, h('div', { class: 'sharebar' }, h('span', { style: { width: `${(share * 100).toFixed(1)}%` } }))),
          h('td', { class: 'num' }, formatBytes(t.bytes)),
          h('td', { class: 'num' }, formatInt(t.flows ?? 0)),
        ),
      );
    }
    $('hist-talkers-body').replaceChildren(...rows);
  }
}

// The live view: bandwidth per source (bits/s and packets/s over the chosen
// window, last 5 minutes), protocol breakdown and top talkers, all fed by the
// stream's snapshots. Every window's series is kept, so switching 1/10/60 s is
// instant. The connections table is its own module (flows.js).
import { api } from './api.js';
import { TimeChart, seriesColor } from './chart.js';
import { $, h, setText } from './dom.js';
import { formatBits, formatCount, formatInt, formatPercent, formatRate } from './format.js';

const SPAN_S = 300; // 5 minutes on screen
const CAPACITY = 300; // points kept per series
const TOP_ROWS = 10;
const PROTO_ROWS = [
  ['tcp', 'TCP', 0],
  ['udp', 'UDP', 1],
  ['icmp', 'ICMP', 2],
  ['other', 'other', 3],
  ['ipv4', 'IPv4', 4],
  ['ipv6', 'IPv6', 5],
];

/** Ring of the last CAPACITY points: times, and per window and source the bps/pps values. */
class Series {
  xs = [];
  /** window → source id → { bps: [], pps: [] } */
  byWindow = new Map();

  clear() {
    this.xs = [];
    this.byWindow.clear();
  }

  /** Every line has one value per x (null = no value): the invariant uPlot needs. */
  #line(window, source) {
    let perSource = this.byWindow.get(window);
    if (!perSource) this.byWindow.set(window, (perSource = new Map()));
    let line = perSource.get(source);
    if (!line) {
      // A source that appears late has no values before it: gaps, not zeros.
      line = { bps: this.xs.map(() => null), pps: this.xs.map(() => null) };
      perSource.set(source, line);
    }
    return line;
  }

  /** Appends the point at time t (or replaces the last one when t repeats, e.g. while paused). True if the series restarted. */
  push(t, windows) {
    const last = this.xs[this.xs.length - 1];
    const restarted = last !== undefined && t < last;
    if (restarted) this.clear(); // time went backwards: a replay restarted
    const replace = this.xs.length > 0 && t === this.xs[this.xs.length - 1];
    if (!replace) {
      this.xs.push(t);
      for (const perSource of this.byWindow.values()) {
        for (const line of perSource.values()) {
          line.bps.push(null);
          line.pps.push(null);
        }
      }
    }
    const i = this.xs.length - 1;
    for (const [w, stats] of windows) {
      for (const s of stats.sources ?? []) {
        const line = this.#line(w, s.source);
        line.bps[i] = s.bps;
        line.pps[i] = s.pps;
      }
    }
    this.#trim(t);
    return restarted;
  }

  /** Fills earlier seconds from the history (1 s samples); only where no live point exists yet. */
  prepend(points) {
    // points: [{ t, byWindow: Map<window, Map<source, {bps, pps}>> }], oldest first, all before xs[0]
    const first = this.xs[0] ?? Infinity;
    const older = points.filter((p) => p.t < first);
    if (older.length === 0) return;
    const n = older.length;
    this.xs = [...older.map((p) => p.t), ...this.xs];
    const windows = new Set([...this.byWindow.keys(), ...older.flatMap((p) => [...p.byWindow.keys()])]);
    for (const w of windows) {
      const sources = new Set([...(this.byWindow.get(w)?.keys() ?? []), ...older.flatMap((p) => [...(p.byWindow.get(w)?.keys() ?? [])])]);
      for (const source of sources) {
        const line = this.#lineNoPad(w, source, this.xs.length - n);
        line.bps = [...older.map((p) => p.byWindow.get(w)?.get(source)?.bps ?? null), ...line.bps];
        line.pps = [...older.map((p) => p.byWindow.get(w)?.get(source)?.pps ?? null), ...line.pps];
      }
    }
    this.#trim(this.xs[this.xs.length - 1]);
  }

  #lineNoPad(window, source, length) {
    let perSource = this.byWindow.get(window);
    if (!perSource) this.byWindow.set(window, (perSource = new Map()));
    let line = perSource.get(source);
    if (!line) {
      line = { bps: new Array(length).fill(null), pps: new Array(length).fill(null) };
      perSource.set(source, line);
    }
    return line;
  }

  #trim(now) {
    let drop = Math.max(0, this.xs.length - CAPACITY);
    while (drop < this.xs.length && this.xs[drop] < now - SPAN_S) drop++;
    if (drop === 0) return;
    this.xs.splice(0, drop);
    for (const perSource of this.byWindow.values()) {
      for (const line of perSource.values()) {
        line.bps.splice(0, drop);
        line.pps.splice(0, drop);
      }
    }
  }

  /** uPlot data for one window and metric, series in `sourceIds` order. */
  data(window, metric, sourceIds) {
    const perSource = this.byWindow.get(window);
    const empty = () => this.xs.map(() => null);
    return [this.xs.slice(), ...sourceIds.map((id) => (perSource?.get(id)?.[metric] ?? empty()).slice())];
  }
}

export class LiveView {
  #series = new Series();
  #window = 1;
  #sourceIds = [];
  #sourceNames = new Map();
  #bpsChart;
  #ppsChart;
  #last = null;
  #backfilled = false;
  #visible = false;
  #pending = false;

  constructor() {
    const xRange = (u, min, max) => [max - SPAN_S, max];
    this.#bpsChart = new TimeChart($('chart-bps'), { series: [], format: (v, axis) => shortBits(v, axis), xRange });
    this.#ppsChart = new TimeChart($('chart-pps'), { series: [], format: (v, axis) => shortRate(v, axis), xRange });
    for (const input of document.querySelectorAll('input[name="bw-window"]')) {
      input.addEventListener('change', () => {
        this.#window = Number(input.value);
        this.#render();
      });
    }
    this.#renderProtocols(null);
    this.#renderTalkers(null);
    // The class dots take the scheme's colours: rebuild the rows when it flips.
    window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => {
      $('proto-body').replaceChildren();
      this.#renderProtocols(this.#last?.windows.get(this.#window) ?? null);
    });
    // Tests read the charts' point counts through this hook (no globals otherwise).
    $('chart-bps').dataset.points = '0';
  }

  set visible(v) {
    this.#visible = v;
    if (v && this.#pending) this.#render();
  }

  /** @param {import('./snapshot.js').View} view */
  update(view) {
    this.#last = view;
    for (const s of view.sources) this.#sourceNames.set(s.id, s.name);
    const ids = new Set(this.#sourceIds);
    for (const stats of view.windows.values()) for (const s of stats.sources ?? []) ids.add(s.source);
    for (const s of view.sources) ids.add(s.id);
    const sorted = [...ids].sort((a, b) => a - b);
    if (sorted.join() !== this.#sourceIds.join()) {
      this.#sourceIds = sorted;
      const series = sorted.map((id, i) => ({ label: this.#sourceNames.get(id) ?? `source ${id}`, colorIndex: i }));
      this.#bpsChart.setSeries(series);
      this.#ppsChart.setSeries(series);
    }
    if (this.#series.push(view.time, view.windows)) this.#backfilled = false; // time went back: new history
    if (!this.#backfilled) {
      this.#backfilled = true;
      void this.#backfill(view);
    }
    // Charts redraw only while visible; the buffers keep filling in the background.
    if (this.#visible) this.#render();
    else this.#pending = true;
  }

  #render() {
    this.#pending = false;
    const view = this.#last;
    const w = this.#window;
    this.#bpsChart.setData(this.#series.data(w, 'bps', this.#sourceIds));
    this.#ppsChart.setData(this.#series.data(w, 'pps', this.#sourceIds));
    $('chart-bps').dataset.points = String(this.#bpsChart.seriesCount > 0 ? this.#bpsChart.pointsIn(0) : 0);
    $('chart-pps').dataset.points = String(this.#ppsChart.seriesCount > 0 ? this.#ppsChart.pointsIn(0) : 0);
    setText($('proto-window'), `${w} s`);
    setText($('talkers-window'), `${w} s`);
    if (!view) return;
    const stats = view.windows.get(w) ?? null;
    const kpis = $('bw-kpis');
    kpis.dataset.time = String(stats ? view.time : '');
    kpis.dataset.window = String(w);
    setText($('kpi-bps'), stats ? formatBits(stats.bps) : '–');
    setText($('kpi-pps'), stats ? formatRate(stats.pps) : '–');
    setText($('kpi-newflows'), view.newFlows.has(w) ? formatRate(view.newFlows.get(w)) : '–');
    setText($('kpi-packets'), formatCount(view.totals.packets));
    $('kpi-packets').title = `${formatInt(view.totals.packets)} packets, ${formatInt(view.totals.bytes)} bytes since start`;
    this.#renderProtocols(stats);
    this.#renderTalkers(stats);
    setText($('fl-active'), formatCount(view.flowTable.active));
    setText($('fl-created'), formatCount(view.flowTable.created));
    setText($('fl-ended'), formatCount(view.flowTable.ended));
    setText($('fl-evicted'), formatCount(view.flowTable.evicted));
  }

  #renderProtocols(stats) {
    const body = $('proto-body');
    if (body.rows.length !== PROTO_ROWS.length) {
      body.replaceChildren(
        ...PROTO_ROWS.map(([key, label, color], i) =>
          h(
            'tr',
            { class: i === 4 ? 'subtotal' : null, dataset: { cls: key } },
            h('td', null, h('span', { class: 'proto-dot', style: { background: seriesColor(color) }, 'aria-hidden': 'true' }), label),
            h('td', null, h('div', { class: 'sharebar', role: 'meter', 'aria-label': `${label} share of packets`, 'aria-valuemin': '0', 'aria-valuemax': '100', 'aria-valuenow': '0' }, h('span'))),
            h('td', { class: 'num' }, '–'),
            h('td', { class: 'num' }, '–'),
          ),
        ),
      );
    }
    PROTO_ROWS.forEach(([key], i) => {
      const row = body.rows[i];
      const rate = stats?.classes?.[key];
      const share = rate && stats.packets > 0 ? rate.packets / stats.packets : 0;
      const bar = row.cells[1].firstChild;
      bar.firstChild.style.width = `${(share * 100).toFixed(1)}%`;
      bar.setAttribute('aria-valuenow', (share * 100).toFixed(0));
      bar.title = formatPercent(share);
      setText(row.cells[2], rate ? formatBits(rate.bps) : '–');
      setText(row.cells[3], rate ? formatRate(rate.pps) : '–');
    });
  }

  #renderTalkers(stats) {
    const body = $('talkers-body');
    const hosts = (stats?.top_hosts ?? []).slice(0, TOP_ROWS);
    const rows = [];
    for (let i = 0; i < TOP_ROWS; i++) {
      const host = hosts[i];
      if (!host) {
        rows.push(h('tr', { class: 'filler' }, h('td', { class: i === 0 && stats ? 'empty' : null }, i === 0 && stats ? 'no traffic in this window' : '\u00a0'), h('td'), h('td')));
        continue;
      }
      const share = stats.bytes > 0 ? Math.min(1, host.bytes / stats.bytes) : 0;
      rows.push(
        h(
          'tr',
          null,
          h('td', { title: host.ip }, host.ip),
          h('td', { title: `${formatPercent(share)} of the bytes in the window` }, h('div', { class: 'sharebar' }, h('span', { style: { width: `${(share * 100).toFixed(1)}%` } }))),
          h('td', { class: 'num' }, formatBits((host.bytes * 8) / (stats.window || 1))),
        ),
      );
    }
    body.replaceChildren(...rows);
  }

  /** The 5 minutes before the first snapshot, from the stored 1 s samples: the chart starts full. */
  async #backfill(view) {
    const to = Math.floor(view.time);
    const longest = Math.max(...view.windows.keys(), 1);
    const from = to - SPAN_S - longest;
    const windows = [...view.windows.keys()];
    try {
      const perSource = await Promise.all(
        this.#sourceIds.map(async (id) => [id, await api.history({ from, to, step: 1, source: id })]),
      );
      const points = [];
      // 1 s totals per source (sum of the protocol classes, which partition all frames).
      const totals = new Map();
      // Older data answers from the per-minute table: no 1 s points to draw, the stream fills the chart.
      if (perSource.some(([, res]) => res?.step !== 1)) return;
      for (const [id, res] of perSource) {
        const bytes = new Float64Array(to - from);
        const packets = new Float64Array(to - from);
        for (const cls of ['tcp', 'udp', 'icmp', 'other']) {
          for (const p of res?.series?.[cls] ?? []) {
            const i = p.ts - from;
            if (i >= 0 && i < bytes.length) {
              bytes[i] += p.bytes;
              packets[i] += p.packets;
            }
          }
        }
        totals.set(id, { bytes, packets });
      }
      // Seconds before the first stored one are unknown (the daemon was not running), not zero.
      let firstData = to;
      for (const { bytes } of totals.values()) {
        const i = bytes.findIndex((b) => b > 0);
        if (i >= 0) firstData = Math.min(firstData, from + i);
      }
      for (let t = Math.max(from + longest, firstData + 1); t < to; t++) {
        const byWindow = new Map();
        for (const w of windows) {
          const m = new Map();
          for (const [id, { bytes, packets }] of totals) {
            let b = 0;
            let p = 0;
            // The window ending at t (exclusive): the seconds [t-w, t).
            for (let s = t - w; s < t; s++) {
              b += bytes[s - from] ?? 0;
              p += packets[s - from] ?? 0;
            }
            m.set(id, { bps: (b * 8) / w, pps: p / w });
          }
          byWindow.set(w, m);
        }
        points.push({ t, byWindow });
      }
      this.#series.prepend(points);
      if (this.#visible) this.#render();
    } catch {
      // No history (storage off or not ready yet): the chart fills from the stream.
    }
  }
}

/** Axis labels are short ("12M"), legend values full ("12.3 Mb/s"). */
function shortBits(v, axis) {
  return axis ? formatBits(v).replace(' b/s', '').replace('b/s', '') : formatBits(v);
}
function shortRate(v, axis) {
  return axis ? formatRate(v, '') : formatRate(v);
}

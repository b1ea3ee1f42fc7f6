// Time-series charts on uPlot (served from node_modules/uplot, no CDN). One
// TimeChart per chart box: it owns the uPlot instance, keeps it the size of its
// (fixed-height) container, takes colours from the CSS variables and rebuilds
// itself when the colour scheme flips between light and dark.
import uPlot from '/vendor/uplot/uPlot.esm.js';

const PALETTE = ['--c1', '--c2', '--c3', '--c4', '--c5', '--c6'];
const charts = new Set();

function cssVar(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

/** The n-th series colour of the current scheme. */
export function seriesColor(i) {
  return cssVar(PALETTE[i % PALETTE.length]);
}

window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => {
  for (const c of charts) c.rebuild();
});

const pad = (v) => String(v).padStart(2, '0');
/** x tick steps, seconds: uPlot's own list jumps from 1 to 5 minutes, too coarse for 5 minutes on a phone. */
const TIME_INCRS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800, 2592000];

/** One-line x labels whose precision follows the visible span (local time). */
function timeLabels(u, splits) {
  const span = u.scales.x.max - u.scales.x.min;
  return splits.map((v) => {
    const d = new Date(v * 1000);
    const hm = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
    if (span > 2 * 86400) return `${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${hm}`;
    if (span > 1200) return hm;
    return `${hm}:${pad(d.getSeconds())}`;
  });
}

function legendTime(u, v) {
  const d = new Date(v * 1000);
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  return u.scales.x.max - u.scales.x.min > 86400 ? `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${time}` : time;
}

/**
 * @param {HTMLElement} container  fixed-height element the chart fills
 * @param {object} options
 *   series: [{ label, colorIndex?, fill? }]
 *   format(v): y value → short text (axis and legend)
 *   onClick(x): a click (not a drag) on the plot, x in unix seconds
 *   onSelect(x0, x1): a horizontal drag selection, unix seconds
 *   xRange(min, max): optional fixed x range ([min, max] → [min, max])
 */
export class TimeChart {
  #container;
  #options;
  #plot = null;
  #data;
  #resize;
  #down = null;
  #hover = false;

  constructor(container, options) {
    this.#container = container;
    this.#options = options;
    this.#data = [[], ...options.series.map(() => [])];
    this.#resize = new ResizeObserver(() => this.#fit());
    this.#resize.observe(container);
    if (options.onClick) container.classList.add('clickable');
    charts.add(this);
    this.rebuild();
  }

  /** Replaces the series (labels/colours) and the data: a rebuild, for rare changes such as a new source. */
  setSeries(series, data) {
    this.#options = { ...this.#options, series };
    this.#data = data ?? [this.#data[0], ...series.map(() => this.#data[0].map(() => null))];
    this.rebuild();
  }

  get seriesCount() {
    return this.#options.series.length;
  }

  /** data = [xs, ys1, ys2, ...] (same lengths; null = gap). */
  setData(data) {
    this.#data = data;
    if (this.#plot) {
      this.#plot.setData(data);
      this.#showLatest();
    }
  }

  /** Without a cursor on the chart, the legend shows the newest values instead of dashes. */
  #showLatest() {
    const n = this.#data[0].length;
    if (!this.#plot || this.#hover || n === 0) return;
    this.#plot.setLegend({ idx: n - 1 });
  }

  /** Number of points drawn in series i (non-null y values): what the tests read. */
  pointsIn(i) {
    const ys = this.#data[i + 1] ?? [];
    let n = 0;
    for (const y of ys) if (y !== null && y !== undefined) n++;
    return n;
  }

  rebuild() {
    this.#plot?.destroy();
    this.#plot = null;
    const { width, height } = this.#size();
    if (width === 0 || height === 0) return; // hidden view: built on first resize
    const format = this.#options.format;
    const axisStroke = cssVar('--axis');
    const grid = { stroke: cssVar('--grid'), width: 1 };
    const opts = {
      width,
      height,
      padding: [8, 22, 0, 0], // room on the right for the last time label
      legend: { show: true, live: true },
      cursor: {
        drag: { x: Boolean(this.#options.onSelect), y: false, setScale: false },
        points: { size: 6 },
      },
      scales: {
        x: { time: true, ...(this.#options.xRange ? { range: this.#options.xRange } : {}) },
        y: { range: (u, min, max) => [0, max > 0 ? max * 1.1 : 1] },
      },
      axes: [
        { stroke: axisStroke, grid, ticks: grid, size: 28, space: (u, i, min, max, dim) => (dim < 420 ? 64 : 90), incrs: TIME_INCRS, values: (u, splits) => timeLabels(u, splits) },
        { stroke: axisStroke, grid, ticks: grid, size: 56, space: 36, values: (u, splits) => splits.map((v) => format(v, true)) },
      ],
      series: [
        { label: 'time', value: (u, v) => (v == null ? '–' : legendTime(u, v)) },
        ...this.#options.series.map((s, i) => {
          const color = seriesColor(s.colorIndex ?? i);
          return {
            label: s.label,
            stroke: color,
            width: 1.5,
            fill: s.fill === false ? undefined : color + '22',
            points: { show: false },
            spanGaps: false,
            value: (u, v) => (v == null ? '–' : format(v, false)),
          };
        }),
      ],
      hooks: {
        setSelect: [
          (u) => {
            if (!this.#options.onSelect || u.select.width < 4) return;
            const x0 = u.posToVal(u.select.left, 'x');
            const x1 = u.posToVal(u.select.left + u.select.width, 'x');
            u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
            this.#options.onSelect(x0, x1);
          },
        ],
      },
    };
    this.#plot = new uPlot(opts, this.#data, this.#container);
    const over = this.#plot.over;
    over.addEventListener('mouseenter', () => (this.#hover = true));
    over.addEventListener('mouseleave', () => {
      this.#hover = false;
      requestAnimationFrame(() => this.#showLatest());
    });
    this.#showLatest();
    if (this.#options.onClick) {
      over.addEventListener('mousedown', (e) => (this.#down = { x: e.clientX, y: e.clientY }));
      over.addEventListener('mouseup', (e) => {
        const d = this.#down;
        this.#down = null;
        if (!d || Math.abs(e.clientX - d.x) > 3 || !this.#plot) return;
        const rect = over.getBoundingClientRect();
        this.#options.onClick(this.#plot.posToVal(e.clientX - rect.left, 'x'));
      });
    }
  }

  #size() {
    const box = this.#container.getBoundingClientRect();
    // uPlot's height option covers the plot + axes; the legend row sits below it.
    return { width: Math.floor(box.width), height: Math.max(0, Math.floor(box.height) - 26) };
  }

  #fit() {
    const size = this.#size();
    if (!this.#plot) {
      if (size.width > 0 && size.height > 0) this.rebuild();
      return;
    }
    if (size.width > 0 && size.height > 0 && (size.width !== this.#plot.width || size.height !== this.#plot.height)) this.#plot.setSize(size);
  }

  destroy() {
    charts.delete(this);
    this.#resize.disconnect();
    this.#plot?.destroy();
    this.#plot = null;
  }
}

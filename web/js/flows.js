// A flows table over /api/flows: filter by address/CIDR, port and protocol,
// sort by clicking a column, page through results. Used for the live
// connections and for the flows of a history range. The server does the
// filtering, sorting and paging: the table never asks for everything.
import { ApiError } from './api.js';
import { h, setText } from './dom.js';
import { endpoint, formatBits, formatBytes, formatDuration, formatInt, nsToSeconds, protoName } from './format.js';

const PAGE_SIZES = [25, 50, 100];
const ADDRESS = /^[0-9a-fA-F:.]+(\/\d{1,3})?$/;

/**
 * @param {object} options
 *   id: prefix for element ids (labels need them)
 *   fetchPage(query): Promise<{ flows, next_cursor?, total? }>; query has limit, offset or cursor, sort, order, filters
 *   sorts: column key → API sort name, for the sortable columns
 *   defaultSort: column key
 *   now(): unix seconds that "age" is measured from (data time)
 *   states: show the state filter
 */
export class FlowTable {
  #opts;
  #root;
  #els = {};
  #query = { addr: '', port: '', proto: '', state: '' };
  #sort;
  #order = 'desc';
  #pageSize = PAGE_SIZES[0];
  #page = 0;
  /** Cursor that starts each page (index = page) when the API pages by cursor. */
  #cursors = [null];
  #seq = 0;
  #inFlight = false;
  #again = false;
  #hasNext = false;
  /** A hint about the filter inputs; it stays until they are fixed (refreshes do not clear it). */
  #inputError = '';

  constructor(root, options) {
    this.#opts = options;
    this.#root = root;
    this.#sort = options.defaultSort;
    this.#build();
  }

  /** Re-reads the current page (live refresh, or a new range for history). */
  refresh({ resetPage = false } = {}) {
    if (resetPage) this.#resetPage();
    if (this.#inFlight) {
      this.#again = true;
      return;
    }
    void this.#load();
  }

  #resetPage() {
    this.#page = 0;
    this.#cursors = [null];
  }

  #build() {
    const id = this.#opts.id;
    const addr = h('input', { type: 'search', id: `${id}-addr`, placeholder: 'address or CIDR', 'aria-label': 'Filter by address or CIDR', autocomplete: 'off', spellcheck: 'false', inputmode: 'text' });
    const port = h('input', { type: 'number', class: 'port', id: `${id}-port`, placeholder: 'port', min: '0', max: '65535', 'aria-label': 'Filter by port', inputmode: 'numeric' });
    const proto = h(
      'select',
      { id: `${id}-proto`, 'aria-label': 'Filter by protocol' },
      h('option', { value: '' }, 'any protocol'),
      h('option', { value: '6' }, 'TCP'),
      h('option', { value: '17' }, 'UDP'),
      h('option', { value: '1' }, 'ICMP'),
      h('option', { value: '58' }, 'ICMPv6'),
    );
    const state = this.#opts.states
      ? h(
          'select',
          { id: `${id}-state`, 'aria-label': 'Filter by state' },
          h('option', { value: '' }, 'any state'),
          ...['new', 'established', 'closing', 'closed', 'reset'].map((s) => h('option', { value: s }, s)),
        )
      : null;
    const size = h('select', { id: `${id}-size`, 'aria-label': 'Rows per page' }, ...PAGE_SIZES.map((n) => h('option', { value: String(n) }, `${n} rows`)));
    const count = h('span', { class: 'count', 'aria-live': 'polite' }, '');
    const error = h('p', { class: 'flows-error', role: 'status' }, '');

    let timer = 0;
    const onFilter = () => {
      window.clearTimeout(timer);
      timer = window.setTimeout(() => this.#applyFilters(), 300);
    };
    addr.addEventListener('input', onFilter);
    port.addEventListener('input', onFilter);
    proto.addEventListener('change', () => this.#applyFilters());
    state?.addEventListener('change', () => this.#applyFilters());
    size.addEventListener('change', () => {
      this.#pageSize = Number(size.value);
      this.#resetPage();
      this.refresh();
    });

    const headers = [
      ['proto', 'Proto'],
      ['src', 'Initiator'],
      ['dst', 'Responder'],
      ['state', 'State'],
      ['packets', 'Packets', true],
      ['bytes', 'Bytes', true],
      ['rate', 'Rate', true],
      ['age', 'Duration', true],
      ['last', 'Last seen', true],
    ];
    const ths = headers.map(([key, label, num]) => {
      const sortable = this.#opts.sorts[key] !== undefined;
      const th = h('th', { scope: 'col', class: num ? 'num' : null, dataset: { key } });
      if (sortable) {
        th.append(
          h(
            'button',
            { type: 'button', class: 'sort', 'aria-label': `Sort by ${label.toLowerCase()}`, onclick: () => this.#toggleSort(key) },
            label,
            h('span', { class: 'arrow', 'aria-hidden': 'true' }, ''),
          ),
        );
      } else th.append(label);
      return th;
    });
    const colgroup = h(
      'colgroup',
      null,
      h('col', { class: 'c-proto' }),
      h('col', { class: 'c-ep' }),
      h('col', { class: 'c-ep' }),
      h('col', { class: 'c-state' }),
      h('col', { class: 'c-n' }),
      h('col', { class: 'c-n' }),
      h('col', { class: 'c-n' }),
      h('col', { class: 'c-n' }),
      h('col', { class: 'c-n' }),
    );
    const tbody = h('tbody');
    const table = h('table', { class: 'flows', id: `${id}-table`, 'aria-label': this.#opts.label }, colgroup, h('thead', null, h('tr', null, ...ths)), tbody);
    const prev = h('button', { type: 'button', class: 'small', 'aria-label': 'Previous page', onclick: () => this.#go(-1) }, '‹ Prev');
    const next = h('button', { type: 'button', class: 'small', 'aria-label': 'Next page', onclick: () => this.#go(1) }, 'Next ›');
    const page = h('span', { class: 'page', 'aria-live': 'polite' }, 'page 1');
    this.#root.replaceChildren(
      h('div', { class: 'flows-tools' }, addr, port, proto, state, size, count),
      h('div', { class: 'flows-wrap' }, table),
      error,
      h('div', { class: 'pager' }, prev, page, next),
    );
    Object.assign(this.#els, { addr, port, proto, state, size, count, error, tbody, ths, prev, next, page });
    this.#renderSort();
    this.#renderRows([], false);
  }

  #applyFilters() {
    const addr = this.#els.addr.value.trim();
    const port = this.#els.port.value.trim();
    // Checked here so a half-typed address is a hint, not a 400 from the server.
    this.#inputError =
      addr && !ADDRESS.test(addr)
        ? 'Address: an IPv4 or IPv6 address, or a prefix such as 10.0.0.0/8.'
        : port && !(Number.isInteger(Number(port)) && Number(port) >= 0 && Number(port) <= 65535)
          ? 'Port: a number from 0 to 65535.'
          : '';
    setText(this.#els.error, this.#inputError);
    if (this.#inputError) return;
    this.#query = { addr, port, proto: this.#els.proto.value, state: this.#els.state?.value ?? '' };
    this.#resetPage();
    this.refresh();
  }

  #toggleSort(key) {
    if (this.#sort === key) this.#order = this.#order === 'desc' ? 'asc' : 'desc';
    else {
      this.#sort = key;
      this.#order = 'desc';
    }
    this.#renderSort();
    this.#resetPage();
    this.refresh();
  }

  #renderSort() {
    for (const th of this.#els.ths) {
      const active = th.dataset.key === this.#sort;
      if (active) th.setAttribute('aria-sort', this.#order === 'desc' ? 'descending' : 'ascending');
      else th.removeAttribute('aria-sort');
      const arrow = th.querySelector('.arrow');
      if (arrow) arrow.textContent = active ? (this.#order === 'desc' ? '▾' : '▴') : '';
    }
  }

  #go(delta) {
    const page = this.#page + delta;
    if (page < 0 || (delta > 0 && !this.#hasNext)) return;
    this.#page = page;
    this.refresh();
  }

  async #load() {
    this.#inFlight = true;
    const seq = ++this.#seq;
    const q = this.#query;
    const query = {
      limit: this.#pageSize,
      sort: this.#opts.sorts[this.#sort],
      order: this.#order,
      port: q.port || undefined,
      proto: q.proto || undefined,
      state: q.state || undefined,
    };
    if (q.addr) query[q.addr.includes('/') ? 'cidr' : 'ip'] = q.addr;
    const cursor = this.#cursors[this.#page];
    if (this.#opts.paging === 'cursor') {
      if (cursor) query.cursor = cursor;
    } else query.offset = this.#page * this.#pageSize;
    try {
      const res = await this.#opts.fetchPage(query);
      if (seq !== this.#seq) return;
      const rows = res?.flows ?? [];
      const nextCursor = res?.next_cursor ?? null;
      if (this.#opts.paging === 'cursor') {
        this.#cursors[this.#page + 1] = nextCursor;
        this.#hasNext = nextCursor !== null;
      } else {
        this.#hasNext = typeof res?.total === 'number' ? (this.#page + 1) * this.#pageSize < res.total : rows.length === this.#pageSize;
      }
      if (rows.length === 0 && this.#page > 0) {
        // The page emptied under us (flows ended): step back.
        this.#page--;
        this.#again = true;
        return;
      }
      setText(this.#els.error, this.#inputError);
      this.#renderRows(rows, true, res?.total);
    } catch (error) {
      if (seq !== this.#seq) return;
      if (error instanceof ApiError && error.status === 401) return; // the login takes over
      setText(this.#els.error, error instanceof ApiError ? error.message : 'The daemon cannot be reached.');
    } finally {
      this.#inFlight = false;
      if (this.#again) {
        this.#again = false;
        void this.#load();
      }
    }
  }

  #renderRows(rows, loaded, total) {
    const now = this.#opts.now();
    const trs = rows.map((f) => this.#row(f, now));
    // Blank rows keep the table's height while pages fill: no jump below it.
    for (let i = rows.length; i < this.#pageSize; i++) {
      const empty = i === 0 && loaded;
      trs.push(h('tr', { class: 'filler' }, h('td', { colspan: '9', class: empty ? 'empty' : null }, empty ? 'No flows match.' : '\u00a0')));
    }
    this.#els.tbody.replaceChildren(...trs);
    const from = this.#page * this.#pageSize;
    setText(
      this.#els.count,
      !loaded ? '' : rows.length === 0 ? '0 flows' : `${formatInt(from + 1)}–${formatInt(from + rows.length)}${typeof total === 'number' ? ` of ${formatInt(total)}` : ''}`,
    );
    setText(this.#els.page, `page ${this.#page + 1}`);
    this.#els.prev.disabled = this.#page === 0;
    this.#els.next.disabled = !this.#hasNext;
  }

  #row(f, now) {
    const first = nsToSeconds(f.first_ns);
    const last = nsToSeconds(f.last_ns);
    const duration = Math.max(0, last - first);
    const bytes = (f.bytes_c2s ?? 0) + (f.bytes_s2c ?? 0);
    const packets = (f.packets_c2s ?? 0) + (f.packets_s2c ?? 0);
    // The API's own rate when it sends one, else bytes over the flow's life (at least 1 s).
    const bps = typeof f.rate_bps === 'number' ? f.rate_bps : typeof f.bps === 'number' ? f.bps : (bytes * 8) / Math.max(1, duration);
    const src = endpoint(f.src_ip, f.src_port, f.proto);
    const dst = endpoint(f.dst_ip, f.dst_port, f.proto);
    return h(
      'tr',
      { dataset: { proto: String(f.proto), bytes: String(bytes), packets: String(packets), duration: String(duration), bps: String(bps) } },
      h('td', null, protoName(f.proto)),
      h('td', { title: src }, src),
      h('td', { title: dst }, dst),
      h('td', { title: f.end_reason ? `${f.state}, ended: ${f.end_reason}` : f.state }, h('span', { class: `state ${f.state}` }, f.state), f.end_reason ? h('span', { class: 'reason' }, f.end_reason) : null),
      h('td', { class: 'num', title: `${formatInt(f.packets_c2s)} → / ${formatInt(f.packets_s2c)} ←` }, formatInt(packets)),
      h('td', { class: 'num', title: `${formatBytes(f.bytes_c2s)} → / ${formatBytes(f.bytes_s2c)} ←` }, formatBytes(bytes)),
      h('td', { class: 'num' }, formatBits(bps)),
      h('td', { class: 'num' }, formatDuration(duration)),
      h('td', { class: 'num', title: new Date(last * 1000).toLocaleString() }, !Number.isFinite(now) ? '–' : now - last < 1 ? 'now' : `${formatDuration(now - last)} ago`),
    );
  }
}

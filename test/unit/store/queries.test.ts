// The API's queries against a JS reference over the same rows: history series
// (seconds, rollups, aggregated steps, across the samples retention boundary),
// flow filters and keyset pagination, top talkers; then EXPLAIN QUERY PLAN:
// every query reads through an index, never a full scan.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FlowRecord } from '../../../lib/flows/index.js';
import { parseAddress, parseCidr, Store, type HistoryPoint, type SampleRow } from '../../../lib/store/index.js';
import { CLASS_NAMES } from '../../../lib/stats/index.js';
import { planFlows, planHistory, planTopTalkers } from '../../../lib/store/queries.js';
import { flow, removeTempDirs, sample, tempDir } from './helpers.js';

// mulberry32: a seeded generator whose low bits are as random as its high ones
let seed = 99;
function rnd(n: number): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return (((t ^ (t >>> 14)) >>> 0) / 4294967296) * n | 0;
}

const NOW = 1_700_006_400;
const HOUR = 3600;
const DAY = 86400;

/** Reference buckets: sum rows with ts in [from, to) by (ts - ts % step, cls). */
function expectedSeries(rows: SampleRow[], from: number, to: number, step: number, keep: (r: SampleRow) => boolean = () => true) {
  const out: Partial<Record<string, Map<number, { p: number; b: number }>>> = {};
  for (const r of rows) {
    if (r.ts < from || r.ts >= to || !keep(r)) continue;
    const m = (out[r.cls] ??= new Map());
    const k = r.ts - (r.ts % step);
    const v = m.get(k) ?? { p: 0, b: 0 };
    v.p += r.packets;
    v.b += r.bytes;
    m.set(k, v);
  }
  const series: Partial<Record<string, HistoryPoint[]>> = {};
  for (const [cls, m] of Object.entries(out)) {
    series[cls] = [...m!.entries()].sort((a, b) => a[0] - b[0]).map(([ts, v]) => ({ ts, packets: v.p, bytes: v.b, pps: v.p / step, bps: (v.b * 8) / step }));
  }
  return series;
}

describe('history', () => {
  let store: Store;
  const rows: SampleRow[] = [];

  beforeAll(() => {
    store = Store.open(join(tempDir(), 'h.db'), { samplesHours: 2, retentionDays: 30 });
    // dense in the last 3 hours, sparse over 4 days before
    for (let ts = NOW - 3 * HOUR; ts < NOW; ts++) {
      for (const source of [0, 1]) for (const cls of CLASS_NAMES) if (rnd(4) === 0) rows.push(sample(ts, cls, 1 + rnd(500), 64 + rnd(1_000_000), source));
    }
    for (let i = 0; i < 5000; i++) rows.push(sample(NOW - 4 * DAY + rnd(4 * DAY - 3 * HOUR), CLASS_NAMES[rnd(6)]!, 1 + rnd(50), 1 + rnd(90_000), rnd(2)));
    // unique (ts, source, cls) for the reference: the store would add duplicates, so add them here too
    for (let i = 0; i < rows.length; i += 5000) store.insertSamples(rows.slice(i, i + 5000));
  });
  afterAll(() => {
    store.close();
    removeTempDirs();
  });

  it('refuses bad ranges and steps, naming the argument', () => {
    expect(() => store.history({ from: 10, to: 10 })).toThrow(/to must be/);
    expect(() => store.history({ from: Number.NaN, to: 10 })).toThrow(/from must be/);
    expect(() => store.history({ from: -1, to: 10 })).toThrow(/from/);
    expect(() => store.history({ from: 0, to: 1e12 })).toThrow(/to/);
    expect(() => store.history({ from: 0, to: 10, step: 0 })).toThrow(/step/);
    expect(() => store.history({ from: 0, to: 10, step: 1.5 })).toThrow(/step/);
    expect(() => store.history({ from: NOW - 100 * DAY, to: NOW, step: 60, now: NOW })).toThrow(/more than 100000 points/);
    expect(() => store.history({ from: 0, to: 10, cls: 'arp' as never })).toThrow(/cls/);
    expect(() => store.history({ from: 0, to: 10, source: -2 })).toThrow(/source/);
  });

  it('≤ 1 h: raw seconds, every second exactly as written', () => {
    const from = NOW - 1800 + 17;
    const r = store.history({ from, to: NOW, now: NOW });
    expect(r).toMatchObject({ step: 1, resolution: 'second', from, to: NOW });
    expect(r.series).toEqual(expectedSeries(rows, from, NOW, 1));
  });

  it('a step under 60 s aggregates seconds, the range widened to whole steps', () => {
    const r = store.history({ from: NOW - 1000 + 3, to: NOW - 7, step: 15, now: NOW });
    const from = Math.floor((NOW - 997) / 15) * 15;
    const to = Math.ceil((NOW - 7) / 15) * 15;
    expect(r).toMatchObject({ step: 15, resolution: 'second', from, to });
    expect(r.series).toEqual(expectedSeries(rows, from, to, 15));
  });

  it('> 1 h: per-minute rollups equal to the sum of their seconds, from a mid-minute start', () => {
    const from = NOW - 100 * 60 - 25;
    const r = store.history({ from, to: NOW, now: NOW });
    expect(r).toMatchObject({ step: 60, resolution: 'minute', from: from - 35 });
    expect(r.series).toEqual(expectedSeries(rows, from - 35, NOW, 60));
    expect(Object.keys(r.series).sort()).toEqual([...CLASS_NAMES].sort());
  });

  it('days: larger steps aggregate rollups (3 days → 180 s points, ≤ 1440 of them)', () => {
    const r = store.history({ from: NOW - 3 * DAY, to: NOW, now: NOW });
    expect(r).toMatchObject({ step: 180, resolution: 'minute' });
    for (const pts of Object.values(r.series)) expect(pts!.length).toBeLessThanOrEqual(1440);
    expect(r.series).toEqual(expectedSeries(rows, NOW - 3 * DAY, NOW, 180));
    // an explicit odd step rounds up to whole minutes
    expect(store.history({ from: NOW - 3 * DAY, to: NOW, step: 100, now: NOW }).step).toBe(120);
  });

  it('a range reaching past the samples retention (2 h) uses rollups, and still does after the seconds are deleted', () => {
    const from = NOW - 2 * HOUR - 600; // 10 minutes before the boundary
    const want = expectedSeries(rows, from, NOW, 60);
    const before = store.history({ from, to: NOW, step: 10, now: NOW });
    expect(before).toMatchObject({ step: 60, resolution: 'minute' });
    expect(before.series).toEqual(want);
    // just inside the boundary the seconds answer
    expect(store.history({ from: NOW - 2 * HOUR, to: NOW - 2 * HOUR + 600, now: NOW }).resolution).toBe('second');
    const deleted = store.runRetention({ now: NOW });
    expect(deleted.deleted.samples).toBeGreaterThan(0);
    expect(store.history({ from, to: NOW, step: 10, now: NOW }).series).toEqual(want);
    // the days-old range is intact in the rollups
    expect(store.history({ from: NOW - 4 * DAY, to: NOW, now: NOW }).series).toEqual(expectedSeries(rows, NOW - 4 * DAY, NOW, 240));
  });

  it('filters by source and class', () => {
    const from = NOW - 1200;
    const r = store.history({ from, to: NOW, source: 1, cls: 'udp', now: NOW });
    expect(Object.keys(r.series)).toEqual(['udp']);
    expect(r.series).toEqual(expectedSeries(rows, from, NOW, 1, (s) => s.source === 1 && s.cls === 'udp'));
  });
});

// ------------------------------------------------------------------ flows

const PREFIXES4 = ['10.0.0.', '10.200.1.', '192.0.2.', '198.51.100.'];
const PREFIXES6 = ['2001:db8::', '2001:db8:8000::', 'fd00:1::', '2001:db9::'];
const addr = () => (rnd(3) === 0 ? `${PREFIXES6[rnd(4)]}${(1 + rnd(40)).toString(16)}` : `${PREFIXES4[rnd(4)]}${rnd(256)}`);

function inCidr(ip: string, cidr: string): boolean {
  const a = parseAddress(ip)!;
  const r = parseCidr(cidr)!;
  return Buffer.compare(a, r.lo) >= 0 && Buffer.compare(a, r.hi) <= 0;
}

describe('flows and top talkers', () => {
  let store: Store;
  const records: FlowRecord[] = []; // insertion order = id order
  const T0 = NOW - 2 * HOUR;

  beforeAll(() => {
    store = Store.open(join(tempDir(), 'f.db'));
    for (let i = 0; i < 3000; i++) {
      const start = T0 + rnd(2 * HOUR);
      const span = rnd(10) === 0 ? 300 + rnd(300) : rnd(30); // a few long records
      records.push(
        flow(start, {
          src_ip: addr(),
          dst_ip: addr(),
          src_port: 1024 + rnd(60000),
          dst_port: [53, 80, 443, 8080][rnd(4)]!,
          proto: [6, 17, 1, 58][rnd(4)]!,
          source: rnd(2),
          bytes_c2s: rnd(10) === 0 ? 2 ** 33 + rnd(1000) : rnd(100_000),
          bytes_s2c: rnd(1_000_000),
          packets_c2s: 1 + rnd(100),
          packets_s2c: rnd(100),
        }, span),
      );
    }
    // several records sharing a last_ns: the id breaks ties
    const twin = records[10]!;
    for (let i = 0; i < 5; i++) records.push({ ...twin, src_port: 1000 + i });
    store.insertFlows(records);
  });
  afterAll(() => {
    store.close();
    removeTempDirs();
  });

  const ns = (s: number) => BigInt(s) * 1_000_000_000n;
  function reference(q: { from: number; to: number; ip?: string; cidr?: string; port?: number; proto?: number; minBytes?: number; source?: number; order?: 'asc' | 'desc' }) {
    const out = records
      .map((r, id) => ({ r, id }))
      .filter(({ r }) => BigInt(r.first_ns) < ns(q.to) && BigInt(r.last_ns) >= ns(q.from))
      .filter(({ r }) => q.ip === undefined || parseAddress(r.src_ip)!.equals(parseAddress(q.ip)!) || parseAddress(r.dst_ip)!.equals(parseAddress(q.ip)!))
      .filter(({ r }) => q.cidr === undefined || inCidr(r.src_ip, q.cidr) || inCidr(r.dst_ip, q.cidr))
      .filter(({ r }) => q.port === undefined || r.src_port === q.port || r.dst_port === q.port)
      .filter(({ r }) => q.proto === undefined || r.proto === q.proto)
      .filter(({ r }) => q.minBytes === undefined || r.bytes_c2s + r.bytes_s2c >= q.minBytes)
      .filter(({ r }) => q.source === undefined || r.source === q.source);
    out.sort((a, b) => {
      const d = BigInt(a.r.last_ns) - BigInt(b.r.last_ns);
      return d !== 0n ? (d < 0n ? -1 : 1) : a.id - b.id;
    });
    if ((q.order ?? 'desc') === 'desc') out.reverse();
    return out.map((o) => o.r);
  }

  function all(q: Parameters<Store['flows']>[0]): { rows: FlowRecord[]; pages: number } {
    const rows: FlowRecord[] = [];
    let cursor: string | null = q.cursor ?? null;
    let pages = 0;
    do {
      const page = store.flows({ ...q, cursor });
      expect(page.flows.length).toBeLessThanOrEqual(q.limit ?? 100);
      rows.push(...page.flows);
      cursor = page.next_cursor;
      pages++;
    } while (cursor && pages < 10_000);
    return { rows, pages };
  }

  it('refuses bad arguments, naming them', () => {
    const r = { from: T0, to: NOW };
    expect(() => store.flows({ ...r, limit: 0 })).toThrow(/limit/);
    expect(() => store.flows({ ...r, limit: 1001 })).toThrow(/limit/);
    expect(() => store.flows({ ...r, ip: '10.0.0.256' })).toThrow(/ip must be/);
    expect(() => store.flows({ ...r, cidr: '10.0.0.0/33' })).toThrow(/cidr must be/);
    expect(() => store.flows({ ...r, cidr: '10.0.0.0' })).toThrow(/cidr/);
    expect(() => store.flows({ ...r, port: 70000 })).toThrow(/port/);
    expect(() => store.flows({ ...r, proto: -1 })).toThrow(/proto/);
    expect(() => store.flows({ ...r, minBytes: 1.5 })).toThrow(/minBytes/);
    expect(() => store.flows({ ...r, order: 'up' as never })).toThrow(/order/);
    for (const cursor of ['', 'not-a-cursor', Buffer.from('1.2.3').toString('base64url'), Buffer.from('-1.5').toString('base64url'), 'x'.repeat(100)]) {
      expect(() => store.flows({ ...r, cursor }), cursor).toThrow(/cursor/);
    }
  });

  it('time range: every record overlapping [from, to), including long ones that started before', () => {
    const q = { from: T0 + 3000, to: T0 + 3100 };
    const page = store.flows({ ...q, limit: 1000 });
    expect(page.flows).toEqual(reference(q));
    expect(page.flows.some((r) => BigInt(r.first_ns) < ns(q.from) - ns(250))).toBe(true); // a long record found from its middle
  });

  const filters = [
    { ip: '10.0.0.7' },
    { ip: '2001:db8::1f' },
    { ip: '2001:0DB8:0:0::1f' }, // another spelling of the same address
    { cidr: '10.0.0.0/8' },
    { cidr: '10.200.0.0/16' },
    { cidr: '192.0.2.128/25' },
    { cidr: '2001:db8::/32' },
    { cidr: '2001:db8:8000::/33' },
    { cidr: 'fd00::/8' },
    { cidr: '::/0' },
    { port: 53 },
    { port: 8080, proto: 6 },
    { proto: 58 },
    { minBytes: 2 ** 33 },
    { source: 1, cidr: '198.51.100.0/24', minBytes: 500_000 },
  ];
  for (const f of filters) {
    it(`filter ${JSON.stringify(f)} matches the reference, paged 37 at a time, each row once, in order`, () => {
      const q = { from: T0, to: NOW, ...f };
      const want = reference(q);
      expect(want.length).toBeGreaterThan(0);
      const { rows, pages } = all({ ...q, limit: 37 });
      expect(rows).toEqual(want);
      expect(pages).toBe(Math.max(1, Math.ceil(want.length / 37)));
    });
  }

  it('pagination visits every row exactly once in both orders, ties on last_ns broken by insertion', () => {
    const q = { from: T0 - HOUR, to: NOW + HOUR };
    for (const order of ['desc', 'asc'] as const) {
      const { rows } = all({ ...q, order, limit: 1000 });
      expect(rows).toEqual(reference({ ...q, order }));
      expect(rows).toHaveLength(records.length);
    }
    const { rows: small } = all({ ...q, limit: 1 });
    expect(small.length).toBe(records.length);
  });

  it('rows written while paging (newest first) do not shift or repeat the pages already read', () => {
    const q = { from: T0, to: NOW + DAY, limit: 500 };
    const first = store.flows(q);
    const fresh = flow(NOW + 10, { src_ip: '10.0.0.7' });
    store.insertFlows([fresh]);
    const rest = all({ ...q, cursor: first.next_cursor });
    const seen = [...first.flows, ...rest.rows];
    expect(new Set(seen.map((r) => JSON.stringify(r))).size).toBe(seen.length);
    expect(seen).not.toContainEqual(fresh);
    records.push(fresh); // keep the reference in step for later tests
  });

  it('top talkers: hosts by bytes sent + received over the records in range', () => {
    const q = { from: T0 + 600, to: T0 + 4000 };
    const inRange = reference(q);
    const hosts = new Map<string, { bytes_sent: number; bytes_received: number; packets: number; flows: number }>();
    const add = (ip: string, sent: number, recv: number, pk: number) => {
      const h = hosts.get(ip) ?? { bytes_sent: 0, bytes_received: 0, packets: 0, flows: 0 };
      h.bytes_sent += sent;
      h.bytes_received += recv;
      h.packets += pk;
      h.flows++;
      hosts.set(ip, h);
    };
    for (const r of inRange) {
      add(r.src_ip, r.bytes_c2s, r.bytes_s2c, r.packets_c2s + r.packets_s2c);
      add(r.dst_ip, r.bytes_s2c, r.bytes_c2s, r.packets_c2s + r.packets_s2c);
    }
    const want = [...hosts.entries()]
      .map(([ip, h]) => ({ ip, bytes: h.bytes_sent + h.bytes_received, ...h }))
      .sort((a, b) => b.bytes - a.bytes || (a.ip < b.ip ? -1 : 1))
      .slice(0, 25);
    expect(store.topTalkers({ ...q, limit: 25 })).toEqual(want);
    expect(store.topTalkers(q)).toHaveLength(10);
    expect(() => store.topTalkers({ ...q, limit: 0 })).toThrow(/limit/);
  });
});

// ------------------------------------------------------------ query plans

describe('EXPLAIN QUERY PLAN: indexes, no full scans', () => {
  let db: Database.Database;
  const span = 600_000_000_000n;

  beforeAll(() => {
    const store = Store.open(join(tempDir(), 'p.db'));
    store.insertSamples(Array.from({ length: 2000 }, (_, i) => sample(NOW - i, CLASS_NAMES[i % 6]!, 1, 100, i % 2)));
    store.insertFlows(Array.from({ length: 2000 }, (_, i) => flow(NOW - i, { src_ip: addr(), dst_ip: addr(), dst_port: i % 100 })));
    store.close(); // PRAGMA optimize: the planner decides with statistics, as in production
    db = new Database(store.path, { readonly: true });
  });
  afterAll(() => {
    db.close();
    removeTempDirs();
  });

  function plan(sql: { sql: string; params: Record<string, unknown> }): string[] {
    return (db.prepare(`EXPLAIN QUERY PLAN ${sql.sql}`).all(sql.params) as Array<{ detail: string }>).map((r) => r.detail);
  }

  function expectIndexed(lines: string[], table: string, index: RegExp): void {
    const uses = lines.filter((l) => new RegExp(`\\b${table}\\b`).test(l));
    expect(uses.length, lines.join('\n')).toBeGreaterThan(0);
    for (const l of uses) {
      expect(l, lines.join('\n')).toMatch(/^SEARCH /);
      expect(l).toMatch(index);
    }
  }

  it('the check can fail: a filter with no time range is a full scan', () => {
    const lines = plan({ sql: 'SELECT id FROM flows WHERE src_port = @p', params: { p: 1 } });
    expect(lines.join('\n')).toMatch(/^SCAN flows/m);
    expect(() => expectIndexed(lines, 'flows', /INDEX/)).toThrow();
  });

  it('history: samples and rollups by their (ts, ...) primary key range', () => {
    expectIndexed(plan(planHistory({ from: NOW - 600, to: NOW }, 24, NOW)), 'samples', /PRIMARY KEY \(ts>\? AND ts<\?\)/);
    expectIndexed(plan(planHistory({ from: NOW - 600, to: NOW, source: 1, cls: 'tcp' }, 24, NOW)), 'samples', /PRIMARY KEY \(ts>\? AND ts<\?\)/);
    expectIndexed(plan(planHistory({ from: NOW - 30 * DAY, to: NOW }, 24, NOW)), 'rollups', /PRIMARY KEY \(ts>\? AND ts<\?\)/);
  });

  it('flows by range (with any filter and a cursor) use an index on last_ns or the address keys', () => {
    const cursor = store0Cursor();
    const cases = [
      {},
      { order: 'asc' as const, cursor },
      { cursor },
      { port: 443, proto: 6, minBytes: 10, source: 0 },
      { ip: '10.0.0.1' },
      { cidr: '10.0.0.0/8' },
      { cidr: '2001:db8::/32', port: 53 },
    ];
    for (const c of cases) {
      expectIndexed(plan(planFlows({ from: NOW - 600, to: NOW, ...c }, span)), 'flows', /USING (COVERING )?INDEX flows_(last|src|dst) \(/);
    }
    // an address filter over a long range goes through the address indexes
    const ip = plan(planFlows({ from: NOW - 30 * DAY, to: NOW, ip: '10.0.0.1' }, span));
    expect(ip.join('\n')).toMatch(/INDEX flows_src \(src_addr=\?/);
    expect(ip.join('\n')).toMatch(/INDEX flows_dst \(dst_addr=\?/);
  });

  it('top talkers read flows through the last_ns index', () => {
    expectIndexed(plan(planTopTalkers({ from: NOW - 600, to: NOW }, span)), 'flows', /INDEX flows_last \(last_ns>\? AND last_ns<\?\)/);
  });

  it('retention deletes find their rows through the same indexes', () => {
    const rw = new Database(db.name, { readonly: true });
    for (const [sql, index] of [
      ['DELETE FROM samples WHERE (ts, source, cls) IN (SELECT ts, source, cls FROM samples WHERE ts < 5 ORDER BY ts LIMIT 10)', /PRIMARY KEY/],
      ['DELETE FROM flows WHERE id IN (SELECT id FROM flows WHERE last_ns < 5 ORDER BY last_ns LIMIT 10)', /flows_last|INTEGER PRIMARY KEY/],
    ] as const) {
      const lines = (rw.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as Array<{ detail: string }>).map((r) => r.detail);
      for (const l of lines.filter((l) => /\b(samples|flows)\b/.test(l))) {
        expect(l, lines.join('\n')).toMatch(/^SEARCH /);
        expect(l).toMatch(index);
      }
    }
    rw.close();
  });
});

function store0Cursor(): string {
  return Buffer.from(`${BigInt(NOW) * 1_000_000_000n}.5`).toString('base64url');
}

// Writes: invalid rows are refused one by one (never poisoning a batch); flow
// records from a real replay come back exactly (JSONL-identical); samples
// upsert by adding and every minute's rollup equals the sum of its seconds.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { FlowRecord } from '../../../lib/flows/index.js';
import { Store, type SampleRow } from '../../../lib/store/index.js';
import { CLASS_NAMES } from '../../../lib/stats/index.js';
import { flow, removeTempDirs, replayRecords, sample, tempDir } from './helpers.js';

afterEach(removeTempDirs);

const WIDE = { from: 0, to: 9_223_372_036, order: 'asc' as const }; // the largest range: ns up to 2262

function readAll(store: Store): FlowRecord[] {
  const out: FlowRecord[] = [];
  let cursor: string | null = null;
  do {
    const page = store.flows({ ...WIDE, limit: 1000, cursor });
    out.push(...page.flows);
    cursor = page.next_cursor;
  } while (cursor);
  return out;
}

describe('writes: hostile rows', () => {
  it('refuses each bad flow field alone and keeps the good rows of the same batch', () => {
    const store = Store.open(join(tempDir(), 'w.db'));
    const good = flow(1_700_000_000);
    const bad: Array<Partial<Record<keyof FlowRecord, unknown>>> = [
      { first_ns: '12.5' }, { first_ns: '-1' }, { first_ns: '9223372036854775808' }, { first_ns: '' }, { first_ns: 1700000000000000000 },
      { last_ns: '1' }, // last before first
      { src_ip: 'example.com' }, { dst_ip: '1.2.3.4.5' }, { src_port: 65536 }, { dst_port: -1 }, { proto: 256 }, { vlan: 5000 },
      { source: 1.5 }, { packets_c2s: -1 }, { bytes_s2c: Number.NaN }, { bytes_c2s: 2 ** 53 }, { tcp_flags: '2' },
      { state: 'open' }, { end_reason: 'timeout' }, { community_id: 42 },
    ];
    const batch = [good, ...bad.map((o) => ({ ...flow(1_700_000_000), ...o }) as FlowRecord), null as unknown as FlowRecord];
    const r = store.insertFlows(batch);
    expect(r).toMatchObject({ written: 1, rejected: bad.length + 1 });
    expect(r.firstRejection).toMatch(/first_ns/);
    expect(readAll(store)).toEqual([good]);
    store.close();
  });

  it('refuses bad samples and source stats', () => {
    const store = Store.open(join(tempDir(), 'w.db'));
    const rows = [
      sample(100, 'tcp', 1, 60),
      { ...sample(100, 'tcp', 1, 60), cls: 'sctp' },
      { ...sample(100, 'tcp', 1, 60), ts: -5 },
      { ...sample(100, 'tcp', 1, 60), ts: 100.5 },
      { ...sample(100, 'tcp', 1, 60), bytes: '60' },
      { ...sample(100, 'tcp', 1, 60), source: 70000 },
    ] as SampleRow[];
    expect(store.insertSamples(rows)).toMatchObject({ written: 1, rejected: 5 });
    const stats = { ts: 100, source: 0, name: 'eth0', packets: 1, bytes: 2, kernel_drops: 3, if_drops: 4, ring_drops: 5 };
    expect(store.insertSourceStats([stats, { ...stats, kernel_drops: -1 }, { ...stats, name: 7 as unknown as string }])).toMatchObject({ written: 1, rejected: 2 });
    expect(store.sourceStats({ from: 0, to: 200 })).toEqual([stats]);
    store.close();
  });
});

describe('writes: flow records', () => {
  it('a replay of demo.pcap and mixed.pcap reads back exactly as written (deep equal and identical JSON lines)', async () => {
    const records = [...(await replayRecords('mixed.pcap')), ...(await replayRecords('demo.pcap', { udp: 70 }))];
    expect(records.length).toBeGreaterThan(200);
    const store = Store.open(join(tempDir(), 'w.db'));
    expect(store.insertFlows(records)).toMatchObject({ written: records.length, rejected: 0 });
    const back = readAll(store);
    // same multiset: order by (last_ns, insertion) on both sides
    const key = (r: FlowRecord) => JSON.stringify(r);
    expect(back.map(key).sort()).toEqual(records.map(key).sort());
    const byNs = (a: FlowRecord, b: FlowRecord) => (BigInt(a.last_ns) < BigInt(b.last_ns) ? -1 : BigInt(a.last_ns) > BigInt(b.last_ns) ? 1 : 0);
    expect(back).toEqual([...records].sort(byNs)); // stable sort = insertion order among equal last_ns, as id is
    store.close();
  });

  it('keeps 64-bit counters and nanosecond strings exactly (no 32-bit wrap, no float rounding)', () => {
    const store = Store.open(join(tempDir(), 'w.db'));
    const edge = [
      flow(0, { first_ns: '0', last_ns: '0', bytes_c2s: 2 ** 32 + 1, bytes_s2c: 2 ** 53 - 1, packets_c2s: 2 ** 32, packets_s2c: 4_294_967_297 }),
      flow(0, { first_ns: '1700000000123456789', last_ns: '1700000000123456789' }),
      flow(0, { first_ns: '9223372035999999998', last_ns: '9223372035999999999', end_reason: null, state: 'established' }),
      flow(0, { src_ip: 'fe80::1', dst_ip: 'ff02::1:ff00:1', proto: 58, src_port: 135, dst_port: 0, tcp_flags: 0 }),
    ];
    store.insertFlows(edge);
    const db = new Database(store.path, { readonly: true });
    const raw = db.prepare('SELECT typeof(first_ns) AS t, first_ns, bytes_s2c FROM flows ORDER BY id').safeIntegers(true).all() as Array<{ t: string; first_ns: bigint; bytes_s2c: bigint }>;
    expect(raw.map((r) => r.t)).toEqual(['integer', 'integer', 'integer', 'integer']);
    expect(raw[2]!.first_ns).toBe(9223372035999999998n);
    expect(raw[0]!.bytes_s2c).toBe(2n ** 53n - 1n);
    db.close();
    const back = readAll(store); // by last_ns
    expect(back).toEqual([edge[0], edge[3], edge[1], edge[2]]);
    expect(back[2]!.first_ns).toBe('1700000000123456789');
    store.close();
  });
});

describe('writes: samples and rollups', () => {
  it('samples add on conflict and each minute rollup equals the sum of its seconds', () => {
    const store = Store.open(join(tempDir(), 'w.db'));
    const t0 = 1_700_000_000 - (1_700_000_000 % 60) - 90; // crosses three minutes
    const rows: SampleRow[] = [];
    let x = 7;
    const rnd = (n: number) => (x = (Math.imul(x, 1103515245) + 12345) >>> 0) % n;
    for (let s = 0; s < 200; s++) {
      for (const source of [0, 3]) {
        for (const cls of CLASS_NAMES) if (rnd(3) > 0) rows.push(sample(t0 + s, cls, 1 + rnd(1000), 60 + rnd(2 ** 31) * 4, source));
      }
    }
    // written in uneven batches, one second repeated (delivered twice → adds)
    store.insertSamples(rows.slice(0, 500));
    store.insertSamples(rows.slice(500));
    store.insertSamples([sample(t0 + 5, 'tcp', 1, 1000, 0)]);
    const db = new Database(store.path, { readonly: true });
    const mismatches = db
      .prepare(
        'SELECT r.ts, r.source, r.cls, r.packets, r.bytes, s.packets AS sp, s.bytes AS sb FROM rollups r LEFT JOIN ' +
          '(SELECT ts - ts % 60 AS m, source, cls, sum(packets) AS packets, sum(bytes) AS bytes FROM samples GROUP BY m, source, cls) s ' +
          'ON s.m = r.ts AND s.source = r.source AND s.cls = r.cls WHERE s.packets IS NOT r.packets OR s.bytes IS NOT r.bytes',
      )
      .all();
    expect(mismatches).toEqual([]);
    const counts = db.prepare('SELECT (SELECT count(*) FROM rollups) AS r, (SELECT count(DISTINCT (ts - ts % 60) || source || cls) FROM samples) AS s').get() as { r: number; s: number };
    expect(counts.r).toBe(counts.s);
    expect(counts.r).toBeGreaterThan(20);
    // totals agree with the input, including the repeated second
    const sum = db.prepare('SELECT sum(packets) AS p, sum(bytes) AS b FROM rollups').get() as { p: number; b: number };
    expect(sum).toEqual({ p: rows.reduce((a, r) => a + r.packets, 0) + 1, b: rows.reduce((a, r) => a + r.bytes, 0) + 1000 });
    const rep = db.prepare("SELECT packets, bytes FROM samples WHERE ts = ? AND source = 0 AND cls = 'tcp'").get(t0 + 5) as { packets: number; bytes: number };
    const orig = rows.find((r) => r.ts === t0 + 5 && r.source === 0 && r.cls === 'tcp');
    expect(rep).toEqual({ packets: (orig?.packets ?? 0) + 1, bytes: (orig?.bytes ?? 0) + 1000 });
    db.close();
    store.close();
  });
});

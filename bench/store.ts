// History store benchmark: sustained insert rates through StoreWriter, the way
// the daemon writes (rows queued by add*() in batches, one transaction per flush).
//
//   npx tsx bench/store.ts [--seconds N] [--batch N] [--per-flush N] [--json]
//
// 1. flows: for N seconds (default 5), queue --per-flush FlowRecords (default
//    20 000: a busy second) in batches of --batch, then flush() them in one
//    transaction, and again. records/s = committed / elapsed, queueing and
//    SQLite work both counted, into a growing table with its three indexes.
//    Flush duration (mean, max) = how long the writer's thread is held per
//    second of traffic; bytes per record on disk. Records are realistic (IPv4/
//    IPv6 mix, 64-bit counters, ns strings) and taken from a pre-built pool.
// 2. samples: the same with per-second SampleRows (upserts + minute rollups),
//    4 sources × 6 classes per second.
// The database lives in a temp dir under the OS temp dir and is deleted after.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FlowRecord } from '../lib/flows/index.js';
import { StoreWriter, type SampleRow } from '../lib/store/index.js';
import { CLASS_NAMES } from '../lib/stats/index.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const SECONDS = arg('seconds', 5);
const BATCH = arg('batch', 1000);
const PER_FLUSH = arg('per-flush', 20_000);
const JSON_OUT = process.argv.includes('--json');

const POOL = 50_000;
function records(t0: number): FlowRecord[] {
  const out: FlowRecord[] = [];
  for (let i = 0; i < POOL; i++) {
    const first = BigInt(t0) * 1_000_000_000n + BigInt(i) * 7919n;
    const v6 = i % 4 === 0;
    out.push({
      community_id: `1:${Buffer.from(String(i * 2654435761)).toString('base64').padEnd(27, 'A').slice(0, 27)}=`,
      source: i & 1,
      vlan: 0,
      proto: i % 3 === 0 ? 17 : 6,
      src_ip: v6 ? `2001:db8:${(i >> 16).toString(16)}::${(i & 0xffff).toString(16)}` : `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
      src_port: 1024 + (i % 60000),
      dst_ip: v6 ? '2001:db8::443' : `192.168.${i % 7}.${i % 251}`,
      dst_port: [443, 80, 53, 22][i % 4]!,
      first_ns: first.toString(),
      last_ns: (first + 1_234_567_890n).toString(),
      packets_c2s: 1 + (i % 100),
      bytes_c2s: i % 50 === 0 ? 2 ** 33 + i : 60 * (1 + (i % 100)),
      packets_s2c: i % 90,
      bytes_s2c: 1500 * (i % 90),
      tcp_flags: 0x1b,
      state: 'closed',
      end_reason: 'fin',
    });
  }
  return out;
}

interface Result {
  rows: number;
  seconds: number;
  rate: number;
  flushes: number;
  flush_ms_mean: number;
  flush_ms_max: number;
  db_bytes: number;
}

function sustained(name: string, produce: (i: number) => { flows?: FlowRecord[]; samples?: SampleRow[] }): Result {
  const dir = mkdtempSync(join(tmpdir(), `ww-bench-${name}-`));
  const path = join(dir, 'bench.db');
  const flushMs: number[] = [];
  try {
    // flushMs is large: the loop calls flush() itself after each PER_FLUSH rows
    const writer = StoreWriter.open(path, {}, { flushMs: 3_600_000, retentionEveryMs: 0 });
    const t0 = performance.now();
    let i = 0;
    let queued = 0;
    const timedFlush = () => {
      const f0 = performance.now();
      const r = writer.flush();
      if (!r.ok) throw new Error(`flush failed: ${r.error}`);
      flushMs.push(performance.now() - f0);
    };
    while (performance.now() - t0 < SECONDS * 1000) {
      const b = produce(i++);
      if (b.flows) writer.addFlows(b.flows);
      if (b.samples) writer.addSamples(b.samples);
      queued += (b.flows?.length ?? 0) + (b.samples?.length ?? 0);
      if (queued >= PER_FLUSH) {
        timedFlush();
        queued = 0;
      }
    }
    timedFlush();
    const seconds = (performance.now() - t0) / 1000;
    const rows = writer.stats().rows_written;
    writer.close();
    const dbBytes = ['', '-wal'].reduce((a, s) => a + (statSync(path + s, { throwIfNoEntry: false })?.size ?? 0), 0);
    return {
      rows,
      seconds: Number(seconds.toFixed(2)),
      rate: Math.round(rows / seconds),
      flushes: flushMs.length,
      flush_ms_mean: Number((flushMs.reduce((a, b) => a + b, 0) / flushMs.length).toFixed(1)),
      flush_ms_max: Number(Math.max(...flushMs).toFixed(1)),
      db_bytes: dbBytes,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const pool = records(1_700_000_000);
const flows = sustained('flows', (i) => {
  const at = (i * BATCH) % POOL;
  return { flows: pool.slice(at, at + BATCH) };
});

// 4 sources × 6 classes per second, as the stats module emits them when a second closes
let ts = 1_700_000_000;
const samples = sustained('samples', () => {
  const rows: SampleRow[] = [];
  for (let k = 0; k < Math.max(1, Math.floor(BATCH / 24)); k++, ts++) {
    for (let source = 0; source < 4; source++) for (const cls of CLASS_NAMES) rows.push({ ts, source, cls, packets: 1000 + source, bytes: 900_000 });
  }
  return { samples: rows };
});

const result = { seconds: SECONDS, batch: BATCH, per_flush: PER_FLUSH, flows, samples, bytes_per_flow: Math.round(flows.db_bytes / flows.rows) };
if (JSON_OUT) console.log(JSON.stringify(result));
else {
  console.log(`store: ${SECONDS} s each, batches of ${BATCH}, one transaction per ${PER_FLUSH} rows (StoreWriter)`);
  console.log(`  flow records: ${flows.rate.toLocaleString('en')} records/s (${flows.rows.toLocaleString('en')} in ${flows.seconds} s), flush mean ${flows.flush_ms_mean} ms, max ${flows.flush_ms_max} ms, ~${result.bytes_per_flow} B/record on disk`);
  console.log(`  samples:      ${samples.rate.toLocaleString('en')} rows/s (${samples.rows.toLocaleString('en')} in ${samples.seconds} s), flush mean ${samples.flush_ms_mean} ms, max ${samples.flush_ms_max} ms`);
}

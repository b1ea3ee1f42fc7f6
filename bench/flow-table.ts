// FlowTable micro-benchmark: bytes per flow and packets/s with 1 M concurrent flows.
//
//   node --expose-gc --import tsx bench/flow-table.ts [--flows N] [--packets N] [--json]
//   (npx tsx works too; --expose-gc makes the RSS figures steadier)
//
// Synthetic IPv4 batches (1024 rows, the addon's layout) go straight into
// FlowTable.ingest(), no capture involved:
//   1. insert: one SYN per new TCP/UDP flow until N flows are live (default 1 M);
//      RSS before/after gives bytes per flow (the whole process must stay < 300 MB);
//   2. update: packets on random live flows, both directions (default 5 M), the
//      steady-state lookup + update rate;
//   3. churn: a table bounded at N/2 fed new flows, so each packet evicts one.
// Packet times advance 1 µs per packet, so no timeout fires during the run.
// Figures are printed, not judged; run it on a quiet machine (2 shared cores).
import { Batch } from '../lib/capture/batch.js';
import { batchBytes, HEADER, HEADER_WORDS, L3, LAYER } from '../lib/capture/layout.js';
import { FlowTable } from '../lib/flows/index.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const FLOWS = arg('flows', 1_000_000);
const PACKETS = arg('packets', 5_000_000);
const ROWS = 1024;

const buffer = new ArrayBuffer(batchBytes(ROWS, 0));
const batch = new Batch(buffer, 0, ROWS, 0);
new Uint32Array(buffer, 0, HEADER_WORDS)[HEADER.rows] = ROWS;
batch.srcAddrBytes.fill(0);
for (let i = 0; i < ROWS; i++) {
  // v4-mapped prefix ::ffff: in word 2 (bytes 8..11 = 00 00 ff ff)
  batch.srcAddrBytes[i * 16 + 10] = batch.srcAddrBytes[i * 16 + 11] = 0xff;
  batch.dstAddrBytes[i * 16 + 10] = batch.dstAddrBytes[i * 16 + 11] = 0xff;
  batch.l3[i] = L3.ipv4;
  batch.wireLen[i] = 100;
}

let clockNs = 0;
/** Row i = flow k of the synthetic population, in direction `reverse`. */
function setRow(i: number, k: number, reverse: boolean): void {
  const client = (0x0a000000 + (k >>> 4)) >>> 0; // 10.x.y.z: 16 flows per client
  const server = (0xc0a80000 + (k % 251)) >>> 0; // 192.168.0.x
  const cport = 1024 + (k & 15) * 3000 + (k % 7);
  const tcp = (k & 3) !== 0; // ¾ TCP, ¼ UDP
  const sa = reverse ? server : client;
  const da = reverse ? client : server;
  // word 3 holds the 4 IPv4 bytes in network order, read as a little-endian u32
  batch.srcAddr[i * 4 + 3] = ((sa >>> 24) | ((sa >>> 8) & 0xff00) | ((sa << 8) & 0xff0000) | (sa << 24)) >>> 0;
  batch.dstAddr[i * 4 + 3] = ((da >>> 24) | ((da >>> 8) & 0xff00) | ((da << 8) & 0xff0000) | (da << 24)) >>> 0;
  batch.srcPort[i] = reverse ? 443 : cport;
  batch.dstPort[i] = reverse ? cport : 443;
  batch.ipProto[i] = tcp ? 6 : 17;
  batch.layers[i] = LAYER.ethernet | LAYER.ipv4 | (tcp ? LAYER.tcp : LAYER.udp);
  batch.tcpFlags[i] = tcp ? (reverse ? 0x12 : 0x10) : 0;
  // direction-independent stand-in for the parser's hash
  let h = Math.imul(client ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(server, 0xc2b2ae35) ^ Math.imul(cport + (tcp ? 6 : 17), 0x27d4eb2f);
  h ^= h >>> 15;
  batch.flowHash[i] = Math.imul(h, 0x2c1b3c6d) >>> 0;
  clockNs += 1000;
  batch.tsSec[i] = 1_767_225_600 + Math.floor(clockNs / 1e9);
  batch.tsNsec[i] = clockNs % 1e9;
}

const rssMb = () => process.memoryUsage().rss / 2 ** 20;
const gc = (globalThis as { gc?: () => void }).gc;

function run(): Record<string, number> {
  gc?.();
  const rss0 = rssMb();
  const table = new FlowTable({ maxFlows: FLOWS, timeouts: { active: 1e9 }, hashSeed: 1 });
  const rssEmpty = rssMb();

  // 1. insert
  let t0 = performance.now();
  for (let k = 0; k < FLOWS; k += ROWS) {
    const n = Math.min(ROWS, FLOWS - k);
    for (let i = 0; i < n; i++) setRow(i, k + i, false);
    new Uint32Array(buffer, 0, HEADER_WORDS)[HEADER.rows] = n;
    table.ingest(batch);
  }
  const insertMs = performance.now() - t0;
  new Uint32Array(buffer, 0, HEADER_WORDS)[HEADER.rows] = ROWS;
  gc?.();
  const rssFull = rssMb();
  if (table.size !== FLOWS) throw new Error(`expected ${FLOWS} flows, have ${table.size}`);

  // 2. update: random live flows (xorshift), both directions; fill time excluded
  let x = 0x12345678;
  let ingestMs = 0;
  for (let done = 0; done < PACKETS; done += ROWS) {
    for (let i = 0; i < ROWS; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      setRow(i, (x >>> 0) % FLOWS, (x & 1) === 1);
    }
    t0 = performance.now();
    table.ingest(batch);
    ingestMs += performance.now() - t0;
  }
  const rssAfter = rssMb(); // the 1 M-flow process at steady state (< 300 MB required)
  if (table.size !== FLOWS || table.stats.created.total !== FLOWS) throw new Error('update phase created flows');

  // 3. churn: a half-size table, every packet a new flow → one eviction each
  //    (a second table in the same process: RSS after this point is not the 1 M figure)
  const small = new FlowTable({ maxFlows: Math.floor(FLOWS / 2), timeouts: { active: 1e9 }, hashSeed: 2 });
  let churnMs = 0;
  for (let k = 0; k < FLOWS; k += ROWS) {
    for (let i = 0; i < ROWS; i++) setRow(i, k + i, false);
    t0 = performance.now();
    small.ingest(batch);
    churnMs += performance.now() - t0;
  }

  return {
    flows: FLOWS,
    bytes_per_flow: Math.round(((rssFull - rss0) * 2 ** 20) / FLOWS),
    rss_empty_table_mb: Math.round(rssEmpty),
    rss_full_mb: Math.round(rssFull),
    rss_after_updates_mb: Math.round(rssAfter),
    insert_pps: Math.round(FLOWS / (insertMs / 1000)),
    update_pps: Math.round(PACKETS / (ingestMs / 1000)),
    churn_evict_pps: Math.round(FLOWS / (churnMs / 1000)),
    evictions: small.stats.evicted,
  };
}

const result = run();
if (process.argv.includes('--json')) console.log(JSON.stringify(result));
else for (const [k, v] of Object.entries(result)) console.log(`${k.padEnd(20)} ${v.toLocaleString('en-US')}`);

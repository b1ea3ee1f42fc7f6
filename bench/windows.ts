// Windows micro-benchmark: per-packet cost of lib/stats next to FlowTable's.
// It times Windows.ingest, the path of a library user who runs Windows alone
// (every packet goes to the top-talker tables). A Pipeline instead counts per
// packet and feeds top talkers once per flow and second from the FlowTable's
// sums; bench/pipeline-peers.sh measures that, as part of the whole replay.
//
//   node --import tsx bench/windows.ts [--packets N] [--flows N (one population only)] [--json]
//
// Synthetic IPv4 TCP/UDP batches (1024 rows, the addon's layout; built like
// bench/flow-table.ts) go straight into Windows.ingest(), no capture involved,
// in two populations: 1 M distinct flows (~62 k client hosts: both top-talker
// tables overflow every second and most packets are a new key for their
// second, the worst case of the batched Space-Saving in lib/stats) and 100
// distinct flows (everything exact). Packet time advances 1 µs per
// packet, so 10 M packets close 10 seconds inside ingest (included in the time).
// Only ingest is timed (filling the batch is not), by wall clock and by the
// process's CPU time (getrusage), which a busy shared machine disturbs less; snapshot() is timed once
// after each run (warm, after one more second closed): the merge of the
// candidates of the default windows (1, 10, 60 s), saturated in the 1 M case.
import { Batch } from '../lib/capture/batch.js';
import { batchBytes, HEADER, HEADER_WORDS, L3, LAYER } from '../lib/capture/layout.js';
import { Windows } from '../lib/stats/index.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const PACKETS = arg('packets', 10_000_000);
const ROWS = 1024;

const buffer = new ArrayBuffer(batchBytes(ROWS, 0));
const batch = new Batch(buffer, 0, ROWS, 0);
new Uint32Array(buffer, 0, HEADER_WORDS)[HEADER.rows] = ROWS;
for (let i = 0; i < ROWS; i++) {
  // v4-mapped prefix ::ffff: in word 2 (bytes 8..11 = 00 00 ff ff)
  batch.srcAddrBytes[i * 16 + 10] = batch.srcAddrBytes[i * 16 + 11] = 0xff;
  batch.dstAddrBytes[i * 16 + 10] = batch.dstAddrBytes[i * 16 + 11] = 0xff;
  batch.l3[i] = L3.ipv4;
}

const bswap = (x: number) => ((x >>> 24) | ((x >>> 8) & 0xff00) | ((x << 8) & 0xff0000) | (x << 24)) >>> 0;
let clockNs = 0;
/** Row i = flow k of the synthetic population, in direction `reverse` (as bench/flow-table.ts). */
function setRow(i: number, k: number, reverse: boolean): void {
  const client = (0x0a000000 + (k >>> 4)) >>> 0; // 10.x.y.z: 16 flows per client
  const server = (0xc0a80000 + (k % 251)) >>> 0; // 192.168.0.x
  const cport = 1024 + (k & 15) * 3000 + (k % 7);
  const tcp = (k & 3) !== 0; // ¾ TCP, ¼ UDP
  batch.srcAddr[i * 4 + 3] = bswap(reverse ? server : client);
  batch.dstAddr[i * 4 + 3] = bswap(reverse ? client : server);
  batch.srcPort[i] = reverse ? 443 : cport;
  batch.dstPort[i] = reverse ? cport : 443;
  batch.ipProto[i] = tcp ? 6 : 17;
  batch.layers[i] = LAYER.ethernet | LAYER.ipv4 | (tcp ? LAYER.tcp : LAYER.udp);
  batch.wireLen[i] = 60 + (k % 1400);
  let h = Math.imul(client ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(server, 0xc2b2ae35) ^ Math.imul(cport + (tcp ? 6 : 17), 0x27d4eb2f);
  h ^= h >>> 15;
  batch.flowHash[i] = Math.imul(h, 0x2c1b3c6d) >>> 0;
  clockNs += 1000;
  batch.tsSec[i] = 1_767_225_600 + Math.floor(clockNs / 1e9);
  batch.tsNsec[i] = clockNs % 1e9;
}

function run(flows: number): Record<string, number> {
  clockNs = 0;
  let seconds = 0;
  const windows = new Windows({ hashSeed: 1, onSecond: () => seconds++ });
  let x = 0x12345678;
  let ingestMs = 0;
  let ingestCpuMs = 0; // CPU time of this thread's process: steadier than wall time on a shared machine
  for (let done = 0; done < PACKETS; done += ROWS) {
    for (let i = 0; i < ROWS; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      setRow(i, (x >>> 0) % flows, (x & 1) === 1);
    }
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    windows.ingest(batch);
    const c1 = process.cpuUsage(c0);
    ingestMs += performance.now() - t0;
    ingestCpuMs += (c1.user + c1.system) / 1000;
  }
  windows.snapshot(); // first call: includes compiling the merge
  windows.advance(batch.tsSec[ROWS - 1]! + 1); // closes the last second: a fresh merge
  const t0 = performance.now();
  const snap = windows.snapshot();
  const snapshotMs = performance.now() - t0;
  if (snap.windows[0]!.top_flows.length === 0 || seconds < Math.floor(PACKETS / 1e6) - 1) throw new Error('nothing counted');
  return {
    flows,
    packets: PACKETS,
    ingest_mpps: Math.round(PACKETS / ingestMs / 10) / 100,
    ns_per_packet: Math.round((ingestMs * 1e6) / PACKETS),
    ingest_mpps_cpu: Math.round(PACKETS / ingestCpuMs / 10) / 100,
    cpu_ns_per_packet: Math.round((ingestCpuMs * 1e6) / PACKETS),
    snapshot_ms: Math.round(snapshotMs * 10) / 10,
    seconds_closed: seconds,
    rss_mb: Math.round(process.memoryUsage().rss / 2 ** 20),
  };
}

const only = arg('flows', 0);
const results = only > 0 ? [run(only)] : [run(1_000_000), run(100)];
if (process.argv.includes('--json')) console.log(JSON.stringify(results));
else for (const r of results) console.log(`windows ${String(r.flows).padStart(7)} flows: ${r.ingest_mpps} M packets/s (${r.ns_per_packet} ns/packet; by CPU time ${r.ingest_mpps_cpu} M/s, ${r.cpu_ns_per_packet} ns), snapshot ${r.snapshot_ms} ms, ${r.seconds_closed} seconds closed, RSS ${r.rss_mb} MB`);

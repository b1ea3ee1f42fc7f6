// The flow table's native core alone (FlowCore.ingest over a capture's batches
// held in memory, per-second sums on, no records), two addon builds
// alternating in one process, CPU time of the process (so a prefault worker's
// zeroing counts too). For native changes to native/flows/: this shared
// machine's speed drifts by ±20 % between runs, so only such pairs show
// effects of a few percent (bench/RESULTS.md §4, session 7).
//
//   node --import tsx bench/flow-core-ab.ts FILE ADDON_A ADDON_B [--pairs N]
//
// ADDON_A/B: wirewatch.node files (copy build/Release/wirewatch.node aside
// before rebuilding). Prints each build's median and B's change per pair.
import { createRequire } from 'node:module';
import { Batch } from '../lib/capture/batch.js';
import { CaptureSource } from '../lib/capture/index.js';
import type { NativeAddon } from '../lib/capture/native-types.js';
import { ICMP_COUNTERPARTS } from '../lib/flows/community-id.js';
import { classTimeouts, resolveTimeouts } from '../lib/flows/timeouts.js';

const args = process.argv.slice(2);
const pairsAt = args.indexOf('--pairs');
const pairs = pairsAt >= 0 ? Number(args[pairsAt + 1]) : 6;
const [file, a, b] = args.filter((_, i) => i !== pairsAt && i !== pairsAt + 1);
if (!file || !a || !b) {
  console.error('usage: bench/flow-core-ab.ts FILE ADDON_A ADDON_B [--pairs N]');
  process.exit(2);
}
const require = createRequire(import.meta.url);
const addons = [require(a) as NativeAddon, require(b) as NativeAddon];

const batches: Batch[] = [];
const source = CaptureSource.openFile({ file });
source.on('batch', (x: Batch) => batches.push(new Batch(x.buffer.slice(0), x.slot, x.capacity, x.data.length)));
source.start();
await source.ended();
const packets = batches.reduce((n, x) => n + x.rows, 0);

const timeouts = resolveTimeouts();
const times: [number[], number[]] = [[], []];
for (let p = 0; p < pairs; p++) {
  for (const k of p % 2 ? [1, 0] : [0, 1]) {
    const core = new addons[k]!.FlowCore(1_000_000, 12345, ICMP_COUNTERPARTS, () => core.nextSecond());
    core.setTimeouts(classTimeouts(timeouts), timeouts.active);
    core.setKeep(false, true);
    const t0 = process.cpuUsage();
    for (const x of batches) {
      core.ingest(x.buffer, x.capacity, 0, x.rows);
      core.resetQueues();
    }
    const d = process.cpuUsage(t0);
    times[k]!.push((d.user + d.system) / 1000);
  }
}
const median = (x: number[]) => [...x].sort((p, q) => p - q)[x.length >> 1]!;
const changes = times[0].map((t, i) => ((times[1][i]! - t) / t) * 100);
console.log(`${file}: ${packets} packets, ${pairs} pairs`);
console.log(`A ${a}: median ${median(times[0]).toFixed(0)} ms (${((median(times[0]) * 1e6) / packets).toFixed(0)} ns/packet)`);
console.log(`B ${b}: median ${median(times[1]).toFixed(0)} ms (${((median(times[1]) * 1e6) / packets).toFixed(0)} ns/packet)`);
console.log(`B vs A per pair: ${changes.map((c) => `${c >= 0 ? '+' : ''}${c.toFixed(1)} %`).join(', ')}; median ${median(changes).toFixed(1)} %`);

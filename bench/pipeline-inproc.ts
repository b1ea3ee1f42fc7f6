// Pipeline.ingest alone, without the capture thread or start-up: the capture's
// batches are read into memory once, then fed to a fresh Pipeline per run, timed
// by the process's CPU time. With --against, runs alternate between this tree's
// lib/ and another build's dist/lib in one process, and the change per pair is
// printed: this shared machine's speed drifts by ±20 % between runs, so only
// such pairs show effects of a few percent (bench/RESULTS.md §4, session 6).
//
//   node --import tsx bench/pipeline-inproc.ts FILE [--runs N] [--against DIR]
//
// DIR: the dist/lib of another build, inside a package root the addon can be
// found from (its package.json, and build/ or prebuilds/ beside it; symlinks do).
import { Batch } from '../lib/capture/batch.js';
import { CaptureSource } from '../lib/capture/index.js';
import { Pipeline } from '../lib/pipeline/index.js';

const args = process.argv.slice(2);
const option = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const file = args.find((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--'));
if (!file) {
  console.error('usage: bench/pipeline-inproc.ts FILE [--runs N] [--against DIR]');
  process.exit(2);
}
const runs = Number(option('runs') ?? 6);
const against = option('against');

type PipelineClass = new () => { ingest(batch: Batch): void; flush(): void };
const contenders: Array<[string, PipelineClass]> = [['this tree', Pipeline]];
if (against) contenders.unshift([against, (await import(`${against}/pipeline/index.js`)).Pipeline as PipelineClass]);

// Copies, so that the source's ring slots can be reused while we keep every batch.
const batches: Batch[] = [];
const source = CaptureSource.openFile({ file });
source.on('batch', (b) => batches.push(new Batch(b.buffer.slice(0), b.slot, b.capacity, b.data.length)));
source.start();
await source.ended();
const packets = batches.reduce((n, b) => n + b.rows, 0);

const cpuMs = new Map<string, number[]>(contenders.map(([name]) => [name, []]));
for (let r = 0; r < runs; r++) {
  // Alternate which goes first, so a drift within a pair does not favour one side.
  for (const [name, Impl] of r % 2 ? [...contenders].reverse() : contenders) {
    const pipeline = new Impl();
    const start = process.cpuUsage();
    for (const b of batches) pipeline.ingest(b);
    pipeline.flush();
    const used = process.cpuUsage(start);
    cpuMs.get(name)!.push((used.user + used.system) / 1000);
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
console.log(`${file}: ${packets} packets, ${runs} runs each`);
for (const [name, ms] of cpuMs) {
  console.log(`${name.padEnd(40)} CPU ms: min ${Math.min(...ms).toFixed(0)}, median ${median(ms).toFixed(0)} (${((median(ms) * 1e6) / packets).toFixed(0)} ns/packet)`);
}
if (against) {
  const base = cpuMs.get(against)!;
  const ours = cpuMs.get('this tree')!;
  const change = base.map((b, i) => (ours[i]! / b - 1) * 100).sort((a, b) => a - b);
  console.log(`this tree vs ${against}, per pair: median ${median(change).toFixed(1)} %, range ${change[0]!.toFixed(1)} .. ${change[change.length - 1]!.toFixed(1)} %`);
}

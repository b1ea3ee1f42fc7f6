// What storage and export cost the pipeline: one capture replayed through the
// pipeline with flow records built, then with the SQLite writer, then with IPFIX
// (UDP to a local socket) + JSONL export. Everything on ONE thread here, so this
// is pessimistic: the daemon runs the pipeline in a worker and the sinks on the
// main thread. Prints figures only.
//
//   node --import tsx bench/pipeline-sinks.ts [FILE] [--runs N]
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CaptureSource } from '../lib/capture/index.js';
import { createFlowSinks, type FlowSink } from '../lib/export/index.js';
import { Pipeline } from '../lib/pipeline/index.js';
import { StoreWriter } from '../lib/store/index.js';

const args = process.argv.slice(2);
const runsAt = args.indexOf('--runs');
const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 3;
const file = args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--runs') ?? 'bench/.data/flows-3.5m.pcap';

type Mode = 'records' | 'storage' | 'export';

async function once(mode: Mode, port: number): Promise<{ pps: number; records: number; extra: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'ww-sinks-'));
  const pipeline = new Pipeline();
  let records = 0;
  let writer: StoreWriter | null = null;
  let sinks: FlowSink[] = [];
  if (mode === 'storage') {
    writer = StoreWriter.open(join(dir, 'bench.db'), {}, { flushMs: 1000 });
    const w = writer;
    pipeline.on('second', (rows) => w.addSamples(rows));
  }
  if (mode === 'export') {
    sinks = createFlowSinks({ ipfix: { collector: `127.0.0.1:${port}`, transport: 'udp' }, jsonl: { path: join(dir, 'flows.jsonl') } });
  }
  const pending: ReturnType<Pipeline['liveFlows']> = [];
  pipeline.on('flow', (r) => {
    records++;
    if (writer) pending.push(r);
    for (const s of sinks) s.write(r);
  });
  const started = performance.now();
  const source = CaptureSource.openFile({ file });
  source.on('batch', (b) => {
    pipeline.ingest(b);
    if (writer && pending.length > 0) writer.addFlows(pending.splice(0));
  });
  source.start();
  await source.ended();
  pipeline.flush();
  if (writer && pending.length > 0) writer.addFlows(pending.splice(0));
  const close = writer?.close();
  await Promise.all(sinks.map((s) => s.close()));
  const secs = (performance.now() - started) / 1000;
  const extra = close ? `rows_written ${close.written}` : sinks.map((s) => `${s.name} sent ${s.stats().sent} dropped ${s.stats().dropped}`).join(', ');
  rmSync(dir, { recursive: true, force: true });
  return { pps: pipeline.totals.packets / secs, records, extra };
}

const sink = createSocket('udp4');
await new Promise<void>((r) => sink.bind(0, '127.0.0.1', r));
sink.on('message', () => {});
const port = sink.address().port;
console.log(`pipeline + sinks on ${file}, best of ${runs} (one thread; load ${(await import('node:os')).loadavg().map((l) => l.toFixed(2)).join(' ')})`);
const best: Record<Mode, number> = { records: 0, storage: 0, export: 0 };
for (let r = 0; r < runs; r++) {
  for (const mode of ['records', 'storage', 'export'] as const) {
    const res = await once(mode, port);
    best[mode] = Math.max(best[mode], res.pps);
    console.log(`  run ${r + 1} ${mode.padEnd(8)} ${(res.pps / 1e6).toFixed(3)} M packets/s, ${res.records} records ${res.extra}`);
  }
}
sink.close();
for (const mode of ['storage', 'export'] as const) {
  console.log(`${mode} on vs records only: ${(best[mode] / 1e6).toFixed(3)} vs ${(best.records / 1e6).toFixed(3)} M packets/s = ${(100 * (1 - best[mode] / best.records)).toFixed(1)} % slower`);
}

// Runs a StoreWriter inside a worker_thread the way the daemon could: plain
// data in (workerData: path and options; messages: rows), plain data out (stats).
import { parentPort, workerData } from 'node:worker_threads';
import { StoreWriter } from '../../../../lib/store/index.js';

const { path } = workerData as { path: string };
const logs: string[] = [];
const writer = StoreWriter.open(path, {}, { flushMs: 50, log: (level, message) => logs.push(`${level}: ${message}`) });
parentPort!.on('message', (m: { t: 'samples' | 'flows' | 'close'; rows?: never[] }) => {
  if (m.t === 'samples') writer.addSamples(m.rows!);
  else if (m.t === 'flows') writer.addFlows(m.rows!);
  else {
    writer.close();
    parentPort!.postMessage({ stats: writer.stats(), logs });
  }
});
parentPort!.postMessage({ ready: true });

// The history writer (a worker_thread of the daemon). The pipeline worker sends
// flow records and closed seconds straight here over a MessagePort, so the big
// SQLite transactions never run on the main thread (API) or the pipeline thread.
// The main thread sends source stats and reads `stats` messages for /readyz.
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { StoreWriter } from '../store/index.js';
import type { StoreFeed, StoreWorkerSetup, ToStoreWorker } from './protocol.js';
import { lowerThisThreadPriority } from './thread-priority.js';

lowerThisThreadPriority();

const setup = workerData as StoreWorkerSetup & { feed: MessagePort };
const port = parentPort!;

let writer: StoreWriter;
try {
  writer = StoreWriter.open(
    setup.path,
    { samplesHours: setup.samplesHours, retentionDays: setup.retentionDays },
    { flushMs: setup.flushMs, log: (level, msg, meta) => port.postMessage({ t: 'log', level, msg, meta }) },
  );
} catch (error) {
  const e = error as Error & { code?: string };
  port.postMessage({ t: 'open-failed', code: e.code ?? 'store_open_failed', message: e.message });
  process.exit(0);
}
port.postMessage({ t: 'opened' });

const timer = setInterval(() => port.postMessage({ t: 'stats', stats: writer.stats() }), 1000);
let closed = false;

function close(): void {
  if (closed) return;
  closed = true;
  clearInterval(timer);
  const result = writer.close();
  port.postMessage({ t: 'closed', result, stats: writer.stats() });
  setup.feed.close();
}

setup.feed.on('message', (m: StoreFeed) => {
  if (closed) return;
  if (m.t === 'flows') writer.addFlows(m.records);
  else if (m.t === 'seconds') writer.addSamples(m.rows);
  else if (m.t === 'end') close(); // the pipeline sent its last records: flush and close
});

port.on('message', (m: ToStoreWorker) => {
  if (m.t === 'source-stats') writer.addSourceStats(m.rows);
  else if (m.t === 'close') close();
});

// Worker body: replays workerData.file; with workerData.loop, reports once it is
// running and keeps looping until the parent terminates the worker.
import { parentPort, workerData } from 'node:worker_threads';
import { CaptureSource } from '../../../lib/index.js';

const { file, loop } = workerData as { file: string; loop: boolean };
const source = CaptureSource.openFile({ file, loop });
let packets = 0;
let told = false;
source.on('batch', (b) => {
  packets += b.rows;
  if (loop && !told && packets > 1000) {
    told = true;
    parentPort!.postMessage({ running: true });
  }
});
source.start();
await source.ended();
parentPort!.postMessage({ packets });

// Runs in a worker thread (see thread-priority.test.ts): lowers its own priority,
// then reports its nice value and that of a thread it starts afterwards.
import { readlinkSync } from 'node:fs';
import { getPriority } from 'node:os';
import { parentPort, Worker } from 'node:worker_threads';
import { lowerThisThreadPriority } from '../../../lib/daemon/thread-priority.js';

const tid = () => Number(readlinkSync('/proc/thread-self').split('/').pop());
const returned = lowerThisThreadPriority();
const own = getPriority(tid());
const child = new Worker(
  `const { readlinkSync } = require('node:fs'); const { getPriority } = require('node:os');
   require('node:worker_threads').parentPort.postMessage(getPriority(Number(readlinkSync('/proc/thread-self').split('/').pop())));`,
  { eval: true },
);
child.once('message', (inherited: number) => {
  parentPort!.postMessage({ returned, own, inherited });
  void child.terminate();
});

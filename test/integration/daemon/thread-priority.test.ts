// The daemon's workers yield the CPU to the main thread (the API): their nice
// value is raised per thread, not for the process, and threads they start
// (capture threads) inherit it.
import { readlinkSync } from 'node:fs';
import { getPriority } from 'node:os';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { WORKER_NICE_STEP } from '../../../lib/daemon/thread-priority.js';

const probe = new URL('./priority-probe.ts', import.meta.url).href;
const loader = new URL('../../../lib/daemon/worker-tsx.mjs', import.meta.url);
const threadNice = () => getPriority(Number(readlinkSync('/proc/thread-self').split('/').pop()));

describe('lowerThisThreadPriority', () => {
  it('raises the calling thread\'s nice value only, and threads it starts inherit it', async () => {
    const before = threadNice();
    const worker = new Worker(loader, { workerData: { entry: probe } });
    const result = await new Promise<{ returned: number; own: number; inherited: number }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    const expected = Math.min(19, before + WORKER_NICE_STEP);
    expect(result).toEqual({ returned: expected, own: expected, inherited: expected });
    expect(threadNice()).toBe(before); // the main thread keeps its priority
    expect(getPriority()).toBe(before); // and so does the process as a whole
  });
});

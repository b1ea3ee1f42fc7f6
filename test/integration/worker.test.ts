// The addon is context-aware: it loads in worker threads, and a worker that is
// terminated while its capture thread runs shuts down cleanly (env cleanup hook).
import { readdirSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { runChild } from '../support/child.js';
import { fixture } from '../support/paths.js';

const body = new URL('./children/worker-entry.mjs', import.meta.url);

function startWorker(file: string, loop: boolean): Worker {
  return new Worker(body, { workerData: { file, loop } });
}

describe('worker threads', () => {
  it('replays a capture inside a worker', async () => {
    const worker = startWorker(fixture('mixed.pcap'), false);
    const message = await new Promise<{ packets: number }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    expect(message.packets).toBe(254);
    await worker.terminate();
  });

  it('terminating a worker mid-capture stops its thread without crashing the process', async () => {
    const threadsBefore = readdirSync('/proc/self/task').length;
    for (let i = 0; i < 5; i++) {
      const worker = startWorker(fixture('mixed.pcap'), true);
      await new Promise((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      });
      await worker.terminate();
    }
    await new Promise((r) => setTimeout(r, 100));
    expect(readdirSync('/proc/self/task').length).toBeLessThanOrEqual(threadsBefore + 1);
  });
});

describe('listener errors', () => {
  it('a throwing batch listener becomes an uncaught exception, not an abort', () => {
    const { status, stderr } = runChild(new URL('./children/throwing-listener.ts', import.meta.url).pathname, [fixture('mixed.pcap')]);
    expect(stderr).toContain('listener failure 1234');
    expect(stderr).not.toContain('terminate called');
    expect(status).toBe(1);
  });
});

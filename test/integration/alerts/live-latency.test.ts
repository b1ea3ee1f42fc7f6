// Alert latency on a live loopback capture (root): from the packets that cross
// a threshold to the webhook request, through real libpcap, the Pipeline on
// the wall clock, Alerts and a loopback HTTP receiver. Windows cover closed
// seconds, so the latency is (rest of the second) + (tick phase) + delivery:
// measured with free-running 1 s ticks and with ticks aligned just after each
// second boundary (what the daemon does, lib/daemon/worker.ts).
import { describe, expect, it } from 'vitest';
import { createAlerts } from '../../../lib/alerts/index.js';
import { CaptureSource } from '../../../lib/capture/index.js';
import type { FlowRecord } from '../../../lib/flows/index.js';
import { Pipeline } from '../../../lib/pipeline/index.js';
import { isRoot } from '../../support/paths.js';
import { sendUdp, sleep, udpReceiver } from '../../support/udp.js';
import { config, rule } from '../../unit/alerts/support.js';
import { Receiver, waitFor } from './receiver.js';

async function measure(aligned: boolean, bursts: number): Promise<number[]> {
  const hook = new Receiver();
  await hook.listen();
  const target = await udpReceiver();
  const alerts = createAlerts({
    config: config({ rules: [rule({ name: 'live', window: 1, threshold: 10_000 })], webhook: { url: hook.url, secret: 'webhook-secret-0123456789', timeout_ms: 2000, max_queue: 100 } }),
  });
  const pipeline = new Pipeline({ clock: 'wall' });
  let pending: FlowRecord[] = [];
  pipeline.on('flow', (r) => pending.push(r));
  const source = CaptureSource.openLive({ interface: 'lo', filter: `udp and dst port ${target.port}`, timeoutMs: 10 });
  source.on('batch', (b) => pipeline.ingest(b));
  source.start();
  const tick = () => {
    const snap = pipeline.tick();
    const records = pending;
    pending = [];
    if (records.length) alerts.onFlows(records);
    alerts.onSnapshot({ taken: Date.now() / 1000, pipeline: snap, sources: [], lag_s: 0 });
  };
  let timer: NodeJS.Timeout;
  if (aligned) {
    // just after each second boundary, once the capture's last batch (batchMs 50) is in
    const next = () => (timer = setTimeout(() => (tick(), next()), 1000 - (Date.now() % 1000) + 60));
    next();
  } else {
    timer = setInterval(tick, 1000);
  }
  const samples: number[] = [];
  try {
    for (let i = 0; i < bursts; i++) {
      await sleep(200 + Math.random() * 800); // a random phase within the second
      const n = hook.requests.length;
      const start = performance.now();
      await sendUdp(target.port, new Array(20).fill(1000)); // 20.8 kB on the wire within a few ms
      await waitFor('the firing webhook', () => hook.requests.length > n, 5000);
      samples.push(hook.requests[n]!.at - start);
      await waitFor('the resolved webhook', () => hook.requests.length > n + 1, 5000);
    }
  } finally {
    clearTimeout(timer!);
    clearInterval(timer!);
    source.stop();
    await source.ended();
    await alerts.close();
    target.close();
    await hook.close();
  }
  return samples;
}

describe.skipIf(!isRoot)('alert latency on a live loopback capture (root)', () => {
  it('packets crossing a threshold → webhook request, under 2 s', async () => {
    const free = await measure(false, 3);
    const aligned = await measure(true, 3);
    const fmt = (xs: number[]) => xs.map((x) => `${Math.round(x)}`).join(', ');
    console.log(`live loopback alert latency, ms: free-running 1 s ticks [${fmt(free)}]; ticks aligned to second boundaries [${fmt(aligned)}]`);
    for (const x of [...free, ...aligned]) expect(x).toBeLessThan(2000);
    for (const x of aligned) expect(x).toBeLessThan(1200);
  }, 30_000);
});

// A drop burst on a live loopback capture (root): a consumer that stops giving
// batches back makes the capture's pool run dry, so real libpcap packets are
// dropped (ring drops) while traffic goes on. The drops rule, fed the source's
// counters each tick as the daemon does, fires once during the burst and
// resolves once nothing more is dropped; steady traffic before it fires nothing.
import { describe, expect, it } from 'vitest';
import { createAlerts, type AlertEvent } from '../../../lib/alerts/index.js';
import type { Batch } from '../../../lib/capture/batch.js';
import { CaptureSource } from '../../../lib/capture/index.js';
import { sourceCounters } from '../../../lib/daemon/source-status.js';
import { Pipeline } from '../../../lib/pipeline/index.js';
import { isRoot } from '../../support/paths.js';
import { sendUdp, sleep, udpReceiver } from '../../support/udp.js';
import { config, rule } from '../../unit/alerts/support.js';
import { waitFor } from './receiver.js';

describe.skipIf(!isRoot)('drop burst on a live loopback capture (root)', () => {
  it('the drops rule fires once during the burst and resolves after it; steady traffic fires nothing', async () => {
    const target = await udpReceiver();
    const alerts = createAlerts({ config: config({ rules: [rule({ name: 'dropping', metric: 'drops', window: 1, threshold: 0 })] }) });
    const events: AlertEvent[] = [];
    alerts.on('alert', (e) => events.push(e));
    const pipeline = new Pipeline({ clock: 'wall' });
    // 4 batches of 16 rows: at most 64 packets can wait for a consumer that holds them.
    const source = CaptureSource.openLive({ interface: 'lo', filter: `udp and dst port ${target.port}`, timeoutMs: 10, poolSize: 4, batchRows: 16 });
    let holding = false;
    const held: Batch[] = [];
    source.on('batch', (b) => {
      if (holding) {
        source.retain(b);
        held.push(b);
      } else {
        pipeline.ingest(b);
      }
    });
    source.start();
    const tick = () => {
      const snap = pipeline.tick();
      const status = { id: source.id, name: source.name, kind: 'live' as const, state: 'capturing' as const, ...sourceCounters(source.stats()) };
      alerts.onSnapshot({ taken: Date.now() / 1000, pipeline: snap, sources: [status], lag_s: 0 });
    };
    const timer = setInterval(tick, 250);
    try {
      // Steady traffic, consumed as it comes: no drops, no alert.
      for (let i = 0; i < 4; i++) {
        await sendUdp(target.port, new Array(20).fill(200));
        await sleep(300);
      }
      expect(source.stats().ringDrops).toBe(0);
      expect(events).toEqual([]);

      // The burst: the consumer holds every batch while 600 datagrams arrive.
      holding = true;
      const burstAt = Date.now() / 1000;
      await sendUdp(target.port, new Array(600).fill(200));
      await waitFor('the firing alert', () => events.length > 0, 5000);
      expect(source.stats().ringDrops).toBeGreaterThan(0);

      // The consumer catches up; nothing is dropped any more and the rule resolves.
      holding = false;
      for (const b of held.splice(0)) {
        pipeline.ingest(b);
        source.release(b);
      }
      await waitFor('the resolved alert', () => events.length > 1, 5000);
      await sleep(1500);
      expect(events.map((e) => `${e.rule} ${e.state}`)).toEqual(['dropping firing', 'dropping resolved']);
      expect(events[0]!.reason).toMatch(/dropped packets/);
      expect(events[0]!.time).toBeGreaterThanOrEqual(burstAt - 1);
      expect(events[0]!.time - burstAt).toBeLessThan(3);
      expect(events[0]!.value).toBeGreaterThan(0);
    } finally {
      clearInterval(timer);
      await source.stop();
      await alerts.close();
      target.close();
    }
  }, 30_000);
});

// The daemon in-process (pipeline in its worker thread): live reload of the
// filter while counters keep counting, rejected reloads, pause/resume.
import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { Batch } from '../../../lib/capture/batch.js';
import { CaptureSource } from '../../../lib/capture/source.js';
import { loadConfig } from '../../../lib/config/index.js';
import { Daemon, type DaemonSnapshot } from '../../../lib/daemon/index.js';
import { createLogger } from '../../../lib/log/index.js';
import { Pipeline } from '../../../lib/pipeline/index.js';
import { fixture } from '../../support/paths.js';
import { logCapture, tempDir, writeConfig } from './support.js';

const config = (extra: { bpf?: string; snaplen?: string } = {}) => `
capture:
  backend: file
  file: ${fixture('demo.pcap')}
  speed: 40
  loop: true
  bpf: "${extra.bpf ?? ''}"
${extra.snaplen ? `  snaplen: ${extra.snaplen}\n` : ''}storage:
  enabled: false
api:
  enabled: false
privileges:
  drop: false
  allow_root: true
logging:
  level: info
`;

const nextSnapshots = (daemon: Daemon, n: number): Promise<DaemonSnapshot> =>
  new Promise((resolve) => {
    let seen = 0;
    const on = (s: DaemonSnapshot) => {
      if (++seen >= n) {
        daemon.off('snapshot', on);
        resolve(s);
      }
    };
    daemon.on('snapshot', on);
  });

let daemon: Daemon | null = null;
let dir = '';
afterEach(async () => {
  await daemon?.stop();
  daemon = null;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function start(yaml: string) {
  dir = tempDir();
  const file = writeConfig(dir, yaml);
  const log = logCapture();
  const logger = createLogger({ level: 'info', format: 'json', stream: log.stream });
  daemon = await Daemon.start({ config: loadConfig(file), logger, configFile: file });
  return { file, log, daemon };
}

describe('Daemon', () => {
  it('reload applies a new BPF filter live; counters and flows keep counting', async () => {
    const { file, daemon } = await start(config({ bpf: 'tcp' }));
    const before = await nextSnapshots(daemon, 2);
    expect(before.pipeline.totals.layers.tcp).toBeGreaterThan(0);
    expect(before.pipeline.totals.layers.udp).toBe(0);
    writeConfig(dir, config({ bpf: 'udp' }));
    const result = await daemon.reload();
    expect(result, JSON.stringify(result)).toMatchObject({ ok: true });
    expect(result.applied).toContain('capture.bpf');
    await nextSnapshots(daemon, 2); // let batches read under the old filter drain
    const mid = await nextSnapshots(daemon, 1);
    const after = await nextSnapshots(daemon, 2);
    expect(after.pipeline.totals.layers.udp).toBeGreaterThan(0);
    expect(after.pipeline.totals.layers.tcp).toBe(mid.pipeline.totals.layers.tcp); // no TCP since the new filter
    expect(after.pipeline.totals.packets).toBeGreaterThan(before.pipeline.totals.packets); // never reset
    expect(after.pipeline.flows.created.total).toBeGreaterThanOrEqual(before.pipeline.flows.created.total);
    void file;
  });

  it('an invalid new config is rejected with the key path and the old one keeps running', async () => {
    const { daemon, log } = await start(config());
    await nextSnapshots(daemon, 1);
    writeConfig(dir, config({ snaplen: '"big"' }));
    const result = await daemon.reload();
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/capture\.snaplen/);
    const a = await nextSnapshots(daemon, 1);
    const b = await nextSnapshots(daemon, 1);
    expect(b.pipeline.totals.packets).toBeGreaterThan(a.pipeline.totals.packets);
    expect(daemon.state).toBe('running');
    expect(log.lines().some((l) => /reload rejected/.test(String(l.msg ?? l.message)))).toBe(true);
  });

  it('rebase_time replays the capture as if it happened now (demo history stays inside retention)', async () => {
    const { daemon } = await start(config().replace('  loop: true\n', '  loop: true\n  rebase_time: true\n'));
    const snap = await nextSnapshots(daemon, 2);
    // demo.pcap itself is from 2026-01-01; at 40× the replay runs ahead of the wall clock by 40 s per second.
    expect(Math.abs(snap.pipeline.time - Date.now() / 1000)).toBeLessThan(200);
    const flows = await daemon.liveFlows({ limit: 1 });
    expect(Math.abs(Number(BigInt(flows[0]!.first_ns) / 1_000_000_000n) - Date.now() / 1000)).toBeLessThan(200);
  });

  it('while live flows are asked for, each tick brings them: answers match that tick\'s snapshot exactly', async () => {
    const { daemon } = await start(config().replace('speed: 40', 'speed: max'));
    await nextSnapshots(daemon, 1);
    await daemon.liveFlows(); // the first ask goes to the worker and starts the following
    for (let i = 0; i < 3; i++) {
      const snap = await nextSnapshots(daemon, 1);
      // Asked right after the tick, while the replay runs at full speed: without the
      // tick's copy this would be the worker's table some ms later, not the snapshot's.
      const flows = await daemon.liveFlows();
      expect(flows.length).toBe(snap.pipeline.flows.active);
      expect(flows.every((f) => f.end_reason === null)).toBe(true);
      expect((await daemon.liveFlows({ limit: 2 })).map((f) => f.community_id)).toEqual(flows.slice(0, 2).map((f) => f.community_id));
    }
  });

  it('pause stops counting, resume goes on; live flows are served from the worker', async () => {
    const { daemon } = await start(config());
    await nextSnapshots(daemon, 1);
    await daemon.pause();
    await nextSnapshots(daemon, 1);
    const p1 = await nextSnapshots(daemon, 1);
    const p2 = await nextSnapshots(daemon, 1);
    expect(p2.pipeline.totals.packets).toBe(p1.pipeline.totals.packets);
    expect(p2.sources[0]!.state).toBe('paused');
    await daemon.resume();
    const r = await nextSnapshots(daemon, 2);
    expect(r.pipeline.totals.packets).toBeGreaterThan(p2.pipeline.totals.packets);
    const flows = await daemon.liveFlows({ limit: 5 });
    expect(flows.length).toBeGreaterThan(0);
    expect(flows.length).toBeLessThanOrEqual(5);
    expect(flows[0]!.end_reason).toBeNull();
  });

  it('per-class traffic totals come with each tick and, after a whole replay, equal the in-process pipeline\'s closed seconds', async () => {
    // Reference: the same capture through a Pipeline in this thread, summing every closed second.
    const expected = new Map<string, { packets: number; bytes: number }>();
    const pipeline = new Pipeline();
    pipeline.on('second', (rows) => {
      for (const r of rows) {
        const t = expected.get(r.cls) ?? { packets: 0, bytes: 0 };
        t.packets += r.packets;
        t.bytes += r.bytes;
        expected.set(r.cls, t);
      }
    });
    const source = CaptureSource.openFile({ file: fixture('mixed.pcap'), speed: 'max' });
    source.on('batch', (b: Batch) => pipeline.ingest(b));
    source.start();
    await source.ended();
    pipeline.flush();
    expect(expected.size).toBeGreaterThanOrEqual(5);

    const yaml = config().replace(fixture('demo.pcap'), fixture('mixed.pcap')).replace('speed: 40', 'speed: max').replace('loop: true', 'loop: false');
    const { daemon } = await start(yaml);
    let last = await nextSnapshots(daemon, 1);
    while (last.sources[0]!.state !== 'ended') last = await nextSnapshots(daemon, 1);
    // Before stop: the totals came with the ticks (every second but the one still open).
    const l4 = daemon.trafficTotals().filter((t) => ['tcp', 'udp', 'icmp', 'other'].includes(t.cls)).reduce((n, t) => n + t.packets, 0);
    expect(l4).toBeGreaterThan(0);
    expect(l4).toBeLessThanOrEqual(last.pipeline.totals.packets);
    await daemon.stop();
    const totals = daemon.trafficTotals();
    expect(new Map(totals.map((t) => [t.cls, { packets: t.packets, bytes: t.bytes }]))).toEqual(expected);
    expect(totals.every((t) => t.source === 0)).toBe(true);
  });
});

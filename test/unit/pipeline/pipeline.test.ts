// The pipeline over real captures: counters, flows and seconds agree with each
// other and with the generator's ground truth, whatever the batch size.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CaptureSource } from '../../../lib/capture/index.js';
import type { FlowRecord } from '../../../lib/flows/index.js';
import { Pipeline, type PipelineOptions } from '../../../lib/pipeline/index.js';
import type { SampleRow } from '../../../lib/stats/index.js';
import { fixture, fixturesDir } from '../../support/paths.js';

const expected = JSON.parse(readFileSync(join(fixturesDir, 'expected.json'), 'utf8'));

async function run(file: string, batchRows = 1024, options: PipelineOptions = {}) {
  const pipeline = new Pipeline(options);
  const records: FlowRecord[] = [];
  const seconds: SampleRow[][] = [];
  pipeline.on('flow', (r) => records.push(r));
  pipeline.on('second', (rows) => seconds.push(rows));
  const source = CaptureSource.openFile({ file, batchRows });
  source.on('batch', (b) => pipeline.ingest(b));
  source.start();
  await source.ended();
  const beforeFlush = pipeline.snapshot();
  pipeline.flush();
  return { pipeline, records, seconds, beforeFlush };
}

describe('Pipeline', () => {
  it('rejects a bad clock', () => {
    expect(() => new Pipeline({ clock: 'sundial' as never })).toThrow(/clock/);
  });

  it('counts what the generator wrote (mixed.pcap)', async () => {
    const { pipeline, records, seconds } = await run(fixture('mixed.pcap'));
    const exp = expected['mixed.pcap'];
    expect(pipeline.totals.packets).toBe(exp.packets);
    expect(pipeline.totals.bytes).toBe(exp.wire_bytes);
    expect(pipeline.flowSummary).toEqual(exp.flows);
    expect(records).toHaveLength(exp.flows.total);
    // Every frame lands in exactly one L4 class of exactly one closed second.
    const rows = seconds.flat();
    const l4 = rows.filter((r) => ['tcp', 'udp', 'icmp', 'other'].includes(r.cls));
    expect(l4.reduce((n, r) => n + r.packets, 0)).toBe(exp.packets);
    expect(l4.reduce((n, r) => n + r.bytes, 0)).toBe(exp.wire_bytes);
    // Seconds close in order, once each.
    const ts = seconds.map((s) => s[0]!.ts);
    expect([...ts].sort((a, b) => a - b)).toEqual(ts);
    expect(new Set(ts).size).toBe(ts.length);
  });

  it('gives the same flows whatever the batch size (packet time drives everything)', async () => {
    const key = (r: FlowRecord) => JSON.stringify(r);
    const a = (await run(fixture('mixed.pcap'), 1024)).records.map(key).sort();
    const b = (await run(fixture('mixed.pcap'), 7)).records.map(key).sort();
    const c = (await run(fixture('mixed.pcap'), 1)).records.map(key).sort();
    expect(b).toEqual(a);
    expect(c).toEqual(a);
  });

  it('new flows per second equal a count of the records\' first packets (one-row batches)', async () => {
    const { records, beforeFlush } = await run(fixture('demo.pcap'), 1);
    const last = Math.floor(beforeFlush.time) - 1; // the last closed second
    for (const { window, rate } of beforeFlush.flows.new_per_s) {
      const from = last - window + 1;
      const brute = records.filter((r) => {
        if (r.end_reason === 'active') return false;
        const sec = Number(BigInt(r.first_ns) / 1_000_000_000n);
        return sec >= from && sec <= last;
      }).length;
      // A flow reported by the active timeout continues as the same flow: count it once.
      expect(rate * window, `window ${window}`).toBe(brute);
    }
  });

  it('snapshots are plain data that survive structured clone', async () => {
    const { beforeFlush } = await run(fixture('mixed.pcap'));
    expect(structuredClone(beforeFlush)).toEqual(beforeFlush);
    expect(beforeFlush.stats.windows.map((w) => w.window)).toEqual([1, 10, 60]);
    expect(beforeFlush.flows.active).toBeGreaterThan(0);
  });

  it('reconfigure: shorter timeouts end idle flows at the next tick; counters keep counting', async () => {
    const pipeline = new Pipeline();
    const records: FlowRecord[] = [];
    pipeline.on('flow', (r) => records.push(r));
    const source = CaptureSource.openFile({ file: fixture('mixed.pcap') });
    source.on('batch', (b) => pipeline.ingest(b));
    source.start();
    await source.ended();
    const open = pipeline.snapshot().flows.active;
    const endedBefore = records.length;
    expect(open).toBeGreaterThan(0);
    const t = pipeline.now();
    pipeline.reconfigure({ timeouts: { tcp_established: 1e-3, tcp_half_open: 1e-3, tcp_closed: 1e-3, udp: 1e-3, udp_dns: 1e-3, icmp: 1e-3, other: 1e-3 }, windows: [1, 5] });
    const snap = pipeline.tick(t + 1);
    expect(snap.flows.active).toBe(0);
    expect(records.length - endedBefore).toBe(open);
    expect(records.slice(endedBefore).every((r) => r.end_reason !== 'shutdown' && r.end_reason !== 'active')).toBe(true);
    expect(snap.stats.windows.map((w) => w.window)).toEqual([1, 5]);
    expect(snap.totals.packets).toBe(expected['mixed.pcap'].packets);
  });

  it('wall clock: idle flows end and windows empty when the wire goes quiet', async () => {
    const pipeline = new Pipeline({ clock: 'wall' });
    const source = CaptureSource.openFile({ file: fixture('mixed.pcap') });
    source.on('batch', (b) => pipeline.ingest(b));
    source.start();
    await source.ended();
    // mixed.pcap is from the past: by the wall clock every flow is long idle.
    const snap = pipeline.tick();
    expect(snap.flows.active).toBe(0);
    expect(snap.stats.windows[0]!.packets).toBe(0);
    expect(snap.time).toBeGreaterThan(Date.now() / 1000 - 5);
  });
});

// What the flow table's native core adds to FlowTable's semantics (tested in
// flow-table.test.ts): queues handed over in the middle of a call, errors from
// listeners, re-entrant calls, argument checks, and memory backed ahead of use.
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import type { Batch } from '../../../lib/capture/batch.js';
import { loadAddon } from '../../../lib/capture/binding.js';
import { ICMP_COUNTERPARTS } from '../../../lib/flows/community-id.js';
import { FlowTable, type FlowRecord, type FlowSecondSink } from '../../../lib/flows/index.js';
import { BASE_SEC, makeBatch, type FakePacket } from './fake-batch.js';

const UDP = 17;

/** n single-packet UDP flows from distinct client ports, one every millisecond. */
function udpFlows(n: number, t0 = 0): FakePacket[] {
  return Array.from({ length: n }, (_, i) => ({ t: t0 + i / 1000, src: '10.0.0.1', sport: 1024 + i, dst: '10.0.0.2', dport: 53, proto: UDP, len: 100 + (i % 50) }));
}

describe('FlowTable native core', () => {
  // First in this file, so no other table's mappings come and go meanwhile.
  it('backs the pool with memory ahead of new flows, in huge pages where the kernel offers them', async () => {
    const before = hugeAdvisedKb();
    const t = new FlowTable({ hashSeed: 1, maxFlows: 100_000 }); // a 12.5 MB pool, a 1 MB index
    expect(hugeAdvisedKb().rss - before.rss).toBe(0); // mapped, untouched: no memory yet
    t.ingest(makeBatch(udpFlows(100))); // 100 entries: 12.8 KB of the pool written
    await sleep(300); // the prefault runs on a worker thread
    const after = hugeAdvisedKb();
    // The first chunk, 4 MiB (without the prefault: one 2 MiB huge page, and ≤ 400 kB of the index).
    expect(after.rss - before.rss).toBeGreaterThanOrEqual(4096);
    // and the index (all of it: probed at random, it is soon all touched), not the whole pool
    expect(after.rss - before.rss).toBeLessThanOrEqual(8192);
    if (!readFileSync('/sys/kernel/mm/transparent_hugepage/enabled', 'utf8').includes('[never]')) expect(after.huge - before.huge).toBeGreaterThanOrEqual(2048);
    expect(t.size).toBe(100);
  });

  it('delivers every record when more flows end in one call than its queue holds (1024)', () => {
    const records: FlowRecord[] = [];
    const t = new FlowTable({ hashSeed: 1, onRecord: (r) => records.push(r) });
    t.ingest(makeBatch(udpFlows(5000)));
    expect(t.flush()).toBe(5000);
    expect(records).toHaveLength(5000);
    expect(new Set(records.map((r) => r.src_port)).size).toBe(5000);
    expect(records.reduce((sum, r) => sum + r.bytes_c2s, 0)).toBe(udpFlows(5000).reduce((sum, p) => sum + p.len!, 0));
    expect(t.size).toBe(0);
  });

  it('hands every row without a flow to the sink, in order, when one call has more than its queue holds (1024)', () => {
    const rows: number[] = [];
    const sink: FlowSecondSink = { addFlowSecond: () => {}, addRowWithoutFlow: (_b: Batch, i: number) => rows.push(i) };
    const t = new FlowTable({ hashSeed: 1 });
    t.secondSink = sink;
    const packets: FakePacket[] = Array.from({ length: 3000 }, (_, i) =>
      i % 3 === 0 ? { t: i / 1000, src: '10.0.0.1', sport: 5, dst: '10.0.0.2', dport: 6, proto: UDP } : { t: i / 1000, src: '10.0.0.1', dst: '10.0.0.2', proto: UDP, frag: 1 },
    );
    t.ingest(makeBatch(packets));
    expect(rows).toEqual(packets.flatMap((p, i) => (p.frag ? [i] : [])));
    expect(t.stats.skipped.fragment).toBe(2000);
  });

  it('a listener that throws still gets every record, the first error comes out, and the table stays whole', () => {
    let calls = 0;
    const t = new FlowTable({
      hashSeed: 1,
      onRecord: () => {
        calls++;
        if (calls % 700 === 1) throw new Error(`listener failed at ${calls}`);
      },
    });
    t.ingest(makeBatch(udpFlows(2000)));
    expect(() => t.flush()).toThrow('listener failed at 1');
    // The flush stopped at the first full queue; what it ended was delivered, the rest is still there.
    expect(calls).toBeGreaterThanOrEqual(1024);
    expect(t.size).toBe(2000 - calls);
    expect(() => t.flush()).toThrow(/listener failed/);
    expect(calls).toBe(2000);
    expect(t.size).toBe(0);
    expect(t.stats.ended).toBe(2000);
  });

  it('refuses a call from inside a record listener with a clear error, and keeps working', () => {
    let inner: unknown = null;
    const t = new FlowTable({
      hashSeed: 1,
      timeouts: { udp_dns: 1 },
      onRecord: () => {
        try {
          t.expire(BASE_SEC + 100);
        } catch (error) {
          inner = error;
        }
      },
    });
    t.ingest(makeBatch(udpFlows(3)));
    t.ingest(makeBatch([{ t: 50, src: '10.0.0.9', sport: 1, dst: '10.0.0.2', dport: 53, proto: UDP }])); // the sweep ends the 3
    expect(String(inner)).toMatch(/called again from inside a flow record listener/);
    expect(t.size).toBe(1);
    expect(t.stats.ended).toBe(3);
  });

  it('a table nobody references is collected, with its mapped memory', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    let collected = 0;
    const registry = new FinalizationRegistry(() => collected++);
    // Made in a plain function: an async function's frame could keep the last one alive.
    const make = (i: number) => {
      const t = new FlowTable({ hashSeed: 1, maxFlows: 1000, onRecord: () => {} });
      t.ingest(makeBatch(udpFlows(10)));
      registry.register(t, i);
    };
    for (let i = 0; i < 4; i++) make(i);
    for (let i = 0; i < 10 && collected < 4; i++) {
      gc();
      await sleep(20);
    }
    expect(collected).toBe(4);
  });

  it('stops with a clear error when a listener detaches the batch being read, instead of reading freed memory', () => {
    const batch = makeBatch(udpFlows(4000));
    let transferred = false;
    const t = new FlowTable({
      hashSeed: 1,
      maxFlows: 1, // every new flow evicts one: the record queue fills in the middle of the batch
      onRecord: () => {
        if (transferred) return;
        transferred = true;
        structuredClone(batch.buffer, { transfer: [batch.buffer] });
      },
    });
    expect(() => t.ingest(batch)).toThrow(/detached the batch's buffer during ingest/);
    expect(batch.buffer.byteLength).toBe(0);
    // What was read before is intact, and the table goes on with the next batch.
    expect(t.size).toBe(1);
    expect(t.stats.created.total).toBeLessThan(4000);
    t.ingest(makeBatch(udpFlows(3, 10)));
    expect(t.size).toBe(1);
  });

  it('hands the list of sums over only when a flow needs a place in a full list, as per packet', () => {
    // 2^17 flows fill the list exactly; a fragment in the same call must not hand it over early.
    // Flow 0 is the only one to port 9.
    const flows: FakePacket[] = Array.from({ length: 2 ** 17 }, (_, i) => ({
      t: 0, src: '10.0.0.1', sport: 1 + (i % 60000), dst: `10.1.${Math.floor(i / 60000)}.1`, dport: i === 0 ? 9 : 7, proto: UDP, len: 100,
    }));
    const calls: Array<{ packets: number; hiFirst: boolean }> = [];
    const sink: FlowSecondSink = {
      addFlowSecond: (_h, _w, _lo, _hi, _loPort, hiPort, _s, _v, _p, _bytes, packets, hiFirst) => {
        if (hiPort === 9) calls.push({ packets, hiFirst });
      },
      addRowWithoutFlow: () => {},
    };
    const t = new FlowTable({ hashSeed: 1, maxFlows: 200_000 });
    t.secondSink = sink;
    t.ingest(makeBatch([...flows, { t: 0, src: '10.0.0.1', dst: '10.0.0.2', proto: UDP, frag: 1 }]));
    expect(calls).toEqual([]);
    t.ingest(makeBatch([{ t: 0.5, src: '10.1.0.1', sport: 9, dst: '10.0.0.1', dport: 1, proto: UDP }])); // flow 0's answer
    t.flushSeconds();
    expect(calls).toEqual([{ packets: 2, hiFirst: false }]);
  });

  it('a flow created while no sink is set starts fresh sums when one is set again (a reused entry keeps no old place)', () => {
    const sums: Array<{ port: number; packets: number }> = [];
    const sink: FlowSecondSink = {
      addFlowSecond: (_h, _w, _lo, _hi, loPort, _hiPort, _s, _v, _p, _bytes, packets) => sums.push({ port: loPort, packets }),
      addRowWithoutFlow: () => {},
    };
    const t = new FlowTable({ hashSeed: 1, timeouts: { udp: 1 } });
    const udp = (time: number, sport: number): FakePacket => ({ t: time, src: '10.0.0.1', sport, dst: '10.0.0.2', dport: 9999, proto: UDP });
    t.secondSink = sink;
    t.ingest(makeBatch([udp(0, 1000)])); // flow A gets place 0 in the list
    t.secondSink = null;
    t.ingest(makeBatch([udp(5, 2000)])); // A ends (idle); flow B takes A's entry
    t.secondSink = sink;
    t.ingest(makeBatch([udp(5.1, 2000)]));
    t.flushSeconds();
    expect(sums).toEqual([{ port: 1000, packets: 1 }, { port: 2000, packets: 1 }]);
  });

  it('checks the batch it is given: rows beyond the capacity or a buffer too small are refused', () => {
    const core = new (loadAddon().FlowCore)(16, 1, ICMP_COUNTERPARTS, () => {});
    const batch = makeBatch(udpFlows(4));
    expect(() => core.ingest(batch.buffer, batch.capacity, 0, batch.capacity + 1)).toThrow(RangeError);
    expect(() => core.ingest(batch.buffer, batch.capacity, 3, 2)).toThrow(RangeError);
    expect(() => core.ingest(new ArrayBuffer(64), batch.capacity, 0, 1)).toThrow(/do not fit the batch buffer/);
    expect(() => core.ingest(batch.buffer, 1.5, 0, 1)).toThrow(RangeError);
    expect(() => new (loadAddon().FlowCore)(0, 1, ICMP_COUNTERPARTS, () => {})).toThrow(/maxFlows/);
    expect(() => new (loadAddon().FlowCore)(16, 1, new Int16Array(3), () => {})).toThrow(TypeError);
  });

});

/** Rss and AnonHugePages (kB) summed over this process's mappings that asked for huge pages (the flow tables'). */
function hugeAdvisedKb(): { rss: number; huge: number } {
  let rss = 0;
  let huge = 0;
  for (const block of readFileSync('/proc/self/smaps', 'utf8').split(/\n(?=[0-9a-f]+-[0-9a-f]+ )/)) {
    if (!/^VmFlags:.*\bhg\b/m.test(block)) continue;
    const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(block)?.[1] ?? 0);
    rss += field('Rss');
    huge += field('AnonHugePages');
  }
  return { rss, huge };
}

// The pipeline over real captures: counters, flows and seconds agree with each
// other and with the generator's ground truth, whatever the batch size.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CaptureSource } from '../../../lib/capture/index.js';
import type { FlowRecord } from '../../../lib/flows/index.js';
import { Pipeline, type PipelineOptions } from '../../../lib/pipeline/index.js';
import { corpusCaptures } from '../../../scripts/conformance/corpus.js';
import { Windows, type SampleRow, type WindowStats } from '../../../lib/stats/index.js';
import { fixture, fixturesDir, repoRoot } from '../../support/paths.js';
import { BASE_SEC, F, makeBatch, type FakePacket } from '../flows/fake-batch.js';
import { bruteTop, flowKey } from '../stats/brute-top.js';
import { int, rng, zipf } from '../stats/random.js';

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

  it('new flows per second equal a count of the records\' first packets, whatever the batch size', async () => {
    for (const batchRows of [1, 1024]) {
      const { records, beforeFlush } = await run(fixture('demo.pcap'), batchRows);
      const last = Math.floor(beforeFlush.time) - 1; // the last closed second
      for (const { window, rate } of beforeFlush.flows.new_per_s) {
        const from = last - window + 1;
        const brute = records.filter((r) => {
          if (r.end_reason === 'active') return false;
          const sec = Number(BigInt(r.first_ns) / 1_000_000_000n);
          return sec >= from && sec <= last;
        }).length;
        // A flow reported by the active timeout continues as the same flow: count it once.
        expect(rate * window, `${batchRows}-row batches, window ${window}`).toBe(brute);
      }
    }
  });

  it('flush closes the latest second even when a batch ends with a late row', () => {
    const pipeline = new Pipeline();
    pipeline.ingest(makeBatch([
      { t: 0.5, src: '10.0.0.1', dst: '10.0.0.9', proto: 17, sport: 1, dport: 2, len: 100 },
      { t: 1.2, src: '10.0.0.2', dst: '10.0.0.9', proto: 17, sport: 1, dport: 2, len: 200 },
      { t: 0.9, src: '10.0.0.3', dst: '10.0.0.9', proto: 17, sport: 1, dport: 2, len: 300 }, // late: counts in second 1
    ]));
    expect(pipeline.now()).toBeCloseTo(BASE_SEC + 1.2, 6);
    pipeline.flush();
    const snap = pipeline.snapshot();
    expect(snap.stats.time).toBe(BASE_SEC + 2);
    const one = snap.stats.windows.find((w) => w.window === 1)!;
    expect(one.bytes).toBe(500);
    expect(one.top_hosts.map((h) => [h.ip, h.bytes])).toEqual([['10.0.0.9', 500], ['10.0.0.3', 300], ['10.0.0.2', 200]]);
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

// The Pipeline feeds top talkers from the flow table's per-second sums (one
// update per flow and second); Windows alone feeds them per packet. Both must
// give the same counts, in the same seconds.
describe('Pipeline: top talkers from per-flow sums', () => {
  const TCP = 6;
  const UDP = 17;
  const ICMP = 1;
  const ICMP6 = 58;
  type Top = { key: string; bytes: number; packets: number; error: number };
  const hostRows = (w: WindowStats): Top[] => w.top_hosts.map((h) => ({ key: h.ip, bytes: h.bytes, packets: h.packets, error: h.error }));
  const flowRows = (w: WindowStats): Top[] => w.top_flows.map((f) => ({ key: flowKey(f), bytes: f.bytes, packets: f.packets, error: f.error }));
  /** Ties may list in another order: compare as sets, heaviest first. */
  const sorted = (rows: Top[]) => [...rows].sort((a, b) => b.bytes - a.bytes || (a.key < b.key ? -1 : 1));

  it('on real captures they equal the per-packet Windows exactly, in every window', async () => {
    const files = [fixture('mixed.pcap'), fixture('fragments.pcap'), fixture('vlan-qinq.pcap'), fixture('demo.pcap'), ...corpusSample(12)];
    for (const file of files) {
      const pipeline = new Pipeline({ topN: 1000, windows: [1, 10, 60] });
      const windows = new Windows({ topN: 1000, windows: [1, 10, 60] });
      const source = CaptureSource.openFile({ file, batchRows: 97 });
      source.on('batch', (b) => {
        pipeline.ingest(b);
        windows.ingest(b);
        const last = b.tsSec[b.rows - 1]! + b.tsNsec[b.rows - 1]! * 1e-9;
        windows.advance(Math.max(windows.openSecond, last));
      });
      source.start();
      await source.ended();
      const end = Math.floor(pipeline.now()) + 1;
      if (!Number.isFinite(end)) continue; // no timestamps at all
      const a = pipeline.tick(end).stats.windows;
      windows.advance(end);
      const b = windows.snapshot().windows;
      for (let k = 0; k < a.length; k++) {
        expect(sorted(hostRows(a[k]!)), `${file} hosts ${a[k]!.window} s`).toEqual(sorted(hostRows(b[k]!)));
        expect(sorted(flowRows(a[k]!)), `${file} flows ${a[k]!.window} s`).toEqual(sorted(flowRows(b[k]!)));
      }
    }
  });

  /** Seeded traffic: late packets, port reuse (SYN after FIN/RST), idle ends, fragments, malformed headers, ICMP kinds, VLANs and sources. */
  function traffic(seed: number, packets: number, seconds: number): FakePacket[] {
    const r = rng(seed);
    const v4 = Array.from({ length: 16 }, (_, k) => `10.2.${k >> 3}.${k & 7}`);
    const v6 = Array.from({ length: 6 }, (_, k) => `2001:db8::${(k + 1).toString(16)}`);
    const out: FakePacket[] = [];
    for (let i = 0; i < packets; i++) {
      const now = (i / packets) * seconds;
      const t = r() < 0.05 ? Math.max(0, now - r() * 1.5) : now; // a few late packets
      const six = r() < 0.25;
      const pool = six ? v6 : v4;
      const src = pool[zipf(r, pool.length)]!;
      const dst = r() < 0.02 ? src : pool[int(r, pool.length)]!;
      const len = 40 + int(r, 1460);
      const common = { t, src, dst, len, vlan: int(r, 3) === 0 ? 10 : 0, sourceId: int(r, 4) === 0 ? 1 : 0 };
      const kind = int(r, 20);
      if (kind === 0) out.push({ ...common, proto: UDP, sport: 1, dport: 2, frag: 1 });
      else if (kind === 1) out.push({ ...common, proto: [TCP, UDP, six ? ICMP6 : ICMP][int(r, 3)]!, sport: 7, dport: 9, malformed: true });
      else if (kind < 4) out.push({ ...common, proto: six ? ICMP6 : ICMP, sport: six ? [128, 129, 1][int(r, 3)]! : [8, 0, 3][int(r, 3)]!, dport: 0 });
      else if (kind < 12) out.push({ ...common, proto: TCP, sport: 30000 + int(r, 6), dport: 443, flags: [F.SYN, F.ACK, F.ACK, F.ACK, F.FIN | F.ACK, F.RST][int(r, 6)]! });
      else out.push({ ...common, proto: UDP, sport: 5000 + int(r, 8), dport: int(r, 2) ? 53 : 123 });
    }
    return out;
  }

  /** Feeds packets in batches of random sizes (seconds change inside batches), then closes every second. */
  function feed(pipeline: Pipeline, packets: FakePacket[], seed: number): number {
    const r = rng(seed);
    for (let i = 0; i < packets.length; ) {
      const n = 1 + int(r, 400);
      pipeline.ingest(makeBatch(packets.slice(i, i + n)));
      i += n;
    }
    const open = Math.floor(Math.max(...packets.map((p) => p.t))) + 1;
    pipeline.tick(BASE_SEC + open);
    return open;
  }

  /** Each packet counts in the open second when it arrives: its own, or a later one if it is late. */
  function effectiveSeconds(packets: FakePacket[]): number[] {
    let open = -Infinity;
    return packets.map((p) => (open = Math.max(open, Math.floor(p.t))));
  }

  it('under the per-second cap they equal a brute-force count in every window (seeded traffic)', () => {
    for (const seed of [1, 2, 3]) {
      const packets = traffic(seed, 8000, 24);
      const pipeline = new Pipeline({ topN: 12, windows: [1, 5, 20], timeouts: { udp: 2, udp_dns: 1, tcp_established: 3, tcp_half_open: 1, tcp_closed: 0.5, icmp: 2 } });
      const records: FlowRecord[] = [];
      pipeline.on('flow', (rec) => records.push(rec));
      const open = feed(pipeline, packets, seed);
      expect(records.some((rec) => rec.end_reason === 'idle')).toBe(true);
      expect(records.some((rec) => rec.end_reason === 'fin' || rec.end_reason === 'rst')).toBe(true);
      const eff = effectiveSeconds(packets);
      expect(eff.some((s, i) => s > Math.floor(packets[i]!.t))).toBe(true); // late packets were there
      for (const x of pipeline.snapshot().stats.windows) {
        const { hosts, flows } = bruteTop(packets.filter((_, i) => eff[i]! >= open - x.window));
        const want = (m: Map<string, { bytes: number; packets: number }>) =>
          [...m].map(([key, c]) => ({ key, ...c, error: 0 })).sort((a, b) => b.bytes - a.bytes).slice(0, 12).map((e) => e.bytes);
        expect(x.top_hosts.map((h) => h.bytes), `seed ${seed} window ${x.window}`).toEqual(want(hosts));
        expect(x.top_flows.map((f) => f.bytes), `seed ${seed} window ${x.window}`).toEqual(want(flows));
        for (const h of x.top_hosts) expect({ ...hosts.get(h.ip), error: h.error }).toEqual({ bytes: h.bytes, packets: h.packets, error: 0 });
        for (const f of x.top_flows) expect({ ...flows.get(flowKey(f)), error: f.error }).toEqual({ bytes: f.bytes, packets: f.packets, error: 0 });
      }
    }
  });

  it('over the cap heavy hitters are found and every count is within ±error of the truth', () => {
    const r = rng(7);
    const heavy = ['192.168.7.1', '192.168.7.2'];
    const packets: FakePacket[] = [];
    for (let i = 0; i < 60_000; i++) {
      const t = i / 20_000; // 3 seconds of 20k packets: ~15k distinct flows each, past the 2 × 4096 entries
      if (i % 10 === 0) packets.push({ t, src: heavy[(i / 10) % 2]!, dst: '172.16.9.9', proto: UDP, sport: 4000 + ((i / 10) % 2), dport: 53, len: 1400 });
      else packets.push({ t, src: `10.${int(r, 8)}.${int(r, 256)}.${int(r, 256)}`, dst: `10.77.${int(r, 16)}.1`, proto: TCP, sport: int(r, 65536), dport: 443, flags: F.ACK, len: 60 + int(r, 100) });
    }
    const pipeline = new Pipeline({ topN: 10, windows: [1, 3] });
    const open = feed(pipeline, packets, 7);
    for (const x of pipeline.snapshot().stats.windows) {
      const { hosts, flows } = bruteTop(packets.filter((p) => Math.floor(p.t) >= open - x.window));
      expect(x.top_flows.some((f) => f.error > 0)).toBe(true); // really over the cap
      const ips = x.top_hosts.map((h) => h.ip);
      for (const ip of [...heavy, '172.16.9.9']) expect(ips).toContain(ip);
      expect(x.top_flows.filter((f) => f.b_port === 53 || f.a_port === 53)).toHaveLength(2);
      for (const h of x.top_hosts) {
        const truth = hosts.get(h.ip)!;
        expect(Math.abs(h.bytes - truth.bytes)).toBeLessThanOrEqual(h.error);
        expect(h.packets).toBeLessThanOrEqual(truth.packets);
      }
      for (const f of x.top_flows) expect(Math.abs(f.bytes - flows.get(flowKey(f))!.bytes)).toBeLessThanOrEqual(f.error);
    }
  });
});

/** The `n` largest corpus captures libpcap reads and that carry IP (../shared/corpus, next to the checkout; none if it is missing). */
function corpusSample(n: number): string[] {
  const dir = join(repoRoot, '..', 'shared', 'corpus');
  if (!existsSync(join(dir, 'INDEX.tsv'))) return [];
  return corpusCaptures(dir)
    .filter((c) => c.libpcap === 'ok' && /ipv[46]/.test(c.notes) && c.packets <= 100_000)
    .sort((a, b) => b.packets - a.packets)
    .slice(0, n)
    .map((c) => c.path);
}

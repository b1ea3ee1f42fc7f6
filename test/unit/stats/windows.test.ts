// Windows: per-second buckets, window arithmetic, classes, sources and top
// talkers, on exact packets (fake batches in the addon's layout) and against
// brute-force counts.
import { describe, expect, it } from 'vitest';
import { countedLayers } from '../../../lib/capture/layer-counts.js';
import { LAYER } from '../../../lib/capture/layout.js';
import { CANDIDATE_BUDGET, CLASS_NAMES, MAX_WINDOW, Windows, type ClassName, type SampleRow, type StatsSnapshot, type WindowsOptions, type WindowStats } from '../../../lib/stats/index.js';
import { BASE_SEC, makeBatch, type FakePacket } from '../flows/fake-batch.js';
import { bruteTop, flowKey } from './brute-top.js';
import { int, rng, zipf } from './random.js';

const TCP = 6;
const UDP = 17;
const ICMP = 1;
const ICMP6 = 58;
const A = '10.0.0.1';
const B = '10.0.0.2';

function windows(options: WindowsOptions = {}) {
  const seconds: Array<{ second: number; rows: SampleRow[] }> = [];
  const w = new Windows({ hashSeed: 1, ...options, onSecond: (rows, second) => seconds.push({ second, rows }) });
  const feed = (...packets: FakePacket[]) => w.ingest(makeBatch(packets));
  /** Advances to BASE_SEC + t. */
  const at = (t: number) => w.advance(BASE_SEC + t);
  const win = (length: number): WindowStats => w.snapshot().windows.find((x) => x.window === length)!;
  return { w, seconds, feed, at, win };
}

const tcp = (t: number, len = 100, extra: Partial<FakePacket> = {}): FakePacket => ({ t, src: A, sport: 40000, dst: B, dport: 80, proto: TCP, len, ...extra });

/** The class names a fake packet counts in, from the replay summary's countedLayers (an independent reference). */
function referenceClasses(batchLayers: number, l3: number, proto: number, frag: number): ClassName[] {
  const b = countedLayers(batchLayers, l3, proto, frag, 0);
  const out: ClassName[] = [];
  if (b & LAYER.ipv4) out.push('ipv4');
  if (b & LAYER.ipv6) out.push('ipv6');
  out.push(b & LAYER.tcp ? 'tcp' : b & LAYER.udp ? 'udp' : b & (LAYER.icmp | LAYER.icmpv6) ? 'icmp' : 'other');
  return out;
}

describe('Windows: hostile input', () => {
  it('rejects bad options, naming the option', () => {
    expect(() => new Windows({ windows: [] })).toThrow(/windows/);
    expect(() => new Windows({ windows: [0] })).toThrow(/windows\[0\]/);
    expect(() => new Windows({ windows: [1, 1.5] })).toThrow(/windows\[1\]/);
    expect(() => new Windows({ windows: [3601] })).toThrow(RangeError);
    expect(() => new Windows({ windows: [10, 10] })).toThrow(/unique/);
    expect(() => new Windows({ windows: 'x' as unknown as number[] })).toThrow(/windows/);
    expect(() => new Windows({ topN: 0 })).toThrow(/topN/);
    expect(() => new Windows({ topN: 1001 })).toThrow(/topN/);
    expect(() => new Windows({ maxHostsPerSecond: 0 })).toThrow(/maxHostsPerSecond/);
    expect(() => new Windows({ maxFlowsPerSecond: 2.5 })).toThrow(/maxFlowsPerSecond/);
  });

  it('advance() rejects times that are not finite unix seconds; setWindows() rejects bad lists and keeps the old ones', () => {
    const { w } = windows();
    for (const bad of [NaN, Infinity, -1, '5' as unknown as number]) expect(() => w.advance(bad)).toThrow(/nowSec/);
    expect(() => w.setWindows([])).toThrow(/windows/);
    expect(() => w.setWindows([5, 0])).toThrow(/windows\[1\]/);
    expect(w.windows).toEqual([1, 10, 60]);
  });

  it('before any packet: time 0, every window zero, no sources, no talkers; an empty batch changes nothing', () => {
    const { w } = windows();
    w.ingest(makeBatch([]));
    const snap = w.snapshot();
    expect(snap.time).toBe(0);
    expect(snap.windows.map((x) => x.window)).toEqual([1, 10, 60]);
    for (const x of snap.windows) {
      expect(x).toMatchObject({ packets: 0, bytes: 0, pps: 0, bps: 0, sources: [], top_hosts: [], top_flows: [] });
      for (const name of CLASS_NAMES) expect(x.classes[name]).toEqual({ packets: 0, bytes: 0, pps: 0, bps: 0 });
    }
  });

  it('a packet from the future moves the clock; the packets after it count in that open second, never dropped', () => {
    const { feed, at, seconds, win } = windows({ windows: [1, 10] });
    feed(tcp(0), tcp(1_000_000), tcp(1), tcp(2));
    at(1_000_001);
    expect(seconds.map((s) => s.second)).toEqual([BASE_SEC, BASE_SEC + 1_000_000]);
    expect(seconds[1]!.rows.find((r) => r.cls === 'tcp')!.packets).toBe(3);
    expect(win(1).packets).toBe(3);
  });

  it('nonsense times (NaN, Infinity, beyond 2^53) count in the open second and neither hang nor move the clock; fractions floor', () => {
    const { w, at, win } = windows();
    const batch = makeBatch([tcp(0, 100), tcp(0, 200), tcp(0, 300), tcp(0, 400)]);
    batch.tsSec[1] = NaN;
    batch.tsSec[2] = Infinity;
    batch.tsSec[3] = 2 ** 60;
    w.ingest(batch);
    expect(w.openSecond).toBe(BASE_SEC);
    const fractional = makeBatch([tcp(0, 1), tcp(1, 2)]);
    fractional.tsSec[0] = BASE_SEC + 0.5; // the column holds whole seconds; a fraction still floors
    fractional.tsSec[1] = BASE_SEC + 1.5;
    w.ingest(fractional);
    expect(w.openSecond).toBe(BASE_SEC + 1);
    expect(win(1)).toMatchObject({ packets: 5, bytes: 1001 });
    at(2);
    expect(win(1)).toMatchObject({ packets: 1, bytes: 2 });
  });

  it('rows whose IP header did not decode count as ipv4 + other and are no host or flow', () => {
    const { w, at, win } = windows();
    const batch = makeBatch([tcp(0, 100), tcp(0, 200)]);
    batch.layers[1] = LAYER.ethernet; // l3 says IPv4, the header did not decode
    w.ingest(batch);
    at(1);
    expect(win(1).classes).toMatchObject({ ipv4: { packets: 2, bytes: 300 }, tcp: { packets: 1, bytes: 100 }, other: { packets: 1, bytes: 200 } });
    expect(win(1).top_hosts.map((h) => [h.ip, h.bytes])).toEqual([[A, 100], [B, 100]]);
    expect(win(1).top_flows.map((f) => f.bytes)).toEqual([100]);
  });

  it('TCP/UDP rows whose L4 header did not parse count as tcp/udp and for their hosts, but make no flow', () => {
    const { w, at, win } = windows();
    const batch = makeBatch([tcp(0, 100), { t: 0, src: A, dst: B, sport: 53, dport: 53, proto: UDP, len: 70 }]);
    batch.layers[0] = LAYER.ethernet | LAYER.ipv4;
    batch.layers[1] = LAYER.ethernet | LAYER.ipv4;
    w.ingest(batch);
    at(1);
    expect(win(1).classes).toMatchObject({ tcp: { packets: 1 }, udp: { packets: 1 } });
    expect(win(1).top_hosts.map((h) => h.bytes)).toEqual([170, 170]);
    expect(win(1).top_flows).toEqual([]);
  });

  it('source ids anywhere in 0..65535, appearing one by one while the ring holds data, stay separate', () => {
    const { feed, at, win, seconds } = windows({ windows: [1, 60] });
    const ids = [65535, 0, 7, 3, 1000, 12, 5, 9, 40000, 2]; // forces the per-source arrays to grow twice
    ids.forEach((id, s) => feed(tcp(s, 100 + id % 50, { sourceId: id }), tcp(s + 0.5, 100 + id % 50, { sourceId: id })));
    at(ids.length);
    const sources = win(60).sources;
    expect(sources.map((x) => x.source)).toEqual([...ids].sort((a, b) => a - b));
    for (const x of sources) expect(x).toMatchObject({ packets: 2, bytes: 2 * (100 + x.source % 50) });
    expect(win(60).packets).toBe(2 * ids.length);
    expect(win(1).sources.filter((x) => x.packets > 0).map((x) => x.source)).toEqual([2]);
    for (const { rows } of seconds) expect(new Set(rows.map((r) => r.source)).size).toBe(1);
  });
});

describe('Windows: time', () => {
  it('a packet at x.000000000 and one at x.999999999 are both second x; x+1 closes it', () => {
    const { feed, seconds, win, w } = windows();
    feed(tcp(5, 100), tcp(5.999999999, 200));
    expect(seconds).toEqual([]);
    expect(win(1).packets).toBe(0); // the open second is not in any window
    feed(tcp(6, 400));
    expect(seconds).toHaveLength(1);
    expect(seconds[0]!.second).toBe(BASE_SEC + 5);
    expect(seconds[0]!.rows).toEqual([
      { ts: BASE_SEC + 5, source: 0, cls: 'ipv4', packets: 2, bytes: 300 },
      { ts: BASE_SEC + 5, source: 0, cls: 'tcp', packets: 2, bytes: 300 },
    ]);
    expect(w.snapshot().time).toBe(BASE_SEC + 6);
    expect(win(1)).toMatchObject({ packets: 2, bytes: 300, pps: 2, bps: 2400 });
    expect(win(10)).toMatchObject({ packets: 2, bytes: 300, pps: 0.2, bps: 240 });
  });

  it('idle seconds count as zero and are reported as empty seconds; a window of w covers [open - w, open - 1]', () => {
    const { feed, at, seconds, win } = windows({ windows: [1, 3, 10] });
    feed(tcp(0, 100), tcp(4, 50));
    expect(seconds.map((s) => [s.second - BASE_SEC, s.rows.length])).toEqual([[0, 2], [1, 0], [2, 0], [3, 0]]);
    expect(win(1).packets).toBe(0);
    expect(win(3).packets).toBe(0); // seconds 1..3
    expect(win(10)).toMatchObject({ packets: 1, bytes: 100, bps: 80 });
    at(5);
    expect(win(1)).toMatchObject({ packets: 1, bytes: 50 });
    at(10);
    expect(win(10).packets).toBe(2); // seconds 0..9
    at(11);
    expect(win(10)).toMatchObject({ packets: 1, bytes: 50 }); // second 0 left
    expect(seconds.map((s) => s.second - BASE_SEC)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('a jump forward longer than the longest window clears everything and skips the empty seconds', () => {
    const { feed, at, seconds, win } = windows({ windows: [1, 10] });
    feed(tcp(0, 100), tcp(1, 100), tcp(12, 300));
    expect(seconds.map((s) => s.second - BASE_SEC)).toEqual([0, 1]); // 2..11 skipped: 10 idle seconds ≥ the ring
    expect(win(10).packets).toBe(0);
    at(13);
    expect(win(10)).toMatchObject({ packets: 1, bytes: 300 });
    expect(seconds.map((s) => s.second - BASE_SEC)).toEqual([0, 1, 12]);
  });

  it('an idle gap one second shorter than the longest window keeps the old second in it', () => {
    const { feed, at, seconds, win } = windows({ windows: [1, 10] });
    feed(tcp(0, 100));
    at(10); // idle 1..9: the 10 s window is 0..9
    expect(win(10)).toMatchObject({ packets: 1, bytes: 100 });
    expect(seconds).toHaveLength(10);
    at(11);
    expect(win(10).packets).toBe(0);
  });

  it('late packets (older than the open second) count in the open second', () => {
    const { feed, at, seconds, win } = windows({ windows: [1, 60] });
    feed(tcp(5, 100), tcp(7, 100), tcp(3, 10), tcp(6.5, 20), tcp(-1000, 1));
    at(8);
    expect(seconds.find((s) => s.second === BASE_SEC + 7)!.rows.find((r) => r.cls === 'tcp')).toMatchObject({ packets: 4, bytes: 131 });
    expect(seconds.find((s) => s.second === BASE_SEC + 6)!.rows).toEqual([]);
    expect(win(60)).toMatchObject({ packets: 5, bytes: 231 });
  });

  it('advance() on a wall clock decays the windows; going back in time is a no-op; fractions floor', () => {
    const { feed, at, win, seconds } = windows({ windows: [1, 10] });
    feed(tcp(0, 100));
    at(0.999);
    expect(win(1).packets).toBe(0);
    at(1.2);
    expect(win(1).packets).toBe(1);
    at(2);
    expect(win(1).packets).toBe(0);
    expect(win(10).packets).toBe(1);
    at(1);
    at(0);
    expect(seconds).toHaveLength(2);
    at(20);
    expect(win(10).packets).toBe(0);
  });

  it('advance() before any packet starts the clock there', () => {
    const { w, feed, at, win } = windows();
    at(100.5);
    expect(w.snapshot().time).toBe(BASE_SEC + 100);
    feed(tcp(50, 100)); // late: counts in second 100
    at(101);
    expect(win(1).packets).toBe(1);
  });

  it('setWindows() keeps the closed seconds that fit the new longest window, and top talkers with them', () => {
    const { w, feed, at, win } = windows({ windows: [1, 10, 60] });
    for (let s = 0; s < 30; s++) feed(tcp(s, 100 + s));
    at(30);
    w.setWindows([5, 120]);
    expect(w.windows).toEqual([5, 120]);
    expect(win(120)).toMatchObject({ packets: 30, bytes: 30 * 100 + 435 });
    expect(win(5)).toMatchObject({ packets: 5, bytes: 5 * 100 + 25 + 26 + 27 + 28 + 29 });
    expect(win(120).top_flows[0]!.bytes).toBe(30 * 100 + 435);
    w.setWindows([3]); // shrink: only the last 3 seconds survive
    expect(win(3)).toMatchObject({ packets: 3, bytes: 300 + 27 + 28 + 29 });
    w.setWindows([60]);
    expect(win(60)).toMatchObject({ packets: 3, bytes: 300 + 27 + 28 + 29 });
    expect(win(60).top_hosts.map((h) => h.bytes)).toEqual([384, 384]);
    feed(tcp(30, 1000));
    at(31);
    expect(win(60).packets).toBe(4);
  });

  it('setWindows() to a longer ring keeps fewer candidates per second (the memory budget), the heaviest ones', () => {
    const { w, feed, at, win } = windows({ windows: [60], topN: 100 });
    feed(...Array.from({ length: 200 }, (_, k) => ({ t: 0, src: `10.0.${k >> 8}.${k & 255}`, dst: '10.255.0.1', proto: UDP, sport: 1, dport: 2, len: 100 + k })));
    at(1);
    expect(win(60).top_hosts).toHaveLength(100);
    w.setWindows([MAX_WINDOW]);
    const keep = Math.floor(CANDIDATE_BUDGET / MAX_WINDOW);
    const hosts = win(MAX_WINDOW).top_hosts;
    expect(hosts).toHaveLength(keep);
    expect(hosts[0]!.ip).toBe('10.255.0.1');
    expect(hosts.slice(1).map((h) => h.bytes)).toEqual(Array.from({ length: keep - 1 }, (_, i) => 299 - i));
  });

  it('snapshots are plain data (structured clone and JSON round-trip), frozen, and shared until a second closes', () => {
    const { w, feed, at } = windows();
    feed(tcp(0, 100), { t: 0.5, src: '2001:db8::1', dst: '2001:db8::2', proto: UDP, sport: 5353, dport: 5353, len: 90 });
    at(1);
    const snap: StatsSnapshot = w.snapshot();
    expect(structuredClone(snap)).toEqual(snap);
    expect(JSON.parse(JSON.stringify(snap))).toEqual(snap);
    expect(Object.isFrozen(snap.windows[0]!.top_flows[0])).toBe(true);
    expect(w.snapshot()).toBe(snap);
    feed(tcp(1, 100));
    expect(w.snapshot()).toBe(snap); // the open second is not in the snapshot
    at(2);
    expect(w.snapshot()).not.toBe(snap);
  });
});

describe('Windows: classes and sources', () => {
  it('every frame is in exactly one of tcp/udp/icmp/other; ipv4/ipv6 by the outer IP; ARP and non-first fragments are other', () => {
    const { feed, at, win, seconds } = windows();
    feed(
      tcp(0, 100),
      { t: 0, src: '2001:db8::1', dst: '2001:db8::2', proto: UDP, sport: 1, dport: 2, len: 200 },
      { t: 0, src: A, dst: B, proto: ICMP, sport: 8, len: 300 },
      { t: 0, src: '2001:db8::1', dst: '2001:db8::2', proto: ICMP6, sport: 128, len: 400 },
      { t: 0, src: A, dst: B, proto: 47, len: 500 }, // GRE
      { t: 0, src: A, dst: B, proto: 0, len: 600, nonIp: true }, // ARP
      { t: 0, src: A, dst: B, proto: UDP, sport: 5, dport: 6, frag: 1, len: 700 }, // non-first fragment
      { t: 0, src: A, dst: B, proto: TCP, sport: 5, dport: 6, frag: 2 | 4, len: 800 }, // first fragment
    );
    at(1);
    const c = win(1).classes;
    expect(c).toEqual({
      ipv4: { packets: 5, bytes: 100 + 300 + 500 + 700 + 800, pps: 5, bps: 2400 * 8 },
      ipv6: { packets: 2, bytes: 600, pps: 2, bps: 4800 },
      tcp: { packets: 2, bytes: 900, pps: 2, bps: 7200 },
      udp: { packets: 1, bytes: 200, pps: 1, bps: 1600 },
      icmp: { packets: 2, bytes: 700, pps: 2, bps: 5600 },
      other: { packets: 3, bytes: 500 + 600 + 700, pps: 3, bps: 14400 },
    });
    expect(win(1)).toMatchObject({ packets: 8, bytes: 3600 });
    expect(seconds[0]!.rows.map((r) => r.cls)).toEqual(['ipv4', 'ipv6', 'tcp', 'udp', 'icmp', 'other']);
  });

  it('onSecond rows equal a brute-force count per (second, source, class) on seeded random traffic', () => {
    const r = rng(21);
    const packets: FakePacket[] = [];
    for (let i = 0; i < 3000; i++) {
      const t = i / 200 + r() * 0.01; // 15 s, slightly reordered within batches
      const v6 = r() < 0.3;
      const kind = int(r, 7);
      const proto = [TCP, UDP, ICMP, ICMP6, 47, TCP, UDP][kind]!;
      packets.push({
        t, src: v6 ? '2001:db8::1' : A, dst: v6 ? '2001:db8::9' : B, proto, sport: 1 + int(r, 3), dport: 80,
        len: 60 + int(r, 1400), sourceId: int(r, 3), nonIp: r() < 0.05, frag: r() < 0.1 ? 1 : 0,
      });
    }
    const { w, seconds } = windows({ windows: [60] });
    for (let i = 0; i < packets.length; i += 256) w.ingest(makeBatch(packets.slice(i, i + 256)));
    w.advance(BASE_SEC + 16);
    const want = new Map<string, { packets: number; bytes: number }>();
    // reference: each packet's second (or the open second when late), classes from countedLayers
    let open = -Infinity;
    for (const p of packets) {
      const batch = makeBatch([p]);
      const sec = Math.max(open, batch.tsSec[0]!);
      open = sec;
      for (const cls of referenceClasses(batch.layers[0]!, batch.l3[0]!, batch.ipProto[0]!, batch.frag[0]!)) {
        const k = `${sec}/${p.sourceId ?? 0}/${cls}`;
        const e = want.get(k) ?? { packets: 0, bytes: 0 };
        e.packets++;
        e.bytes += p.len ?? 60;
        want.set(k, e);
      }
    }
    const got = new Map<string, { packets: number; bytes: number }>();
    for (const { second, rows } of seconds) {
      for (const row of rows) {
        expect(row.ts).toBe(second);
        expect(row.packets).toBeGreaterThan(0);
        got.set(`${row.ts}/${row.source}/${row.cls}`, { packets: row.packets, bytes: row.bytes });
      }
      // per second and source: tcp + udp + icmp + other = every frame, ipv4 + ipv6 ≤ it
      for (const source of new Set(rows.map((x) => x.source))) {
        const of = (cls: ClassName) => rows.find((x) => x.source === source && x.cls === cls)?.packets ?? 0;
        const total = of('tcp') + of('udp') + of('icmp') + of('other');
        expect(of('ipv4') + of('ipv6')).toBeLessThanOrEqual(total);
      }
    }
    expect(got).toEqual(want);
    const total = w.snapshot().windows[0]!;
    expect(total.packets).toBe(packets.length);
    expect(total.classes.tcp.packets + total.classes.udp.packets + total.classes.icmp.packets + total.classes.other.packets).toBe(packets.length);
    expect(total.sources.reduce((a, s) => a + s.bytes, 0)).toBe(total.bytes);
  });
});

describe('Windows: top talkers', () => {
  it('hosts count bytes sent + received (once for a packet to itself); flows in canonical order, ICMP without ports', () => {
    const { feed, at, win } = windows();
    feed(
      { t: 0, src: B, dst: A, sport: 80, dport: 40000, proto: TCP, len: 1000 },
      { t: 0, src: A, dst: B, sport: 40000, dport: 80, proto: TCP, len: 100 },
      { t: 0, src: A, dst: A, sport: 1, dport: 2, proto: UDP, len: 10 },
      { t: 0, src: '10.0.0.3', dst: A, sport: 8, dport: 0, proto: ICMP, len: 98 }, // echo request
      { t: 0, src: A, dst: '10.0.0.3', sport: 0, dport: 0, proto: ICMP, len: 98 }, // echo reply
      { t: 0, src: '2001:db8::2', dst: '2001:db8::1', sport: 443, dport: 5000, proto: TCP, len: 50 },
      { t: 0, src: B, dst: A, sport: 80, dport: 40000, proto: TCP, len: 7, vlan: 20 },
      { t: 0, src: A, dst: B, proto: UDP, sport: 9, dport: 9, frag: 1, len: 3 }, // non-first fragment: hosts only
    );
    at(1);
    expect(win(1).top_hosts.map((h) => [h.ip, h.bytes, h.packets, h.error])).toEqual([
      [A, 1000 + 100 + 10 + 98 + 98 + 7 + 3, 7, 0],
      [B, 1110, 4, 0],
      ['10.0.0.3', 196, 2, 0],
      ['2001:db8::2', 50, 1, 0], // ties: the first seen first
      ['2001:db8::1', 50, 1, 0],
    ]);
    expect(win(1).top_flows.map((f) => ({ ...f }))).toEqual([
      { source: 0, vlan: 0, proto: TCP, a_ip: A, a_port: 40000, b_ip: B, b_port: 80, bytes: 1100, packets: 2, error: 0 },
      { source: 0, vlan: 0, proto: ICMP, a_ip: A, a_port: 0, b_ip: '10.0.0.3', b_port: 0, bytes: 196, packets: 2, error: 0 },
      { source: 0, vlan: 0, proto: TCP, a_ip: '2001:db8::1', a_port: 5000, b_ip: '2001:db8::2', b_port: 443, bytes: 50, packets: 1, error: 0 },
      { source: 0, vlan: 0, proto: UDP, a_ip: A, a_port: 1, b_ip: A, b_port: 2, bytes: 10, packets: 1, error: 0 },
      { source: 0, vlan: 20, proto: TCP, a_ip: A, a_port: 40000, b_ip: B, b_port: 80, bytes: 7, packets: 1, error: 0 },
    ]);
  });

  it('topN bounds the lists', () => {
    const { feed, at, win } = windows({ topN: 2 });
    feed(...Array.from({ length: 5 }, (_, k) => tcp(0, 100 + k, { sport: 1000 + k })));
    at(1);
    expect(win(1).top_flows.map((f) => f.bytes)).toEqual([104, 103]);
    expect(win(1).top_hosts).toHaveLength(2);
  });

  it('under the per-second cap the top lists of every window equal a brute-force count (seeded random traffic)', () => {
    for (const seed of [1, 2]) {
      const r = rng(seed);
      const hosts = Array.from({ length: 40 }, (_, k) => (k % 4 === 0 ? `2001:db8::${(k + 1).toString(16)}` : `10.1.${k >> 4}.${k & 15}`));
      const packets: FakePacket[] = [];
      for (let i = 0; i < 6000; i++) {
        const src = hosts[zipf(r, 40)]!;
        let dst = hosts[int(r, 40)]!;
        if (src.includes(':') !== dst.includes(':')) dst = src.includes(':') ? '2001:db8::ff' : '10.9.9.9';
        const proto = [TCP, UDP, src.includes(':') ? ICMP6 : ICMP][int(r, 3)]!;
        packets.push({ t: i / 100, src, dst, proto, sport: 1000 + int(r, 4), dport: [80, 443][int(r, 2)]!, len: 40 + int(r, 1460), sourceId: int(r, 2), vlan: int(r, 2) * 10 });
      }
      const { w } = windows({ topN: 15, maxHostsPerSecond: 64, maxFlowsPerSecond: 1024 });
      for (let i = 0; i < packets.length; i += 500) w.ingest(makeBatch(packets.slice(i, i + 500)));
      w.advance(BASE_SEC + 60);
      for (const x of w.snapshot().windows) {
        const inWindow = packets.filter((p) => Math.floor(p.t) >= 60 - x.window);
        const { hosts: bh, flows: bf } = bruteTop(inWindow);
        const wantHosts = [...bh.values()].map((e) => e.bytes).sort((a, b) => b - a).slice(0, 15);
        const wantFlows = [...bf.values()].map((e) => e.bytes).sort((a, b) => b - a).slice(0, 15);
        expect(x.top_hosts.map((h) => h.bytes)).toEqual(wantHosts);
        expect(x.top_flows.map((f) => f.bytes)).toEqual(wantFlows);
        for (const h of x.top_hosts) expect({ ...bh.get(h.ip), error: h.error }).toEqual({ bytes: h.bytes, packets: h.packets, error: 0 });
        for (const f of x.top_flows) expect({ ...bf.get(flowKey(f)), error: f.error }).toEqual({ bytes: f.bytes, packets: f.packets, error: 0 });
      }
    }
  });

  it('over the cap, heavy hitters are still found and every listed count is within ±error of the truth', () => {
    const r = rng(5);
    const heavy = ['192.168.1.1', '192.168.1.2', '192.168.1.3'];
    const packets: FakePacket[] = [];
    for (let i = 0; i < 30_000; i++) {
      const t = i / 3000; // 10 seconds, 3000 packets each
      if (i % 8 === 0) packets.push({ t, src: heavy[i % 3]!, dst: '172.16.0.1', proto: UDP, sport: 1000 + (i % 3), dport: 53, len: 1200 });
      else packets.push({ t, src: `10.${int(r, 4)}.${int(r, 256)}.${int(r, 256)}`, dst: `10.99.${int(r, 256)}.${int(r, 256)}`, proto: TCP, sport: int(r, 65536), dport: 80, len: 60 + int(r, 200) });
    }
    const { w } = windows({ windows: [1, 10], topN: 10, maxHostsPerSecond: 32, maxFlowsPerSecond: 32 });
    for (let i = 0; i < packets.length; i += 1000) w.ingest(makeBatch(packets.slice(i, i + 1000)));
    w.advance(BASE_SEC + 10);
    for (const x of w.snapshot().windows) {
      const { hosts: bh, flows: bf } = bruteTop(packets.filter((p) => Math.floor(p.t) >= 10 - x.window));
      const ips = x.top_hosts.map((h) => h.ip);
      for (const ip of [...heavy, '172.16.0.1']) expect(ips).toContain(ip);
      expect(x.top_flows.filter((f) => f.b_port === 53 || f.a_port === 53)).toHaveLength(3);
      for (const h of x.top_hosts) {
        const t = bh.get(h.ip)!;
        expect(Math.abs(h.bytes - t.bytes)).toBeLessThanOrEqual(h.error);
        expect(h.packets).toBeLessThanOrEqual(t.packets);
      }
      for (const f of x.top_flows) {
        const t = bf.get(flowKey(f))!;
        expect(Math.abs(f.bytes - t.bytes)).toBeLessThanOrEqual(f.error);
      }
      // the heavy flows entered each second while the tables still had room: exact
      for (const f of x.top_flows.filter((f) => f.a_port === 53 || f.b_port === 53)) expect(f.error).toBe(0);
    }
  });
});

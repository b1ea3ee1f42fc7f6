// FlowTable behaviour on exact packets: TCP lifecycles, timeouts, active
// reports, eviction, keying rules and index correctness under collisions.
import { describe, expect, it } from 'vitest';
import { FlowTable, type FlowRecord, type FlowSecondSink, type FlowTableOptions } from '../../../lib/flows/index.js';
import { addressBytes, BASE_SEC, F, makeBatch, type FakePacket } from './fake-batch.js';

const C = '10.0.0.1';
const S = '10.0.0.2';
const TCP = 6;
const UDP = 17;

function table(options: FlowTableOptions = {}) {
  const records: FlowRecord[] = [];
  const t = new FlowTable({ hashSeed: 1, ...options, onRecord: (r) => records.push(r) });
  const feed = (...packets: FakePacket[]) => t.ingest(makeBatch(packets));
  return { t, records, feed };
}

/** Client → server and server → client TCP packets on one 5-tuple. */
const c2s = (t: number, flags: number, len = 60, sport = 40000): FakePacket => ({ t, src: C, sport, dst: S, dport: 80, proto: TCP, flags, len });
const s2c = (t: number, flags: number, len = 60, sport = 40000): FakePacket => ({ t, src: S, sport: 80, dst: C, dport: sport, proto: TCP, flags, len });
const handshake = (t = 0, sport = 40000) => [c2s(t, F.SYN, 60, sport), s2c(t + 0.01, F.SYN | F.ACK, 60, sport), c2s(t + 0.02, F.ACK, 60, sport)];

describe('FlowTable: TCP lifecycle', () => {
  it('handshake, data, FIN both ways: one closed flow ending with fin, counted per direction', () => {
    const { t, records, feed } = table();
    feed(...handshake());
    expect(t.snapshot()[0]!.state).toBe('established');
    feed(c2s(1, F.PSH | F.ACK, 200), s2c(1.5, F.PSH | F.ACK, 1500), c2s(2, F.FIN | F.ACK));
    expect(t.snapshot()[0]!.state).toBe('closing');
    feed(s2c(2.1, F.FIN | F.ACK), c2s(2.2, F.ACK));
    expect(t.snapshot()[0]!.state).toBe('closed');
    expect(records).toHaveLength(0); // lingers for the last ACKs
    t.expire(BASE_SEC + 2.2 + t.timeouts.tcp_closed + 0.5);
    expect(records).toHaveLength(1);
    const r = records[0]!;
    expect(r).toMatchObject({
      source: 0, vlan: 0, proto: 6,
      src_ip: C, src_port: 40000, dst_ip: S, dst_port: 80,
      packets_c2s: 5, bytes_c2s: 60 + 60 + 200 + 60 + 60,
      packets_s2c: 3, bytes_s2c: 60 + 1500 + 60,
      tcp_flags: F.SYN | F.ACK | F.PSH | F.FIN,
      state: 'closed', end_reason: 'fin',
      first_ns: `${BASE_SEC}000000000`, last_ns: `${BASE_SEC + 2}200000000`,
    });
    expect(r.community_id).toMatch(/^1:/);
    expect(t.size).toBe(0);
  });

  it('RST ends the flow with rst after the linger', () => {
    const { t, records, feed } = table();
    feed(...handshake(), s2c(1, F.RST | F.ACK));
    expect(t.snapshot()[0]!.state).toBe('reset');
    feed(s2c(1.1, F.RST)); // retransmitted RST stays in the flow
    t.flush();
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ state: 'reset', end_reason: 'rst', packets_s2c: 3 });
  });

  it('refused connection: SYN then RST-ACK', () => {
    const { t, records, feed } = table();
    feed(c2s(0, F.SYN), s2c(0.001, F.RST | F.ACK));
    t.expire(BASE_SEC + 100);
    expect(records).toMatchObject([{ state: 'reset', end_reason: 'rst', src_ip: C, packets_c2s: 1, packets_s2c: 1 }]);
  });

  it('simultaneous open: SYN, SYN, SYN-ACK, SYN-ACK is established, initiated by the first SYN sender', () => {
    const { t, feed } = table();
    feed(c2s(0, F.SYN), s2c(0.001, F.SYN), c2s(0.002, F.SYN | F.ACK));
    expect(t.snapshot()[0]!.state).toBe('new');
    feed(s2c(0.003, F.SYN | F.ACK));
    expect(t.snapshot()).toMatchObject([{ state: 'established', src_ip: C, packets_c2s: 2, packets_s2c: 2 }]);
  });

  it('SYN retransmits stay one half-open flow, which ends idle after tcp_half_open', () => {
    const { t, records, feed } = table();
    feed(c2s(0, F.SYN), c2s(1, F.SYN), c2s(3, F.SYN));
    expect(t.size).toBe(1);
    expect(t.stats.created.tcp).toBe(1);
    t.expire(BASE_SEC + 3 + t.timeouts.tcp_half_open - 1);
    expect(records).toHaveLength(0);
    t.expire(BASE_SEC + 3 + t.timeouts.tcp_half_open + 1);
    expect(records).toMatchObject([{ state: 'new', end_reason: 'idle', packets_c2s: 3, packets_s2c: 0, tcp_flags: F.SYN }]);
  });

  it('port reuse: a new SYN on a closed 5-tuple starts a new flow, even within the linger', () => {
    const { t, records, feed } = table();
    feed(...handshake(), c2s(1, F.FIN | F.ACK), s2c(1.1, F.FIN | F.ACK), c2s(1.2, F.ACK));
    feed(...handshake(3));
    expect(records).toMatchObject([{ end_reason: 'fin', state: 'closed', packets_c2s: 4, packets_s2c: 2 }]);
    expect(t.snapshot()).toMatchObject([{ state: 'established', packets_c2s: 2, packets_s2c: 1, first_ns: `${BASE_SEC + 3}000000000` }]);
    expect(t.stats.created.tcp).toBe(2);
  });

  it('port reuse after RST, the new SYN coming from the other side', () => {
    const { t, records, feed } = table();
    feed(...handshake(), c2s(1, F.RST));
    feed({ t: 2, src: S, sport: 80, dst: C, dport: 40000, proto: TCP, flags: F.SYN });
    expect(records).toMatchObject([{ end_reason: 'rst', src_ip: C }]);
    expect(t.snapshot()).toMatchObject([{ state: 'new', src_ip: S, src_port: 80, dst_ip: C, dst_port: 40000 }]);
  });

  it('a SYN-ACK seen first makes its receiver the initiator', () => {
    const { t, feed } = table();
    feed(s2c(0, F.SYN | F.ACK), c2s(0.01, F.ACK));
    expect(t.snapshot()).toMatchObject([{ src_ip: C, src_port: 40000, state: 'established', packets_c2s: 1, packets_s2c: 1 }]);
  });

  it('mid-stream pickup is established, initiated by the first sender', () => {
    const { t, feed } = table();
    feed(s2c(0, F.ACK | F.PSH, 1000), c2s(0.01, F.ACK));
    expect(t.snapshot()).toMatchObject([{ src_ip: S, src_port: 80, state: 'established', bytes_c2s: 1000 }]);
  });

  it('an established flow idle past tcp_established ends idle, and its next packet starts a new flow', () => {
    const { t, records, feed } = table({ timeouts: { tcp_established: 100 } });
    feed(...handshake(), c2s(200, F.ACK | F.PSH));
    expect(records).toMatchObject([{ end_reason: 'idle', state: 'established', packets_c2s: 2 }]);
    expect(t.size).toBe(1);
  });
});

describe('FlowTable: UDP, ICMP, other', () => {
  it('UDP: both directions are one flow; idle past the UDP timeout ends it', () => {
    const { t, records, feed } = table();
    const q = (time: number): FakePacket => ({ t: time, src: C, sport: 5000, dst: S, dport: 9999, proto: UDP, len: 100 });
    const a = (time: number): FakePacket => ({ t: time, src: S, sport: 9999, dst: C, dport: 5000, proto: UDP, len: 300 });
    feed(q(0), a(0.1), q(59));
    expect(t.snapshot()).toMatchObject([{ state: 'established', packets_c2s: 2, packets_s2c: 1, bytes_s2c: 300, tcp_flags: 0 }]);
    feed(q(59 + 61)); // idle 61 s > 60 s
    expect(records).toMatchObject([{ end_reason: 'idle', packets_c2s: 2, last_ns: `${BASE_SEC + 59}000000000` }]);
    expect(t.stats.created.udp).toBe(2);
  });

  it('UDP port 53 uses the short DNS timeout', () => {
    const { t, records, feed } = table();
    feed({ t: 0, src: C, sport: 5353, dst: S, dport: 53, proto: UDP }, { t: 0.02, src: S, sport: 53, dst: C, dport: 5353, proto: UDP });
    t.expire(BASE_SEC + 9);
    expect(records).toHaveLength(0);
    t.expire(BASE_SEC + 11);
    expect(records).toMatchObject([{ end_reason: 'idle', src_port: 5353, dst_port: 53, state: 'established' }]);
  });

  it('ICMP echo request and reply are one flow with Community ID ports; an error is its own flow', () => {
    const { t, records, feed } = table();
    feed(
      { t: 0, src: '192.168.0.89', dst: '192.168.0.1', proto: 1, sport: 8, dport: 0 },
      { t: 0.001, src: '192.168.0.1', dst: '192.168.0.89', proto: 1, sport: 0, dport: 0 },
      { t: 1, src: '192.168.0.89', dst: '192.168.0.1', proto: 1, sport: 8, dport: 0 },
      { t: 1.001, src: '192.168.0.1', dst: '192.168.0.89', proto: 1, sport: 0, dport: 0 },
      { t: 2, src: '192.168.0.1', dst: '192.168.0.89', proto: 1, sport: 3, dport: 3 }, // port unreachable
    );
    expect(t.stats.created.icmp).toBe(2);
    t.expire(BASE_SEC + 2 + t.timeouts.icmp - 1);
    expect(records).toHaveLength(0);
    t.expire(BASE_SEC + 2 + t.timeouts.icmp + 1);
    expect(records).toHaveLength(2);
    const echo = records.find((r) => r.src_port === 8)!;
    // the spec's baseline vector for this echo exchange
    expect(echo).toMatchObject({ src_ip: '192.168.0.89', dst_port: 0, packets_c2s: 2, packets_s2c: 2, end_reason: 'idle', community_id: '1:X0snYXpgwiv9TZtqg64sgzUn6Dk=' });
    expect(records.find((r) => r.src_port === 3)).toMatchObject({ src_ip: '192.168.0.1', dst_port: 3, packets_c2s: 1, state: 'new' });
  });

  it('ICMPv6 echo and an IPv6 TCP flow format IPv6 addresses; Community ID matches the spec vector', () => {
    const { t, feed } = table();
    const a = '2001:470:e5bf:dead:4957:2174:e82c:4887';
    const b = '2607:f8b0:400c:c03::1a';
    feed(
      { t: 0, src: a, sport: 63943, dst: b, dport: 25, proto: TCP, flags: F.SYN },
      { t: 0.1, src: a, dst: b, proto: 58, sport: 128, dport: 0 },
      { t: 0.2, src: b, dst: a, proto: 58, sport: 129, dport: 0 },
    );
    const snap = t.snapshot();
    expect(snap.find((r) => r.proto === 6)).toMatchObject({ src_ip: a, dst_ip: b, community_id: '1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=' });
    expect(snap.find((r) => r.proto === 58)).toMatchObject({ src_port: 128, dst_port: 129, packets_c2s: 1, packets_s2c: 1 });
  });

  it('other protocols key by addresses only; non-IP rows and non-first fragments are skipped', () => {
    const { t, feed } = table();
    feed(
      { t: 0, src: C, dst: S, proto: 50, len: 120 }, // ESP
      { t: 0.1, src: S, dst: C, proto: 50, len: 120 },
      { t: 0.2, src: C, dst: S, nonIp: true, proto: 0 },
      { t: 0.3, src: C, sport: 7000, dst: S, dport: 7001, proto: UDP, frag: 1 | 2 | 4, len: 1514 }, // first fragment
      { t: 0.4, src: C, dst: S, proto: UDP, frag: 1 | 4, len: 1514 }, // non-first
      { t: 0.5, src: C, dst: S, proto: UDP, frag: 1, len: 600 }, // last
    );
    expect(t.stats.created).toEqual({ total: 2, tcp: 0, udp: 1, icmp: 0, other: 1 });
    expect(t.stats.skipped).toMatchObject({ non_ip: 1, fragment: 2 });
    expect(t.snapshot().find((r) => r.proto === 50)).toMatchObject({ src_port: 0, dst_port: 0, packets_c2s: 1, packets_s2c: 1, state: 'established' });
  });

  it('source id and VLAN are part of the key', () => {
    const { t, feed } = table();
    feed(c2s(0, F.SYN), { ...c2s(0, F.SYN), vlan: 10 }, { ...c2s(0, F.SYN), vlan: 20 }, { ...c2s(0, F.SYN), sourceId: 1 }, { ...s2c(0.1, F.SYN | F.ACK), vlan: 10 });
    expect(t.size).toBe(4);
    expect(t.snapshot().find((r) => r.vlan === 10)).toMatchObject({ packets_s2c: 1, src_ip: C });
    expect(t.snapshot().find((r) => r.source === 1)).toMatchObject({ vlan: 0 });
  });
});

describe('FlowTable: active timeout', () => {
  it('reports a long flow every active period without ending it; counters are per record', () => {
    const { t, records, feed } = table({ timeouts: { active: 100 } });
    const packets: FakePacket[] = [...handshake()];
    for (let s = 10; s <= 350; s += 10) packets.push(c2s(s, F.ACK | F.PSH, 100), s2c(s + 0.5, F.ACK, 60));
    feed(...packets);
    const active = records.filter((r) => r.end_reason === 'active');
    expect(active.length).toBe(3); // at 100, 200, 300
    expect(active.every((r) => r.state === 'established' && r.src_ip === C)).toBe(true);
    expect(active[1]!.first_ns).toBe(`${BASE_SEC + 100}000000000`);
    expect(t.size).toBe(1);
    t.flush();
    const all = records;
    expect(all.at(-1)).toMatchObject({ end_reason: 'shutdown', state: 'established' });
    expect(all.reduce((n, r) => n + r.packets_c2s + r.packets_s2c, 0)).toBe(packets.length);
    expect(t.stats.activeReports).toBe(3);
    expect(t.stats.created.total).toBe(1);
  });
});

describe('FlowTable: bound and eviction', () => {
  const udp = (time: number, port: number): FakePacket => ({ t: time, src: C, sport: port, dst: S, dport: 9000, proto: UDP });

  it('when full, the least recently seen flow is evicted and counted', () => {
    const { t, records, feed } = table({ maxFlows: 3 });
    feed(udp(0, 1), udp(1, 2), udp(2, 3), udp(3, 1)); // flow 1 touched again: flow 2 is now oldest
    feed(udp(4, 4));
    expect(records).toMatchObject([{ end_reason: 'evicted', src_port: 2 }]);
    expect(t.stats.evicted).toBe(1);
    expect(t.size).toBe(3);
    feed(udp(5, 5));
    expect(records.at(-1)).toMatchObject({ end_reason: 'evicted', src_port: 3 });
  });

  it('expired flows are ended idle before anything live is evicted', () => {
    const { t, records, feed } = table({ maxFlows: 2, timeouts: { udp: 10, tcp_established: 1000 } });
    feed(...handshake(0), udp(1, 1), c2s(20, F.ACK)); // UDP idle since 1, TCP live at 20
    feed(udp(20.5, 2));
    expect(records).toMatchObject([{ end_reason: 'idle', proto: UDP }]);
    expect(t.stats.evicted).toBe(0);
  });

  it('results do not depend on batch boundaries', () => {
    const packets: FakePacket[] = [];
    let seed = 7;
    const rnd = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n);
    for (let i = 0; i < 3000; i++) {
      const port = 1000 + rnd(300);
      packets.push(rnd(2) ? udp(i * 0.1, port) : { t: i * 0.1, src: S, sport: 9000, dst: C, dport: port, proto: UDP });
    }
    const run = (size: number) => {
      const { t, records } = table({ maxFlows: 100, timeouts: { udp: 20 } });
      for (let i = 0; i < packets.length; i += size) t.ingest(makeBatch(packets.slice(i, i + size)));
      t.flush();
      return records.map((r) => JSON.stringify(r)).sort();
    };
    const one = run(1);
    expect(run(1024)).toEqual(one);
    expect(run(37)).toEqual(one);
  });
});

describe('FlowTable: index', () => {
  it('stays correct with every hash colliding (probing, backward-shift deletion, reuse of ids)', () => {
    const { t, records, feed } = table({ maxFlows: 64, timeouts: { udp: 5 } });
    const live = new Map<number, number>(); // port → packets
    let time = 0;
    let seed = 1;
    const rnd = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n);
    for (let step = 0; step < 2000; step++) {
      time += 0.05;
      const port = 1 + rnd(40);
      feed({ t: time, src: C, sport: port, dst: S, dport: 9000, proto: UDP, hash: port % 3 }); // 3 hash values for 40 keys
      live.set(port, (live.get(port) ?? 0) + 1);
      if (step % 500 === 499) {
        t.flush(); // empties the index, exercising deletion of every run
        time += 10;
      }
    }
    t.flush();
    const total = records.reduce((n, r) => n + r.packets_c2s, 0);
    expect(total).toBe(2000);
    const perPort = new Map<number, number>();
    for (const r of records) perPort.set(r.src_port, (perPort.get(r.src_port) ?? 0) + r.packets_c2s);
    expect(perPort).toEqual(live);
    expect(t.size).toBe(0);
    expect(t.stats.skipped.probe_limit).toBe(0);
  });

  it('flush without a record listener ends every flow at once, and the table works as new afterwards', () => {
    const quiet = new FlowTable({ hashSeed: 1, maxFlows: 64 });
    const { t: loud, records } = table({ maxFlows: 64 });
    const round = (base: number) => {
      const packets: FakePacket[] = [];
      for (let p = 1; p <= 50; p++) packets.push({ t: base + p * 0.01, src: C, sport: p, dst: S, dport: 9000, proto: UDP, hash: p % 5 });
      packets.push(...handshake(base + 1));
      return makeBatch(packets);
    };
    for (const tbl of [quiet, loud]) {
      tbl.ingest(round(0));
      expect(tbl.flush()).toBe(51);
      expect(tbl.size).toBe(0);
      expect(tbl.snapshot()).toEqual([]);
      tbl.ingest(round(100)); // the same keys again: new flows, none found stale in the index
      tbl.ingest(round(100.5));
    }
    expect(quiet.stats).toEqual(loud.stats);
    expect(quiet.stats).toMatchObject({ active: 51, ended: 51, created: { total: 102, udp: 100, tcp: 2 } });
    expect(quiet.snapshot().map((r) => ({ ...r, community_id: '' }))).toEqual(loud.snapshot().map((r) => ({ ...r, community_id: '' })));
    expect(records).toHaveLength(51);
  });

  it('the probe cap bounds crafted collisions: excess flows are skipped and counted', () => {
    const { t, feed } = table({ maxFlows: 1000 });
    const packets: FakePacket[] = [];
    for (let p = 1; p <= 300; p++) packets.push({ t: 0, src: C, sport: p, dst: S, dport: 1, proto: UDP, hash: 42 });
    feed(...packets);
    expect(t.size).toBe(256);
    expect(t.stats.skipped.probe_limit).toBe(44);
  });

  it('rejects a bad bound and bad timeouts, naming the key', () => {
    expect(() => new FlowTable({ maxFlows: 0 })).toThrow(/maxFlows/);
    expect(() => new FlowTable({ timeouts: { udp: -1 } })).toThrow(/timeouts\.udp/);
    expect(() => new FlowTable({ timeouts: { bogus: 1 } as never })).toThrow(/timeouts\.bogus/);
  });
});

/** A FlowSecondSink that records what it is handed, keyed independently of the canonical order. */
function recordingSink() {
  const sums = new Map<string, { bytes: number; packets: number }>();
  const lens: number[] = [];
  let handed = 0;
  const hex = (w: Uint32Array, o: number) => Buffer.from(w.buffer, w.byteOffset + o * 4, 16).toString('hex');
  const sink: FlowSecondSink = {
    addFlowSecond(h, words, loOff, hiOff, loPort, hiPort, source, vlan, proto, bytes, packets) {
      expect(h).toBeLessThan(2 ** 30);
      const ends = [`${hex(words, loOff)}:${loPort}`, `${hex(words, hiOff)}:${hiPort}`].sort();
      const key = `${source}|${vlan}|${proto}|${ends.join('-')}`;
      const e = sums.get(key) ?? { bytes: 0, packets: 0 };
      e.bytes += bytes;
      e.packets += packets;
      sums.set(key, e);
      handed++;
    },
    addRowWithoutFlow(batch, i) {
      lens.push(batch.wireLen[i]!);
    },
  };
  return { sink, sums, lens, handed: () => handed };
}

/** The same key for a fake TCP/UDP packet (either direction). */
function sumKey(p: FakePacket): string {
  const ends = [`${Buffer.from(addressBytes(p.src)).toString('hex')}:${p.sport ?? 0}`, `${Buffer.from(addressBytes(p.dst)).toString('hex')}:${p.dport ?? 0}`].sort();
  return `${p.sourceId ?? 0}|${p.vlan ?? 0}|${p.proto}|${ends.join('-')}`;
}

describe('FlowTable: per-second sums (secondSink)', () => {
  it('each period hands over every flow\'s packets and bytes, through port reuse, idle ends, evictions, fragments and malformed rows', () => {
    let seed = 11;
    const rnd = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n);
    const { t } = table({ maxFlows: 24, timeouts: { udp: 1.5, tcp_closed: 0.5 } });
    const rec = recordingSink();
    t.secondSink = rec.sink;
    let time = 0;
    for (let period = 0; period < 12; period++) {
      const packets: FakePacket[] = [];
      const expectSums = new Map<string, { bytes: number; packets: number }>();
      const expectLens: number[] = [];
      for (let n = 0; n < 400; n++) {
        time += 0.003 + rnd(5) * 0.001;
        const port = 1000 + rnd(40); // 40 keys for a bound of 24: evictions
        const len = 40 + rnd(1400);
        const kind = rnd(20);
        let p: FakePacket;
        if (kind === 0) p = { t: time, src: C, dst: S, sport: port, dport: 53, proto: UDP, len, frag: 1 };
        else if (kind === 1) p = { t: time, src: S, dst: C, sport: 80, dport: port, proto: TCP, len, malformed: true };
        else if (kind < 4) p = c2s(time, [F.SYN, F.FIN | F.ACK, F.RST][rnd(3)]!, len, port); // new SYNs on closed tuples: reuse
        else if (kind < 10) p = s2c(time, F.ACK, len, port);
        else p = rnd(2) ? { t: time, src: C, dst: S, sport: port, dport: 53, proto: UDP, len } : { t: time, src: S, dst: C, sport: 53, dport: port, proto: UDP, len };
        packets.push(p);
        if (kind < 2) expectLens.push(len);
        else {
          const e = expectSums.get(sumKey(p)) ?? { bytes: 0, packets: 0 };
          e.bytes += len;
          e.packets++;
          expectSums.set(sumKey(p), e);
        }
      }
      rec.lens.length = 0;
      for (let i = 0; i < packets.length; i += 37) t.ingest(makeBatch(packets.slice(i, i + 37)));
      // rows without a flow go to the sink as they come, in order, before the flush
      expect(rec.lens).toEqual(expectLens);
      rec.sums.clear();
      const before = rec.handed();
      t.flushSeconds();
      expect(rec.handed()).toBeGreaterThan(before);
      expect(rec.sums).toEqual(expectSums);
      expect(rec.lens).toEqual(expectLens); // and the flush hands over no rows
      time += rnd(3); // sometimes long enough for idle ends at the next packet
    }
    expect(t.stats.evicted).toBeGreaterThan(0);
    expect(t.stats.created.total).toBeGreaterThan(t.stats.evicted); // ends by FIN/RST and idle too
    rec.sums.clear();
    t.flushSeconds();
    expect(rec.sums.size).toBe(0); // nothing twice
  });

  it('rows without a flow go to addRowWithoutFlow: fragments, malformed headers, the probe limit', () => {
    const { t } = table({ maxFlows: 1000 });
    const rec = recordingSink();
    t.secondSink = rec.sink;
    const packets: FakePacket[] = [
      { t: 0, src: C, dst: S, sport: 1, dport: 2, proto: UDP, len: 11, frag: 1 },
      { t: 0, src: C, dst: S, sport: 1, dport: 2, proto: TCP, len: 12, malformed: true },
      { t: 0, src: C, dst: S, proto: 1, len: 13, malformed: true },
      { t: 0, src: C, dst: S, proto: UDP, len: 14, nonIp: true }, // not IP: nobody's
    ];
    for (let p = 1; p <= 260; p++) packets.push({ t: 0, src: C, sport: p, dst: S, dport: 1, proto: UDP, len: 1000 + p, hash: 42 });
    t.ingest(makeBatch(packets));
    expect(rec.lens).toEqual([11, 12, 13, 1257, 1258, 1259, 1260]);
    t.flushSeconds();
    expect(rec.sums.size).toBe(256);
  });

  it('more flows than the dense list holds in one period are handed over early, and still sum exactly', () => {
    const { t } = table({ maxFlows: 200_000 });
    const rec = recordingSink();
    t.secondSink = rec.sink;
    const flows = 140_000; // past the list's 2^17
    const expectSums = new Map<string, { bytes: number; packets: number }>();
    const flow = (k: number, len: number): FakePacket => ({ t: 0.5, src: `10.${k >> 16}.${(k >> 8) & 255}.${k & 255}`, dst: S, sport: 5000, dport: 53, proto: UDP, len });
    const again = Array.from({ length: 140 }, (_, j) => flow(j * 1000, 1)); // second packets, after the early hand-over
    for (let base = 0; base <= flows; base += 10_000) {
      const packets = base < flows ? Array.from({ length: 10_000 }, (_, j) => flow(base + j, 100 + (j % 7))) : again;
      for (const p of packets) {
        const e = expectSums.get(sumKey(p)) ?? { bytes: 0, packets: 0 };
        e.bytes += p.len!;
        e.packets++;
        expectSums.set(sumKey(p), e);
      }
      t.ingest(makeBatch(packets));
    }
    expect(rec.handed()).toBe(2 ** 17); // handed over before any flush
    t.flushSeconds();
    expect(rec.sums).toEqual(expectSums);
    expect(rec.handed()).toBe(flows + 132); // the 132 of them first seen before the hand-over came twice
  });

  it('without a sink no sums are kept: a sink set later gets only what came after it', () => {
    const { t, feed } = table();
    feed(...handshake(0)); // no sink yet
    t.flushSeconds(); // a no-op
    const rec = recordingSink();
    t.secondSink = rec.sink;
    t.flushSeconds();
    expect(rec.handed()).toBe(0);
    feed(c2s(0.5, F.ACK, 77));
    t.flushSeconds();
    expect([...rec.sums.values()]).toEqual([{ bytes: 77, packets: 1 }]);
  });
});

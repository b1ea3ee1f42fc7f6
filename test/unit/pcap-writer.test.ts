import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  openPcap, openPcapng, PCAP_MAGIC_US, PCAP_MAGIC_NS, PCAPNG_SHB, PCAPNG_IDB, PCAPNG_EPB, PCAPNG_BYTE_ORDER_MAGIC,
  LINKTYPE_ETHERNET, LINKTYPE_RAW,
} from '../../scripts/pcap/writer.js';
import {
  FrameSpec, PayloadPool, buildFrame, sum16, L3_IPV4, L3_IPV6, IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMPV6,
  IPPROTO_HOPOPTS, IPPROTO_FRAGMENT, TCP_SYN, tcpSynOptions,
} from '../../scripts/pcap/packets.js';
import { Rng } from '../../scripts/pcap/traffic.js';
import { generateFixtures, DEFAULT_SEED } from '../../scripts/pcap/fixtures.js';
import { writeBench } from '../../scripts/pcap/bench.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const fixturesDir = path.join(root, 'fixtures');
let tmp: string;

beforeAll(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wirewatch-pcap-')); });
afterAll(() => { fs.rmSync(tmp, { recursive: true, force: true }); });

const frame = (n: number, base = 0): Buffer => Buffer.from(Array.from({ length: n }, (_, k) => (base + k) & 255));

/** Walk pcapng blocks, checking that leading and trailing lengths agree and are multiples of 4. */
function pcapngBlocks(b: Buffer): { type: number; off: number; len: number }[] {
  const out: { type: number; off: number; len: number }[] = [];
  let off = 0;
  while (off < b.length) {
    const type = b.readUInt32LE(off);
    const len = b.readUInt32LE(off + 4);
    expect(len % 4).toBe(0);
    expect(len).toBeGreaterThanOrEqual(12);
    expect(b.readUInt32LE(off + len - 4)).toBe(len);
    out.push({ type, off, len });
    off += len;
  }
  expect(off).toBe(b.length);
  return out;
}

describe('openPcap: bad arguments', () => {
  it('rejects a bad snaplen and link type', () => {
    expect(() => openPcap(path.join(tmp, 'x.pcap'), { snaplen: 0 })).toThrow(RangeError);
    expect(() => openPcap(path.join(tmp, 'x.pcap'), { linkType: 70000 })).toThrow(RangeError);
  });
  it('rejects bad timestamps, a wire length below the frame length, and writes after close', () => {
    const w = openPcap(path.join(tmp, 'bad.pcap'));
    expect(() => w.write(-1, 0, frame(10))).toThrow(RangeError);
    expect(() => w.write(0, 1e9, frame(10))).toThrow(RangeError);
    expect(() => w.write(0, 0.5, frame(10))).toThrow(RangeError);
    expect(() => w.write(0, 0, frame(10), 9)).toThrow(RangeError);
    w.close();
    w.close(); // idempotent
    expect(() => w.write(0, 0, frame(10))).toThrow(/closed/);
  });
});

describe('openPcap', () => {
  it('writes the microsecond header and records', () => {
    const f = path.join(tmp, 'us.pcap');
    const w = openPcap(f, { linkType: LINKTYPE_ETHERNET, snaplen: 65535 });
    w.write(1767225600, 123456789, frame(60));
    w.write(1767225601, 999, frame(70, 7), 1514);
    w.close();
    const b = fs.readFileSync(f);
    expect(b.readUInt32LE(0)).toBe(PCAP_MAGIC_US);
    expect([...b.subarray(0, 4)]).toEqual([0xd4, 0xc3, 0xb2, 0xa1]);
    expect(b.readUInt16LE(4)).toBe(2);
    expect(b.readUInt16LE(6)).toBe(4);
    expect(b.readInt32LE(8)).toBe(0);
    expect(b.readUInt32LE(12)).toBe(0);
    expect(b.readUInt32LE(16)).toBe(65535);
    expect(b.readUInt32LE(20)).toBe(1);
    // record 1
    expect(b.readUInt32LE(24)).toBe(1767225600);
    expect(b.readUInt32LE(28)).toBe(123456); // microseconds, truncated
    expect(b.readUInt32LE(32)).toBe(60);
    expect(b.readUInt32LE(36)).toBe(60);
    expect(b.subarray(40, 100).equals(frame(60))).toBe(true);
    // record 2
    expect(b.readUInt32LE(100)).toBe(1767225601);
    expect(b.readUInt32LE(104)).toBe(0);
    expect(b.readUInt32LE(108)).toBe(70);
    expect(b.readUInt32LE(112)).toBe(1514);
    expect(b.length).toBe(24 + 16 + 60 + 16 + 70);
    expect(w.stats).toMatchObject({ packets: 2, wireBytes: 1574, capBytes: 130, truncated: 1, firstNsec: 123456000, lastNsec: 0, fileBytes: b.length });
  });

  it('writes the nanosecond magic and keeps nanoseconds', () => {
    const f = path.join(tmp, 'ns.pcap');
    const w = openPcap(f, { nanos: true, linkType: LINKTYPE_RAW });
    w.write(5, 123456789, frame(20));
    w.close();
    const b = fs.readFileSync(f);
    expect(b.readUInt32LE(0)).toBe(PCAP_MAGIC_NS);
    expect(b.readUInt32LE(16)).toBe(262144);
    expect(b.readUInt32LE(20)).toBe(101);
    expect(b.readUInt32LE(28)).toBe(123456789);
  });

  it('cuts frames at snaplen: caplen = min(len, snaplen), origlen = wireLen ?? len', () => {
    const f = path.join(tmp, 'snap.pcap');
    const w = openPcap(f, { snaplen: 96 });
    w.write(1, 0, frame(1514));
    w.write(2, 0, frame(90), 200);
    w.write(3, 0, frame(96));
    w.close();
    const b = fs.readFileSync(f);
    let o = 24;
    const recs: number[][] = [];
    while (o < b.length) {
      const cap = b.readUInt32LE(o + 8);
      recs.push([cap, b.readUInt32LE(o + 12)]);
      if (recs.length === 1) expect(b.subarray(o + 16, o + 16 + cap).equals(frame(96))).toBe(true);
      o += 16 + cap;
    }
    expect(o).toBe(b.length);
    expect(recs).toEqual([[96, 1514], [90, 200], [96, 96]]);
    expect(w.stats.truncated).toBe(2);
  });

  it('streams frames larger than its buffer and flushes across many records', () => {
    const f = path.join(tmp, 'big.pcap');
    const w = openPcap(f, { bufferSize: 65536 });
    const big = frame(200000, 3);
    w.write(1, 0, frame(100));
    w.write(1, 1, big);
    for (let k = 0; k < 5000; k++) w.write(2, k, frame(60, k));
    w.close();
    const b = fs.readFileSync(f);
    expect(b.length).toBe(24 + 116 + 16 + 200000 + 5000 * 76);
    expect(b.subarray(24 + 116 + 16, 24 + 116 + 16 + 200000).equals(big)).toBe(true);
    const last = b.length - 76;
    expect(b.readUInt32LE(last + 4)).toBe(4);
    expect(b.subarray(last + 16).equals(frame(60, 4999))).toBe(true);
  });
});

describe('openPcapng', () => {
  it('rejects bad interfaces and interface indexes', () => {
    expect(() => openPcapng(path.join(tmp, 'x.pcapng'), { interfaces: [] })).toThrow(RangeError);
    const w = openPcapng(path.join(tmp, 'y.pcapng'));
    expect(() => w.write(0, 0, frame(10), undefined, 1)).toThrow(RangeError);
    w.close();
  });

  it('writes SHB, IDBs with if_tsresol, and EPBs with padded data', () => {
    const f = path.join(tmp, 'a.pcapng');
    const w = openPcapng(f, { interfaces: [{ name: 'eth0', nanos: true }, { snaplen: 64 }], userAppl: 'test' });
    w.write(1767225600, 123456789, frame(61), undefined, 0);
    w.write(1767225600, 123456789, frame(100), 1500, 1);
    w.close();
    const b = fs.readFileSync(f);
    const blocks = pcapngBlocks(b);
    expect(blocks.map((x) => x.type)).toEqual([PCAPNG_SHB, PCAPNG_IDB, PCAPNG_IDB, PCAPNG_EPB, PCAPNG_EPB]);
    // SHB
    expect(b.readUInt32LE(8)).toBe(PCAPNG_BYTE_ORDER_MAGIC);
    expect(b.readUInt16LE(12)).toBe(1);
    expect(b.readUInt16LE(14)).toBe(0);
    expect(b.readBigInt64LE(16)).toBe(-1n);
    // IDB 0: Ethernet, snaplen 262144, options if_name and if_tsresol=9
    const i0 = blocks[1].off;
    expect(b.readUInt16LE(i0 + 8)).toBe(1);
    expect(b.readUInt32LE(i0 + 12)).toBe(262144);
    const opts = b.subarray(i0 + 16, i0 + blocks[1].len - 4);
    expect(opts.readUInt16LE(0)).toBe(2); // if_name
    expect(opts.readUInt16LE(2)).toBe(4);
    expect(opts.subarray(4, 8).toString()).toBe('eth0');
    expect(opts.readUInt16LE(8)).toBe(9); // if_tsresol
    expect(opts.readUInt16LE(10)).toBe(1);
    expect(opts[12]).toBe(9);
    expect(opts.readUInt32LE(16)).toBe(0); // opt_endofopt
    // IDB 1: no options (microseconds by default)
    expect(blocks[2].len).toBe(20);
    expect(b.readUInt32LE(blocks[2].off + 12)).toBe(64);
    // EPB 0: ns timestamp split in two 32-bit words, 61 bytes padded to 64
    const e0 = blocks[3].off;
    expect(blocks[3].len).toBe(32 + 64);
    expect(b.readUInt32LE(e0 + 8)).toBe(0);
    const ts0 = (BigInt(b.readUInt32LE(e0 + 12)) << 32n) | BigInt(b.readUInt32LE(e0 + 16));
    expect(ts0).toBe(1767225600n * 1_000_000_000n + 123456789n);
    expect(b.readUInt32LE(e0 + 20)).toBe(61);
    expect(b.readUInt32LE(e0 + 24)).toBe(61);
    expect(b.subarray(e0 + 28, e0 + 28 + 61).equals(frame(61))).toBe(true);
    expect([...b.subarray(e0 + 28 + 61, e0 + 28 + 64)]).toEqual([0, 0, 0]);
    // EPB 1: us timestamp on interface 1, cut at its snaplen 64, original 1500
    const e1 = blocks[4].off;
    expect(b.readUInt32LE(e1 + 8)).toBe(1);
    const ts1 = (BigInt(b.readUInt32LE(e1 + 12)) << 32n) | BigInt(b.readUInt32LE(e1 + 16));
    expect(ts1).toBe(1767225600n * 1_000_000n + 123456n);
    expect(b.readUInt32LE(e1 + 20)).toBe(64);
    expect(b.readUInt32LE(e1 + 24)).toBe(1500);
    expect(w.stats).toMatchObject({ packets: 2, wireBytes: 1561, capBytes: 125, truncated: 1, lastNsec: 123456000 });
  });

  it('splits 64-bit timestamps exactly over the whole 32-bit seconds range', () => {
    const f = path.join(tmp, 'ts.pcapng');
    const secs = [0, 1, 65535, 65536, 1767225600, 4294967295];
    const w = openPcapng(f, { interfaces: [{ nanos: true }] });
    for (const s of secs) w.write(s, 999999999, frame(4));
    w.close();
    const b = fs.readFileSync(f);
    const epbs = pcapngBlocks(b).filter((x) => x.type === PCAPNG_EPB);
    epbs.forEach((x, k) => {
      const ts = (BigInt(b.readUInt32LE(x.off + 12)) << 32n) | BigInt(b.readUInt32LE(x.off + 16));
      expect(ts).toBe(BigInt(secs[k]) * 1_000_000_000n + 999999999n);
    });
  });
});

/** One's-complement check: the sum over a checksummed region (with its checksum) folds to 0xffff. */
function onesSum(parts: Uint8Array[]): number {
  let s = 0;
  for (const p of parts) {
    for (let i = 0; i < p.length; i += 2) s += (p[i] << 8) | (i + 1 < p.length ? p[i + 1] : 0);
  }
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 65536);
  return s;
}

describe('frame builders', () => {
  it('PayloadPool.sum equals a direct sum', () => {
    const pool = new PayloadPool(1 << 16, 7);
    const r = new Rng(1);
    for (let k = 0; k < 200; k++) {
      const off = r.int(60000) & ~1;
      const len = r.int(3000);
      expect(pool.sum(off, len)).toBe(sum16(pool.buf, off, len));
    }
  });

  it('IPv4/TCP: header and TCP checksums verify', () => {
    const s = new FrameSpec();
    s.l3 = L3_IPV4; s.proto = IPPROTO_TCP;
    s.src.set([10, 0, 0, 10]); s.dst.set([198, 51, 100, 10]);
    s.sport = 40000; s.dport = 443; s.seq = 0xdeadbeef; s.tcpFlags = TCP_SYN;
    tcpSynOptions(s, 1460, 1, 0, 7);
    s.payload = frame(33); s.payloadLen = 33;
    const b = Buffer.alloc(2000);
    const n = buildFrame(b, s);
    expect(n).toBe(14 + 20 + 40 + 33);
    expect(b.readUInt16BE(12)).toBe(0x0800);
    const ip = b.subarray(14, 34);
    expect(onesSum([ip])).toBe(0xffff);
    const seg = b.subarray(34, n);
    const pseudo = Buffer.from([10, 0, 0, 10, 198, 51, 100, 10, 0, 6, 0, seg.length]);
    expect(onesSum([pseudo, seg])).toBe(0xffff);
  });

  it('IPv6 + hop-by-hop + atomic fragment / UDP and VLAN QinQ: checksum and layout', () => {
    const s = new FrameSpec();
    s.l3 = L3_IPV6; s.proto = IPPROTO_UDP;
    s.src.set([0xfd, 0, ...new Array(13).fill(0), 0x10]); s.dst.set([0x20, 0x01, 0x0d, 0xb8, ...new Array(11).fill(0), 1]);
    s.vlanCount = 2; s.vlanTpid.set([0x88a8, 0x8100]); s.vlanTci.set([100, 10]);
    s.v6ext.set([IPPROTO_HOPOPTS, IPPROTO_FRAGMENT]); s.v6extCount = 2;
    s.sport = 5353; s.dport = 53; s.payload = frame(21); s.payloadLen = 21;
    const b = Buffer.alloc(2000);
    const n = buildFrame(b, s);
    expect(b.readUInt16BE(12)).toBe(0x88a8);
    expect(b.readUInt16BE(14)).toBe(100);
    expect(b.readUInt16BE(16)).toBe(0x8100);
    expect(b.readUInt16BE(20)).toBe(0x86dd);
    const ip = 22;
    expect(b[ip + 6]).toBe(IPPROTO_HOPOPTS);
    expect(b[ip + 40]).toBe(IPPROTO_FRAGMENT);
    expect(b[ip + 48]).toBe(IPPROTO_UDP);
    const udp = b.subarray(ip + 56, n);
    expect(udp.length).toBe(29);
    expect(b.readUInt16BE(ip + 4)).toBe(16 + 29);
    const pseudo = Buffer.concat([b.subarray(ip + 8, ip + 40), Buffer.from([0, 0, 0, 29, 0, 0, 0, 17])]);
    expect(onesSum([pseudo, udp])).toBe(0xffff);
  });

  it('ICMPv6 checksum covers the pseudo header; short Ethernet frames are padded to 60', () => {
    const s = new FrameSpec();
    s.l3 = L3_IPV6; s.proto = IPPROTO_ICMPV6; s.icmpType = 128; s.icmpRest = 0x00010001;
    s.src[15] = 1; s.dst[15] = 2;
    const b = Buffer.alloc(200);
    expect(buildFrame(b, s)).toBe(14 + 40 + 8);
    const pseudo = Buffer.concat([b.subarray(22, 54), Buffer.from([0, 0, 0, 8, 0, 0, 0, 58])]);
    expect(onesSum([pseudo, b.subarray(54, 62)])).toBe(0xffff);
    s.l3 = L3_IPV4; s.proto = IPPROTO_UDP; s.payloadLen = 0;
    expect(buildFrame(b, s)).toBe(60);
  });
});

describe('determinism', () => {
  const run = (name: string, seed: number): Buffer => {
    const f = path.join(tmp, name);
    writeBench({ out: f, packets: 20000, seed });
    return fs.readFileSync(f);
  };
  it('same seed gives identical bytes, another seed different bytes', () => {
    const a = run('d1.pcap', 1);
    const b = run('d2.pcap', 1);
    const c = run('d3.pcap', 2);
    expect(a.equals(b)).toBe(true);
    expect(a.equals(c)).toBe(false);
  });
  it('the flows and small modes are deterministic too', () => {
    for (const opts of [{ flows: 5000 }, { small: true }]) {
      const f1 = path.join(tmp, 'm1.pcap'), f2 = path.join(tmp, 'm2.pcap');
      writeBench({ out: f1, packets: 15000, seed: 3, ...opts });
      writeBench({ out: f2, packets: 15000, seed: 3, ...opts });
      expect(fs.readFileSync(f1).equals(fs.readFileSync(f2))).toBe(true);
    }
  });
  it('--small writes only 60-byte frames', () => {
    const f = path.join(tmp, 'small.pcap');
    const r = writeBench({ out: f, packets: 10000, seed: 5, small: true });
    expect(r.wireBytes).toBe(60 * 10000);
    expect(fs.statSync(f).size).toBe(24 + 76 * 10000);
  });
});

describe('committed fixtures', () => {
  it('expected.json and every fixture equal a fresh generation', () => {
    const dir = path.join(tmp, 'fixtures');
    const fresh = generateFixtures(dir, DEFAULT_SEED);
    const committed = JSON.parse(fs.readFileSync(path.join(fixturesDir, 'expected.json'), 'utf8'));
    expect(committed).toEqual(JSON.parse(JSON.stringify(fresh)));
    for (const name of Object.keys(fresh)) {
      const a = fs.readFileSync(path.join(fixturesDir, name));
      const b = fs.readFileSync(path.join(dir, name));
      expect(a.equals(b), `${name} differs from a fresh generation`).toBe(true);
    }
  });

  it('fixtures stay small and pcapng blocks are well formed', () => {
    const expected = JSON.parse(fs.readFileSync(path.join(fixturesDir, 'expected.json'), 'utf8'));
    let total = 0;
    for (const name of Object.keys(expected)) if (name !== 'demo.pcap') total += fs.statSync(path.join(fixturesDir, name)).size;
    expect(total).toBeLessThan(400 * 1024);
    expect(fs.statSync(path.join(fixturesDir, 'demo.pcap')).size).toBeLessThan(3 * 1024 * 1024);
    const ng = fs.readFileSync(path.join(fixturesDir, 'mixed.pcapng'));
    const epbs = pcapngBlocks(ng).filter((x) => x.type === PCAPNG_EPB);
    expect(epbs.length).toBe(expected['mixed.pcapng'].packets);
  });
});

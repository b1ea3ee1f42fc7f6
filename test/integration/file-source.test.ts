// File sources through the real addon and libpcap, checked against capinfos,
// tshark and tcpdump on the generated fixtures. (The corpus is checked by
// `npm run conformance`.)
import { mkdtempSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaptureError, CaptureSource, checkFilter, type Batch } from '../../lib/index.js';
import { fixture, fixturesDir } from '../support/paths.js';
import { readPcapRecords } from '../support/pcap-records.js';
import { replayFile } from '../support/replay.js';
import { capinfos, tcpdumpCount, tsharkTimestamps } from '../support/tools.js';

interface Expected {
  packets: number;
  wire_bytes: number;
  cap_bytes: number;
  first_ts: string;
  last_ts: string;
  link_type: number;
}
const expected = JSON.parse(readFileSync(join(fixturesDir, 'expected.json'), 'utf8')) as Record<string, Expected>;
const captureFiles = readdirSync(fixturesDir).filter((f) => /\.pcap(ng)?$/.test(f));

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'wirewatch-file-'));
});
afterAll(() => {
  // left for inspection on failure; the OS cleans tmp
});

/** Writes a classic pcap holding `copies` repetitions of `source`'s records. */
function repeatedCapture(source: string, copies: number, name: string): { path: string; packets: number } {
  const { records, bytes } = readPcapRecords(source);
  const body = Buffer.concat(records.map((r) => bytes.subarray(r.offset, r.dataOffset + r.capLen)));
  const path = join(tmp, name);
  writeFileSync(path, Buffer.concat([bytes.subarray(0, 24), ...Array(copies).fill(body)]));
  return { path, packets: records.length * copies };
}

describe('file source: hostile input', () => {
  it('a file cut mid-record delivers every complete packet, then truncated_file', async () => {
    const { records, bytes } = readPcapRecords(fixture('mixed.pcap'));
    for (const k of [0, 1, Math.floor(records.length / 2), records.length - 1]) {
      const r = records[k]!;
      for (const cut of [r.offset + 7, r.offset + 16 + Math.floor(r.capLen / 2)]) {
        const path = join(tmp, `cut-${k}-${cut}.pcap`);
        writeFileSync(path, bytes.subarray(0, cut));
        const totals = await replayFile(path);
        expect(totals.packets, `cut at byte ${cut}`).toBe(k);
        expect(totals.wireBytes).toBe(records.slice(0, k).reduce((s, x) => s + x.wireLen, 0));
        expect(totals.error).toBeInstanceOf(CaptureError);
        expect(totals.error!.kind).toBe('truncated_file');
        expect(totals.error!.message).toContain(`after ${k} packets`);
      }
    }
  });

  it('a corrupt header is bad_file, naming the file', () => {
    const path = join(tmp, 'garbage.pcap');
    writeFileSync(path, Buffer.from('this is not a capture file at all, not even close'));
    const error = captureError(() => CaptureSource.openFile({ file: path }));
    expect(error.kind).toBe('bad_file');
    expect(error.message).toContain(path);
  });

  it('an empty file, a header cut short and a directory are bad input', () => {
    const empty = join(tmp, 'empty.pcap');
    writeFileSync(empty, Buffer.alloc(0));
    expect(captureError(() => CaptureSource.openFile({ file: empty })).kind).toBe('bad_file');
    const short = join(tmp, 'short.pcap');
    writeFileSync(short, readFileSync(fixture('mixed.pcap')).subarray(0, 10));
    expect(['truncated_file', 'bad_file']).toContain(captureError(() => CaptureSource.openFile({ file: short })).kind);
    const dir = join(tmp, 'a-directory.pcap');
    mkdirSync(dir, { recursive: true });
    expect(captureError(() => CaptureSource.openFile({ file: dir })).kind).toBe('bad_file');
  });

  it('a missing file is file_not_found', () => {
    const error = captureError(() => CaptureSource.openFile({ file: join(tmp, 'nope.pcap') }));
    expect(error.kind).toBe('file_not_found');
    expect(error.message).toContain('nope.pcap');
  });

  it('an invalid BPF expression is bad_filter with libpcap\'s reason and the expression', () => {
    const error = captureError(() => CaptureSource.openFile({ file: fixture('mixed.pcap'), filter: 'tcp and and port' }));
    expect(error.kind).toBe('bad_filter');
    expect(error.message).toContain('tcp and and port');
    expect(error.message).toMatch(/syntax error/);
    expect(captureError(() => checkFilter('port 99999999')).kind).toBe('bad_filter');
    expect(() => checkFilter('udp port 53')).not.toThrow();
  });

  it('caller mistakes are TypeError/RangeError naming the option', () => {
    expect(() => CaptureSource.openFile({ file: '' })).toThrow(/file: expected a non-empty string/);
    expect(() => CaptureSource.openFile({ file: fixture('mixed.pcap'), batchRows: 0 })).toThrow(RangeError);
    expect(() => CaptureSource.openFile({ file: fixture('mixed.pcap'), speed: -1 })).toThrow(/speed/);
    expect(() => CaptureSource.openLive({ interface: 'lo', snaplen: 10 })).toThrow(/snaplen: expected an integer 64\.\.262144, got 10/);
  });
});

describe('file source: fidelity', () => {
  it.each(captureFiles)('%s: count, wire bytes and every timestamp match capinfos, tshark and the generator', async (name) => {
    const path = fixture(name);
    const totals = await replayFile(path);
    expect(totals.error).toBeNull();
    const reference = capinfos(path);
    expect(totals.packets).toBe(reference.packets);
    expect(totals.wireBytes).toBe(reference.wireBytes);
    const want = expected[name];
    if (want) {
      expect(totals.packets).toBe(want.packets);
      expect(totals.wireBytes).toBe(want.wire_bytes);
      expect(totals.capBytes).toBe(want.cap_bytes);
    }
    expect(totals.timestamps).toEqual(tsharkTimestamps(path));
  });

  it('delivers each packet\'s bytes, cut at copyBytes, and the link type', async () => {
    const { records, bytes, linkType } = readPcapRecords(fixture('mixed.pcap'));
    const source = CaptureSource.openFile({ file: fixture('mixed.pcap'), copyBytes: 40, batchRows: 16 });
    expect(source.linkType).toBe(linkType);
    let i = 0;
    source.on('batch', (batch) => {
      expect(batch.rows).toBeLessThanOrEqual(16);
      for (let row = 0; row < batch.rows; row++, i++) {
        const r = records[i]!;
        const want = bytes.subarray(r.dataOffset, r.dataOffset + Math.min(40, r.capLen));
        expect(Buffer.from(batch.packetBytes(row)).equals(want), `packet ${i}`).toBe(true);
        expect(batch.capLen[row]).toBe(r.capLen);
        expect(batch.linkType[row]).toBe(linkType);
      }
    });
    await source.start().ended();
    expect(i).toBe(records.length);
  });

  it('a BPF filter delivers exactly what tcpdump accepts', async () => {
    for (const filter of ['tcp', 'udp port 53', 'icmp or icmp6', 'vlan', 'ip6']) {
      const totals = await replayFile(fixture('mixed.pcap'), { filter });
      expect(totals.packets, filter).toBe(tcpdumpCount(fixture('mixed.pcap'), filter));
    }
  });

  it('setFilter before start applies to the whole read', async () => {
    const source = CaptureSource.openFile({ file: fixture('mixed.pcap') });
    source.setFilter('udp');
    let packets = 0;
    source.on('batch', (b) => (packets += b.rows));
    await source.start().ended();
    expect(packets).toBe(tcpdumpCount(fixture('mixed.pcap'), 'udp'));
    expect(() => source.setFilter('udp')).toThrow(CaptureError);
  });
});

describe('file source: pacing, looping, iteration', () => {
  it('paces at real time × speed', async () => {
    const { records } = readPcapRecords(fixture('mixed.pcap'));
    const first = records[0]!;
    const last = records[records.length - 1]!;
    const scale = readPcapRecords(fixture('mixed.pcap')).nanos ? 1e9 : 1e6;
    const duration = last.tsSec - first.tsSec + (last.tsFrac - first.tsFrac) / scale;
    const speed = duration / 0.6; // should take about 0.6 s
    const started = performance.now();
    const totals = await replayFile(fixture('mixed.pcap'), { speed });
    const elapsed = (performance.now() - started) / 1000;
    expect(totals.packets).toBe(records.length);
    expect(elapsed).toBeGreaterThan(0.5);
    expect(elapsed).toBeLessThan(3);
  });

  it('loops with increasing timestamps until stopped', async () => {
    const { records } = readPcapRecords(fixture('mixed.pcap'));
    const source = CaptureSource.openFile({ file: fixture('mixed.pcap'), loop: true });
    let packets = 0;
    let previous = -Infinity;
    let ordered = true;
    source.on('batch', (b) => {
      for (let i = 0; i < b.rows; i++) {
        const t = b.tsSec[i]! + b.tsNsec[i]! / 1e9;
        if (t < previous) ordered = false;
        previous = t;
      }
      packets += b.rows;
      if (packets > records.length * 3) void source.stop();
    });
    source.start();
    await source.ended();
    expect(source.error).toBeNull();
    expect(packets).toBeGreaterThan(records.length * 3);
    expect(source.stats().loops).toBeGreaterThanOrEqual(3);
    expect(ordered).toBe(true);
  });

  it('async iteration sees every packet', async () => {
    const source = CaptureSource.openFile({ file: fixture('mixed.pcap'), batchRows: 32, poolSize: 2 });
    let packets = 0;
    for await (const batch of source) {
      packets += batch.rows;
      await new Promise((r) => setImmediate(r)); // a slow consumer: the file waits, nothing is lost
    }
    expect(packets).toBe(readPcapRecords(fixture('mixed.pcap')).records.length);
    expect(source.stats().ringDrops).toBe(0);
  });

  it('a retained batch keeps its contents while later batches flow through the rest of the pool', async () => {
    const source = CaptureSource.openFile({ file: fixture('mixed.pcap'), batchRows: 8, poolSize: 3 });
    let kept: Batch | undefined;
    let snapshot: number[] = [];
    let later = 0;
    source.on('batch', (batch) => {
      if (!kept) {
        kept = batch;
        source.retain(batch);
        snapshot = Array.from(batch.wireLen.subarray(0, batch.rows));
      } else {
        expect(batch.slot).not.toBe(kept.slot);
        later++;
      }
    });
    await source.start().ended();
    expect(later).toBeGreaterThan(3);
    expect(Array.from(kept!.wireLen.subarray(0, kept!.rows))).toEqual(snapshot);
    source.release(kept!);
  });
  it('a slow listener does not hold the event loop: batches wait for later turns, in order, and end comes last', async () => {
    const { records } = readPcapRecords(fixture('mixed.pcap'));
    const source = CaptureSource.openFile({ file: fixture('mixed.pcap'), batchRows: 8 });
    let turn = 0; // advances once per event-loop turn
    const spin = () => {
      turn++;
      if (source.state !== 'ended') setImmediate(spin);
    };
    setImmediate(spin);
    const turnsSeen = new Set<number>();
    const order: string[] = [];
    let ended = false;
    let batches = 0;
    source.on('batch', (batch) => {
      expect(ended).toBe(false);
      batches++;
      turnsSeen.add(turn);
      for (let row = 0; row < batch.rows; row++) order.push(`${batch.tsSec[row]} ${batch.capLen[row]} ${batch.wireLen[row]}`);
      const until = performance.now() + 3; // a listener that takes 3 ms per batch
      while (performance.now() < until);
    });
    source.on('end', () => (ended = true));
    await source.start().ended();
    expect(order).toHaveLength(records.length);
    expect(order).toEqual(records.map((r) => `${r.tsSec} ${r.capLen} ${r.wireLen}`));
    // ~10 ms of batches per turn: at 3 ms each, no turn takes more than 4.
    expect(turnsSeen.size).toBeGreaterThanOrEqual(Math.ceil(batches / 4));
  });
});

describe('file source: lifecycle', () => {
  it('stop() during a fast replay returns promptly, delivers the partial batch and leaks no thread', async () => {
    const big = repeatedCapture(fixture('mixed.pcap'), 400, 'big.pcap');
    const threadsBefore = readdirSync('/proc/self/task').length;
    for (let run = 0; run < 40; run++) {
      const source = CaptureSource.openFile({ file: big.path });
      let packets = 0;
      let ends = 0;
      source.on('end', () => ends++);
      source.on('batch', (b) => {
        packets += b.rows;
      });
      source.start();
      await new Promise((r) => setTimeout(r, run % 4)); // stop at different moments
      const t0 = performance.now();
      await source.stop();
      expect(performance.now() - t0).toBeLessThan(500);
      await source.stop(); // idempotent
      expect(ends).toBe(1);
      expect(source.state).toBe('ended');
      // Every packet the thread accepted was delivered: nothing stuck in a buffer.
      expect(packets).toBe(source.stats().packets);
      expect(packets).toBeLessThanOrEqual(big.packets);
    }
    expect(readdirSync('/proc/self/task').length).toBeLessThanOrEqual(threadsBefore);
  });

  it('ended sources give their file descriptors back at once (no GC needed)', async () => {
    const fds = () => readdirSync('/proc/self/fd').length;
    const before = fds();
    for (let i = 0; i < 200; i++) {
      const source = CaptureSource.openFile({ file: fixture('mixed.pcap') });
      if (i % 2) await source.start().ended();
      else await source.stop(); // never started
    }
    expect(fds()).toBeLessThanOrEqual(before + 2);
  });

  it('start() twice is already_running; stop() before start() ends cleanly', async () => {
    const source = CaptureSource.openFile({ file: fixture('mixed.pcap') });
    source.start();
    expect(captureError(() => source.start()).kind).toBe('already_running');
    await source.stop();
    const idle = CaptureSource.openFile({ file: fixture('mixed.pcap') });
    await idle.stop();
    expect(idle.state).toBe('ended');
  });

  it('several sources run at once, each tagging rows with its own id', async () => {
    const sources = [1, 2, 3].map((id) => CaptureSource.openFile({ file: fixture('mixed.pcap'), id }));
    const seen = sources.map(() => new Set<number>());
    sources.forEach((s, i) =>
      s.on('batch', (b) => {
        for (let r = 0; r < b.rows; r++) seen[i]!.add(b.sourceId[r]!);
      }),
    );
    await Promise.all(sources.map((s) => s.start().ended()));
    expect(seen.map((s) => [...s])).toEqual([[1], [2], [3]]);
    const counts = sources.map((s) => s.stats().packets);
    expect(new Set(counts).size).toBe(1);
  });
});

function captureError(fn: () => unknown): CaptureError {
  try {
    fn();
  } catch (error) {
    if (error instanceof CaptureError) return error;
    throw error;
  }
  throw new Error('expected a CaptureError');
}

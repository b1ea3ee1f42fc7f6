// Live capture on the loopback interface with real libpcap. Needs root (CI runs
// as root); traffic goes only to 127.0.0.1 and is bounded.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CaptureError, CaptureSource, listInterfaces } from '../../lib/index.js';
import { runChild } from '../support/child.js';
import { hasCommand, isRoot, repoRoot } from '../support/paths.js';
import { sendUdp, sleep, udpReceiver } from '../support/udp.js';

const children = join(repoRoot, 'test/live/children');

describe('interfaces', () => {
  it('lists lo as an up, running loopback with 127.0.0.1', () => {
    const lo = listInterfaces().find((i) => i.name === 'lo');
    expect(lo).toBeDefined();
    expect(lo!.loopback).toBe(true);
    expect(lo!.up).toBe(true);
    expect(lo!.addresses.some((a) => a.family === 'ipv4' && a.address === '127.0.0.1')).toBe(true);
  });

  it('an unknown interface is no_such_device, naming the interfaces that exist', () => {
    let error: unknown;
    try {
      CaptureSource.openLive({ interface: 'nosuchif0' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CaptureError);
    expect((error as CaptureError).kind).toBe('no_such_device');
    expect((error as CaptureError).message).toMatch(/nosuchif0.*interfaces here: .*\blo\b/);
  });
});

describe.skipIf(!isRoot)('live capture on lo (root)', () => {
  it('captures every UDP datagram sent to 127.0.0.1 with the right lengths and increasing timestamps', async () => {
    const receiver = await udpReceiver();
    const source = CaptureSource.openLive({ interface: 'lo', filter: `udp and dst port ${receiver.port}`, timeoutMs: 10 });
    const lengths: number[] = [];
    const times: bigint[] = [];
    const ports = new Set<number>();
    source.on('batch', (b) => {
      for (let i = 0; i < b.rows; i++) {
        lengths.push(b.wireLen[i]!);
        expect(b.capLen[i]).toBe(Math.min(b.wireLen[i]!, source.snaplen));
        times.push(b.timestampNs(i));
        ports.add(b.dstPort[i]!);
      }
    });
    source.start();
    const sizes = Array.from({ length: 300 }, (_, i) => 1 + ((i * 37) % 1400));
    await sendUdp(receiver.port, sizes);
    for (let i = 0; i < 200 && lengths.length < sizes.length; i++) await sleep(20);
    await source.stop();
    receiver.close();

    // lo frames carry a 14-byte Ethernet header, then IPv4 (20) and UDP (8).
    expect(lengths).toEqual(sizes.map((s) => 14 + 20 + 8 + s));
    for (let i = 1; i < times.length; i++) expect(times[i]! >= times[i - 1]!).toBe(true);
    const now = BigInt(Date.now()) * 1_000_000n;
    expect(now - times[0]!).toBeLessThan(60_000_000_000n);
    expect([...ports]).toEqual([receiver.port]);
    const stats = source.stats();
    expect(stats.packets).toBe(sizes.length);
    expect(stats.kernelDrops).toBe(0);
    expect(stats.ringDrops).toBe(0);
  });

  it('setFilter on a running source excludes what the new filter rejects', async () => {
    const a = await udpReceiver();
    const b = await udpReceiver();
    const source = CaptureSource.openLive({ interface: 'lo', filter: `udp and dst port ${a.port}`, timeoutMs: 10 });
    const perPort = new Map<number, number>();
    source.on('batch', (batch) => {
      for (let i = 0; i < batch.rows; i++) perPort.set(batch.dstPort[i]!, (perPort.get(batch.dstPort[i]!) ?? 0) + 1);
    });
    source.start();
    await sendUdp(a.port, Array(50).fill(10));
    for (let i = 0; i < 100 && (perPort.get(a.port) ?? 0) < 50; i++) await sleep(20);
    source.setFilter(`udp and dst port ${b.port}`);
    await sleep(200); // the capture thread installs it within one read timeout
    await sendUdp(a.port, Array(50).fill(10));
    await sendUdp(b.port, Array(30).fill(10));
    for (let i = 0; i < 100 && (perPort.get(b.port) ?? 0) < 30; i++) await sleep(20);
    await source.stop();
    a.close();
    b.close();
    expect(perPort.get(a.port)).toBe(50);
    expect(perPort.get(b.port)).toBe(30);
  });

  it('drops privileges after opening: ids are nobody\'s everywhere, root cannot come back, capture goes on', () => {
    for (const mode of ['start-after-drop', 'start-before-drop']) {
      const { result, stderr } = runChild(join(children, 'drop-privileges.ts'), [mode]);
      expect(result, stderr).toBeDefined();
      expect(result.dropped).toEqual({ uid: 65534, gid: 65534 });
      expect(result.uid).toEqual([65534, 65534, 65534, 65534]); // real, effective, saved, filesystem
      expect(result.gid).toEqual([65534, 65534, 65534, 65534]);
      for (const uids of result.threadUids) expect(uids).toEqual([65534, 65534, 65534, 65534]);
      expect(result.groups).toBe('65534');
      expect(result.capEff).toBe('0000000000000000');
      expect(result.capPrm).toBe('0000000000000000');
      expect(result.noNewPrivs).toBe('1');
      expect(result.regained).toBe(false);
      expect(result.regainedGid).toBe(false);
      expect(result.captured, mode).toBe(20);
    }
  });

  it.skipIf(!hasCommand('setpriv'))('an unprivileged user gets permission_denied with advice', () => {
    const { result, stderr } = runChild(join(children, 'open-live.ts'), ['lo'], [
      'setpriv',
      '--reuid=65534',
      '--regid=65534',
      '--clear-groups',
      '--inh-caps=-all',
    ]);
    expect(result, stderr).toBeDefined();
    expect(result.ok).toBe(false);
    expect(result.isCaptureError).toBe(true);
    expect(result.kind).toBe('permission_denied');
    expect(result.message).toMatch(/run as root.*CAP_NET_RAW.*capture file/);
  });
});


// LayerCounts over the generated fixtures equals what the generator built
// (fixtures/expected.json: packets, wire_bytes, layers), plus the accumulator's
// own contract (errors by kind, reset, toJSON key names).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CaptureSource,
  ERROR_LAYER,
  FRAG,
  L3,
  LAYER,
  LayerCounts,
  countedLayers,
  type LayerCountsJSON,
} from '../../lib/index.js';
import { fixture, fixturesDir } from '../support/paths.js';

interface Expected {
  packets: number;
  wire_bytes: number;
  layers: LayerCountsJSON['layers'];
  extra: { truncated: number };
}
const expected = JSON.parse(readFileSync(join(fixturesDir, 'expected.json'), 'utf8')) as Record<string, Expected>;
const captureFiles = readdirSync(fixturesDir).filter((f) => /\.pcap(ng)?$/.test(f));

async function count(file: string, counts = new LayerCounts()): Promise<LayerCounts> {
  const source = CaptureSource.openFile({ file });
  source.on('batch', (batch) => counts.add(batch));
  source.start();
  await source.ended();
  expect(source.error).toBeNull();
  return counts;
}

describe('LayerCounts on fixtures', () => {
  it('every capture in fixtures/ is described in expected.json', () => {
    expect(captureFiles.sort()).toEqual(Object.keys(expected).sort());
  });

  for (const name of captureFiles) {
    it(`${name}: packets, bytes and layers equal expected.json`, async () => {
      const exp = expected[name]!;
      const got = (await count(fixture(name))).toJSON();
      expect({ packets: got.packets, bytes: got.bytes, layers: got.layers }).toEqual({
        packets: exp.packets,
        bytes: exp.wire_bytes,
        layers: exp.layers,
      });
      // the generator builds valid frames; snaplen cuts are the only errors
      expect(got.errors.malformed).toBe(0);
      expect(got.errors.unsupported_link).toBe(0);
    });
  }

  it('snaplen-96.pcap: headers cut by the snaplen still count (as tshark counts them), and are truncated errors', async () => {
    const counts = new LayerCounts();
    let tcpBits = 0;
    const source = CaptureSource.openFile({ file: fixture('snaplen-96.pcap') });
    source.on('batch', (batch) => {
      counts.add(batch);
      for (let i = 0; i < batch.rows; i++) if (batch.layers[i]! & LAYER.tcp) tcpBits++;
    });
    source.start();
    await source.ended();
    const got = counts.toJSON();
    // 9 TCP segments behind a 56-byte IPv6 extension chain keep 2 of their 20
    // header bytes: no LAYER.tcp bit, but the frame carries TCP
    expect(got.layers.tcp - tcpBits).toBe(9);
    expect(got.errors.truncated).toBeGreaterThanOrEqual(9);
    expect(got.errors.truncated).toBeLessThanOrEqual(expected['snaplen-96.pcap']!.extra.truncated);
  });
});

describe('LayerCounts', () => {
  it('toJSON has exactly the DESIGN §7 key names', () => {
    const j = new LayerCounts().toJSON();
    expect(Object.keys(j)).toEqual(['packets', 'bytes', 'layers', 'errors']);
    expect(Object.keys(j.layers)).toEqual([
      'ethernet', 'vlan', 'arp', 'ipv4', 'ipv6', 'tcp', 'udp', 'icmp', 'icmpv6', 'other',
    ]);
    expect(Object.keys(j.errors)).toEqual(['truncated', 'malformed', 'unsupported_link']);
    expect(JSON.parse(JSON.stringify(new LayerCounts()))).toEqual(j);
  });

  it('countedLayers: what the headers announce', () => {
    const none = ERROR_LAYER.none;
    // TCP/IPv4/Ethernet, all decoded
    const full = LAYER.ethernet | LAYER.ipv4 | LAYER.tcp;
    expect(countedLayers(full, L3.ipv4, 6, 0, none)).toBe(full);
    // IPv4 header cut: counts as ipv4, no L4 (the protocol is unknown)
    expect(countedLayers(LAYER.ethernet, L3.ipv4, 0, 0, ERROR_LAYER.ipv4)).toBe(LAYER.ethernet | LAYER.ipv4);
    // UDP header cut behind a decoded IPv6 header
    expect(countedLayers(LAYER.ethernet | LAYER.ipv6, L3.ipv6, 17, 0, ERROR_LAYER.udp)).toBe(
      LAYER.ethernet | LAYER.ipv6 | LAYER.udp,
    );
    // first fragment counts its L4, a non-first fragment does not
    expect(countedLayers(LAYER.ipv4 | LAYER.udp, L3.ipv4, 17, FRAG.fragment | FRAG.first | FRAG.more, none)).toBe(
      LAYER.ipv4 | LAYER.udp,
    );
    expect(countedLayers(LAYER.ipv4, L3.ipv4, 17, FRAG.fragment | FRAG.more, none)).toBe(LAYER.ipv4);
    // ICMP by protocol number, whatever the IP version; other protocols no L4
    expect(countedLayers(LAYER.ipv6, L3.ipv6, 1, 0, none)).toBe(LAYER.ipv6 | LAYER.icmp);
    expect(countedLayers(LAYER.ipv4, L3.ipv4, 50, 0, none)).toBe(LAYER.ipv4);
    // a VLAN tag announced but cut still counts as vlan
    expect(countedLayers(LAYER.ethernet, L3.none, 0, 0, ERROR_LAYER.vlan)).toBe(LAYER.ethernet | LAYER.vlan);
    // ARP, and non-IP
    expect(countedLayers(LAYER.ethernet | LAYER.arp, L3.arp, 0, 0, none)).toBe(LAYER.ethernet | LAYER.arp);
    expect(countedLayers(LAYER.sll | LAYER.llc, L3.none, 0, 0, none)).toBe(0);
  });

  it('accumulates across files and resets to zero', async () => {
    const counts = new LayerCounts();
    await count(fixture('raw.pcap'), counts);
    await count(fixture('null.pcap'), counts);
    const raw = expected['raw.pcap']!;
    const nul = expected['null.pcap']!;
    expect(counts.packets).toBe(raw.packets + nul.packets);
    expect(counts.bytes).toBe(raw.wire_bytes + nul.wire_bytes);
    expect(counts.tcp).toBe(raw.layers.tcp + nul.layers.tcp);
    counts.reset();
    expect(counts.toJSON()).toEqual(new LayerCounts().toJSON());
  });
});

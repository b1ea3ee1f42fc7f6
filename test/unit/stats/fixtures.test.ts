// Windows over a real capture: fixtures/mixed.pcap replayed through the addon.
// The closed seconds' rows must add up to what the batches hold, counted here
// with the replay summary's own classification (countedLayers), and to the
// generator's totals in fixtures/expected.json.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CaptureSource } from '../../../lib/capture/index.js';
import { countedLayers } from '../../../lib/capture/layer-counts.js';
import { LAYER } from '../../../lib/capture/layout.js';
import { CLASS_NAMES, Windows, type ClassName, type SampleRow } from '../../../lib/stats/index.js';
import { fixture, fixturesDir } from '../../support/paths.js';

interface Expected {
  packets: number;
  wire_bytes: number;
  layers: { ipv4: number; ipv6: number; tcp: number; udp: number; icmp: number; icmpv6: number };
}
const expected = JSON.parse(readFileSync(join(fixturesDir, 'expected.json'), 'utf8')) as Record<string, Expected>;

const zero = () => Object.fromEntries(CLASS_NAMES.map((c) => [c, { packets: 0, bytes: 0 }])) as Record<ClassName, { packets: number; bytes: number }>;

describe('Windows on fixtures/mixed.pcap', () => {
  it('the onSecond rows sum to the batches per class, and to expected.json packets and wire_bytes', async () => {
    const rows: SampleRow[] = [];
    const emitted: number[] = [];
    const windows = new Windows({ onSecond: (r, second) => (rows.push(...r), emitted.push(second)) });
    const direct = zero();
    let last = 0;
    const source = CaptureSource.openFile({ file: fixture('mixed.pcap') });
    source.on('batch', (batch) => {
      windows.ingest(batch);
      for (let i = 0; i < batch.rows; i++) {
        const b = countedLayers(batch.layers[i]!, batch.l3[i]!, batch.ipProto[i]!, batch.frag[i]!, batch.errorLayer[i]!);
        const wire = batch.wireLen[i]!;
        const classes: ClassName[] = [b & LAYER.tcp ? 'tcp' : b & LAYER.udp ? 'udp' : b & (LAYER.icmp | LAYER.icmpv6) ? 'icmp' : 'other'];
        if (b & LAYER.ipv4) classes.push('ipv4');
        if (b & LAYER.ipv6) classes.push('ipv6');
        for (const c of classes) {
          direct[c].packets++;
          direct[c].bytes += wire;
        }
        last = Math.max(last, batch.tsSec[i]!);
      }
    });
    source.start();
    await source.ended();
    expect(source.error).toBeNull();
    windows.advance(last + 1); // close the last second

    const summed = zero();
    for (const r of rows) {
      summed[r.cls].packets += r.packets;
      summed[r.cls].bytes += r.bytes;
    }
    expect(summed).toEqual(direct);
    const want = expected['mixed.pcap']!;
    const total = { packets: 0, bytes: 0 };
    for (const c of ['tcp', 'udp', 'icmp', 'other'] as const) {
      total.packets += summed[c].packets;
      total.bytes += summed[c].bytes;
    }
    expect(total).toEqual({ packets: want.packets, bytes: want.wire_bytes });
    expect(summed.ipv4.packets).toBe(want.layers.ipv4);
    expect(summed.ipv6.packets).toBe(want.layers.ipv6);
    expect(summed.tcp.packets).toBe(want.layers.tcp);
    expect(summed.udp.packets).toBe(want.layers.udp);
    expect(summed.icmp.packets).toBe(want.layers.icmp + want.layers.icmpv6);
    // one call per second of the capture (it has no gap as long as the 60 s window)
    expect(emitted).toEqual(Array.from({ length: emitted.length }, (_, k) => emitted[0]! + k));
    expect(emitted.at(-1)).toBe(last);

    // and the 60 s window, which covers the whole capture, holds the same totals
    const w60 = windows.snapshot().windows.find((w) => w.window === 60)!;
    expect({ packets: w60.packets, bytes: w60.bytes }).toEqual(total);
    for (const c of CLASS_NAMES) expect({ packets: w60.classes[c].packets, bytes: w60.classes[c].bytes }).toEqual(summed[c]);
    expect(w60.top_hosts.length).toBeGreaterThan(0);
    for (const h of [...w60.top_hosts, ...w60.top_flows]) expect(h.error).toBe(0);
  });
});

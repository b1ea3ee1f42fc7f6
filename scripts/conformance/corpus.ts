// The captures to check and what libpcap and the generator say about them:
// ../shared/corpus/INDEX.tsv (libpcap 1.10.3's reading of each corpus file) and
// fixtures/expected.json (what the generator built).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Capture {
  /** Name in reports and in differences.ts: "tcpdump/x.pcap" or "fixtures/x.pcap". */
  name: string;
  path: string;
  /** libpcap's packet count and wire-byte total. */
  packets: number;
  wireBytes: number;
  /** 'ok', or libpcap's open/read error. */
  libpcap: string;
  /** INDEX.tsv notes ('' for fixtures). */
  notes: string;
  /** Whether Wireshark (capinfos, tshark) reads the file at all (INDEX.tsv ws_packets not empty). */
  wiresharkReads: boolean;
}

export function corpusCaptures(corpusDir: string): Capture[] {
  const lines = readFileSync(join(corpusDir, 'INDEX.tsv'), 'utf8').split('\n').filter((l) => l.length > 0);
  const header = lines[0]!.split('\t');
  const col = (name: string): number => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`INDEX.tsv: no column ${name}`);
    return i;
  };
  const [file, packets, wire, libpcap, notes, ws] = ['file', 'packets', 'wire_bytes', 'libpcap', 'notes', 'ws_packets'].map(col) as [number, number, number, number, number, number];
  return lines.slice(1).map((line) => {
    const f = line.split('\t');
    return {
      name: f[file]!,
      path: join(corpusDir, f[file]!),
      packets: Number(f[packets]),
      wireBytes: Number(f[wire]),
      libpcap: f[libpcap] ?? '',
      notes: f[notes] ?? '',
      wiresharkReads: (f[ws] ?? '') !== '',
    };
  });
}

export function fixtureCaptures(fixturesDir: string): Capture[] {
  const expectedPath = join(fixturesDir, 'expected.json');
  if (!existsSync(expectedPath)) return [];
  const expected = JSON.parse(readFileSync(expectedPath, 'utf8')) as Record<string, { packets: number; wire_bytes: number }>;
  return readdirSync(fixturesDir)
    .filter((f) => /\.pcap(ng)?$/.test(f))
    .sort()
    .map((f) => {
      const exp = expected[f];
      if (!exp) throw new Error(`fixtures/${f} is not in fixtures/expected.json`);
      return { name: `fixtures/${f}`, path: join(fixturesDir, f), packets: exp.packets, wireBytes: exp.wire_bytes, libpcap: 'ok', notes: '', wiresharkReads: true };
    });
}

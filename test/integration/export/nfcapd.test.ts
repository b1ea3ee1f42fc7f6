// Interoperability with a real collector: Debian's nfdump 1.7.1. nfcapd listens
// on loopback, wirewatch exports the flows of replayed fixtures (IPv4 and IPv6)
// plus hand-made edge records, nfcapd is stopped (SIGTERM flushes its file) and
// `nfdump -r FILE -o json` must show the same flows: endpoints, protocol,
// packets and bytes in both directions (nfdump files RFC 5103 reverse counters
// as out_packets/out_bytes of the same record), VLAN, interface, times in ms,
// TCP flags.
//
// nfcapd 1.7.1 receives over UDP only (no TCP or SCTP listener: checked below),
// so IPFIX over TCP is tested against a real TCP receiver whose byte stream is
// decoded by our own reader and by tshark.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIpfixExporter } from '../../../lib/export/index.js';
import type { FlowRecord } from '../../../lib/flows/index.js';
import { hasCommand } from '../../support/paths.js';
import { fixtureFlows, tcpCollector, until } from '../../unit/export/helpers.js';
import { IpfixSession, splitStream } from '../../unit/export/ipfix-decode.js';
import { edgeRecords, sortedKeys, startNfcapdOnFreePort, viewOfDecoded, viewOfNfdump, viewOfRecord, viewsOfTshark } from './flow-view.js';
import { writeTcpPcap } from './ipfix-pcap.js';

const haveNfdump = hasCommand('nfcapd') && hasCommand('nfdump');
const dir = mkdtempSync(join(tmpdir(), 'wirewatch-nfcapd-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let records: FlowRecord[] = [];
beforeAll(async () => {
  records = [...(await fixtureFlows('mixed.pcap')), ...(await fixtureFlows('demo.pcap')), ...edgeRecords()];
});

/** Every record nfdump finds in the files nfcapd wrote to `flowDir`. */
function nfdumpRecords(flowDir: string): Record<string, unknown>[] {
  const files = readdirSync(flowDir).filter((f) => /^nfcapd\.\d{12}$/.test(f));
  expect(files.length).toBeGreaterThan(0);
  return files.flatMap((f) => {
    const text = execFileSync('nfdump', ['-r', join(flowDir, f), '-o', 'json'], { encoding: 'utf8', env: { ...process.env, TZ: 'UTC' }, maxBuffer: 64 << 20 });
    return JSON.parse(text) as Record<string, unknown>[];
  });
}

describe.skipIf(!haveNfdump)('nfcapd 1.7.1 collects what wirewatch exports over UDP', () => {
  for (const family of [4, 6] as const) {
    it(`fixtures + edge records, collector on ${family === 4 ? '127.0.0.1' : '[::1]'}`, async () => {
      expect(records.filter((r) => r.src_ip.includes(':')).length).toBeGreaterThan(20); // IPv6 flows are in the mix
      const flowDir = mkdtempSync(join(dir, 'flows-'));
      const { nfcapd, port } = await startNfcapdOnFreePort(flowDir, family);
      let output: string;
      try {
        const exporter = createIpfixExporter({ collector: family === 4 ? `127.0.0.1:${port}` : `[::1]:${port}`, observation_domain_id: 3 });
        // paced: nfcapd's default socket buffer is the only queue on its side
        for (let i = 0; i < records.length; i += 200) {
          for (const r of records.slice(i, i + 200)) exporter.write(r);
          await exporter.drained();
          await new Promise((r) => setTimeout(r, 20));
        }
        await exporter.close();
        expect(exporter.stats()).toMatchObject({ sent: records.length, dropped: 0, invalid: 0, errors: 0 });
        await new Promise((r) => setTimeout(r, 300)); // let nfcapd read its socket before the signal
      } finally {
        output = await nfcapd.stop();
      }
      expect(output).toMatch(new RegExp(`Flows: ${records.length},.*Sequence Errors: 0, Bad Packets: 0`));
      const got = nfdumpRecords(flowDir);
      expect(got).toHaveLength(records.length);
      expect(got.every((j) => j.type === 'FLOW')).toBe(true);
      expect(sortedKeys(got.map(viewOfNfdump))).toEqual(sortedKeys(records.map((r) => viewOfRecord(r, false))));
    });
  }

  it('nfcapd 1.7.1 has no TCP listener (so TCP export is checked against our receiver + tshark below)', async () => {
    const flowDir = mkdtempSync(join(dir, 'flows-'));
    const { nfcapd, port } = await startNfcapdOnFreePort(flowDir, 4);
    try {
      // Read nfcapd's own sockets (a connect() test would race with other tests' listeners on the same port number).
      const pid = nfcapd.child.pid!;
      const inodes = new Set(
        readdirSync(`/proc/${pid}/fd`)
          .map((fd) => /^socket:\[(\d+)\]$/.exec(readlinkSafe(`/proc/${pid}/fd/${fd}`))?.[1])
          .filter((x): x is string => x !== undefined),
      );
      const owned = (table: string) =>
        readFileSync(table, 'utf8')
          .split('\n')
          .slice(1)
          .map((l) => l.trim().split(/\s+/))
          .filter((f) => f.length > 9 && inodes.has(f[9]!))
          .map((f) => ({ port: parseInt(f[1]!.split(':')[1]!, 16), state: f[3] }));
      const tcp = [...owned('/proc/net/tcp'), ...owned('/proc/net/tcp6')];
      const udp = [...owned('/proc/net/udp'), ...owned('/proc/net/udp6')];
      expect(udp.map((u) => u.port)).toContain(port); // it does listen, on UDP
      expect(tcp).toEqual([]); // and has no TCP socket at all
    } finally {
      await nfcapd.stop();
    }
  });
});

function readlinkSafe(path: string): string {
  try {
    return readlinkSync(path);
  } catch {
    return '';
  }
}

describe('IPFIX over TCP to a real TCP receiver, read by our decoder and by tshark', () => {
  it.skipIf(!hasCommand('tshark'))('same flows across a collector restart; tshark sees no malformed data', async () => {
    const c = await tcpCollector();
    const exporter = createIpfixExporter({ collector: `127.0.0.1:${c.port}`, transport: 'tcp', backoff: { initialMs: 20, maxMs: 200 } });
    const half = Math.floor(records.length / 2);
    for (const r of records.slice(0, half)) exporter.write(r);
    await until(() => exporter.stats().sent === half);
    await exporter.drained();
    await new Promise((r) => setTimeout(r, 100)); // the receiver has read the first connection
    c.dropConnections();
    await until(() => !exporter.stats().connected);
    for (const r of records.slice(half)) exporter.write(r);
    await exporter.close();
    await new Promise((r) => setTimeout(r, 100));
    await c.close();
    expect(exporter.stats()).toMatchObject({ sent: records.length, dropped: 0, reconnects: 1 });
    expect(c.streams).toHaveLength(2);

    const streams = c.streams.map((s) => Buffer.concat(s));
    const ours = streams.flatMap((s) => {
      const { messages, rest } = splitStream(s);
      expect(rest).toHaveLength(0);
      const session = new IpfixSession(); // a new connection is a new transport session
      const decoded = messages.map((m) => session.decode(m));
      expect(decoded[0]!.sets[0]!.id).toBe(2);
      expect(decoded[0]!.sequence).toBe(0);
      return decoded.flatMap((m) => m.records);
    });
    const want = sortedKeys(records.map((r) => viewOfRecord(r)));
    expect(sortedKeys(ours.map(viewOfDecoded))).toEqual(want);

    const pcap = join(dir, 'tcp.pcap');
    writeTcpPcap(pcap, streams, c.port);
    const tshark = (args: string[]) => execFileSync('tshark', ['-r', pcap, '-d', `tcp.port==${c.port},cflow`, ...args], { encoding: 'utf8', maxBuffer: 256 << 20, stdio: ['ignore', 'pipe', 'pipe'] });
    const text = tshark(['-V']);
    // the synthetic handshake earns TCP "Chat"/"Note" items; anything at Warning or above is a failure
    expect(text).not.toMatch(/Malformed|Expert Info \((Warning|Error)/);
    expect(tshark(['-q', '-z', 'expert,warn']).trim()).toBe('');
    expect(sortedKeys(viewsOfTshark(text))).toEqual(want);
  });
});

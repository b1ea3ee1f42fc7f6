// A second decoder: tshark's cflow dissector reads the IPFIX datagrams wirewatch
// sends (the exact bytes our receiver got, written into a pcap; and, as root, a
// live tcpdump capture on lo). No malformed packets, no expert warnings (tshark
// also checks sequence numbers per observation domain), and every record decodes
// to the flow that was exported.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIpfixExporter } from '../../../lib/export/index.js';
import type { FlowRecord } from '../../../lib/flows/index.js';
import { hasCommand, isRoot } from '../../support/paths.js';
import { fixtureFlows, udpCollector, until } from '../../unit/export/helpers.js';
import { edgeRecords, sortedKeys, viewOfRecord, viewsOfTshark } from './flow-view.js';
import { writeUdpPcap } from './ipfix-pcap.js';

const dir = mkdtempSync(join(tmpdir(), 'wirewatch-tshark-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let records: FlowRecord[] = [];
beforeAll(async () => {
  records = [...(await fixtureFlows('mixed.pcap')), ...(await fixtureFlows('demo.pcap')), ...edgeRecords()];
});

function tshark(pcap: string, port: number, args: string[]): string {
  return execFileSync('tshark', ['-r', pcap, '-d', `udp.port==${port},cflow`, ...args], { encoding: 'utf8', maxBuffer: 256 << 20, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Exports `records` over UDP to a loopback receiver; returns the datagrams in arrival order. */
async function exportUdp(options: { max_message_size?: number; template_refresh_s?: number }) {
  const c = await udpCollector();
  const e = createIpfixExporter({ collector: `127.0.0.1:${c.port}`, ...options });
  for (let i = 0; i < records.length; i += 200) {
    for (const r of records.slice(i, i + 200)) e.write(r);
    await e.drained();
    await new Promise((r) => setTimeout(r, 5));
  }
  await e.close();
  await until(() => c.datagrams.length === e.stats().messages);
  await c.close();
  expect(e.stats()).toMatchObject({ sent: records.length, dropped: 0, errors: 0 });
  return { port: c.port, datagrams: c.datagrams };
}

describe.skipIf(!hasCommand('tshark'))('tshark decodes the IPFIX datagrams', () => {
  for (const max of [1400, 512, 65535]) {
    it(`max_message_size ${max}: no malformed packets or warnings, one decoded flow per record, same values`, async () => {
      const { port, datagrams } = await exportUdp({ max_message_size: max });
      for (const d of datagrams) expect(d.length).toBeLessThanOrEqual(max);
      const pcap = join(dir, `udp-${max}.pcap`);
      writeUdpPcap(pcap, datagrams, port);
      const text = tshark(pcap, port, ['-V']);
      expect(text).not.toMatch(/Malformed|Expert Info/);
      expect(tshark(pcap, port, ['-q', '-z', 'expert']).trim()).toBe('');
      expect(text.match(/^\s+Flow \d+$/gm)).toHaveLength(records.length);
      expect(sortedKeys(viewsOfTshark(text))).toEqual(sortedKeys(records.map((r) => viewOfRecord(r))));
    });
  }

  it('the check can fail: a set length past its message and a wrong sequence number are flagged', async () => {
    const { port, datagrams } = await exportUdp({});
    const bad = Buffer.from(datagrams[1]!);
    bad.writeUInt16BE(bad.readUInt16BE(18) + 8, 18);
    const pcap = join(dir, 'bad.pcap');
    writeUdpPcap(pcap, [datagrams[0]!, bad, datagrams[1]!], port);
    const expert = tshark(pcap, port, ['-q', '-z', 'expert']);
    expect(expert).toMatch(/Malformed/);
    expect(expert).toMatch(/Unexpected flow sequence/);
  });

  // --immediate-mode: without it this VM's TPACKET_V3 ring never hands over a partly filled block
  it.skipIf(!isRoot || !hasCommand('tcpdump'))('live: tcpdump -i lo captures the datagrams as sent; tshark agrees', async () => {
    const c = await udpCollector();
    const pcap = join(dir, 'live.pcap');
    const dump = spawn('tcpdump', ['-i', 'lo', '--immediate-mode', '-U', '-n', '-w', pcap, 'udp', 'and', 'dst', 'port', String(c.port)], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    dump.stderr!.on('data', (d) => (err += d));
    await until(() => err.includes('listening on'), 10_000);
    const e = createIpfixExporter({ collector: `127.0.0.1:${c.port}` });
    for (let i = 0; i < records.length; i += 200) {
      for (const r of records.slice(i, i + 200)) e.write(r);
      await e.drained();
      await new Promise((r) => setTimeout(r, 5));
    }
    await e.close();
    await until(() => c.datagrams.length === e.stats().messages);
    await new Promise((r) => setTimeout(r, 200));
    const exited = new Promise((r) => dump.once('exit', r));
    dump.kill('SIGTERM');
    await exited;
    await c.close();
    const text = tshark(pcap, c.port, ['-V']);
    expect(text).not.toMatch(/Malformed|Expert Info/);
    expect(tshark(pcap, c.port, ['-q', '-z', 'expert']).trim()).toBe('');
    expect(sortedKeys(viewsOfTshark(text))).toEqual(sortedKeys(records.map((r) => viewOfRecord(r))));
  });
});

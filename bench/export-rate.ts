// Flow export benchmark: how many flow records per second the exporters take.
//
//   npx tsx bench/export-rate.ts [--records N] [--replays N] [--json]
//
//   encode       MessageEncoder alone: FlowRecord → IPFIX messages (1400 B), no I/O
//   ipfix-udp    createIpfixExporter over UDP to a receiver on 127.0.0.1 (in a worker
//                thread): write() all records, then close() (everything sent); the
//                receiver's count shows what the kernel delivered
//   jsonl        createJsonlSink to a temp file: write() all records, close() (all on disk)
//   replay off/on  demo.pcap through CaptureSource + FlowTable, --replays times, with
//                no export vs IPFIX UDP + JSONL fed from onRecord, on the same thread:
//                packets/s with export on vs off (best of 3 each, interleaved)
// Records are synthetic (¾ IPv4, ¼ IPv6, TCP/UDP/ICMP mix); the queues are sized to
// hold them all, so nothing is dropped and the figure is the exporter's own rate.
// Figures are printed, not judged (2 shared cores: run it on a quiet machine).
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { CaptureSource } from '../lib/capture/index.js';
import { createIpfixExporter, createJsonlSink, FLOW_TEMPLATE_IPV4, FLOW_TEMPLATE_IPV6, FLOW_TEMPLATES, MessageEncoder, PreparedFlow, prepareFlow } from '../lib/export/index.js';
import { FlowTable, type FlowRecord } from '../lib/flows/index.js';

const { values: args } = parseArgs({
  options: { records: { type: 'string', default: '500000' }, replays: { type: 'string', default: '20' }, json: { type: 'boolean', default: false } },
});
const N = Number(args.records);
const REPLAYS = Number(args.replays);

function records(n: number): FlowRecord[] {
  const out: FlowRecord[] = [];
  for (let i = 0; i < n; i++) {
    const v6 = i % 4 === 3;
    const proto = i % 10 === 9 ? (v6 ? 58 : 1) : i % 3 === 0 ? 17 : 6;
    const first = 1_767_225_600_000_000_000n + BigInt(i) * 1_000_123n;
    out.push({
      community_id: '1:jqjERc5/P4xvjffbh/ot2HxexYg=', source: 0, vlan: i % 50 === 0 ? 10 : 0, proto,
      src_ip: v6 ? `fd00::${(i & 0xffff).toString(16)}` : `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
      src_port: proto === 1 || proto === 58 ? 8 : 1024 + (i % 60000),
      dst_ip: v6 ? '2001:db8::10' : '198.51.100.10', dst_port: proto === 1 || proto === 58 ? 0 : 443,
      first_ns: first.toString(), last_ns: (first + 52_000_000n).toString(),
      packets_c2s: 6 + (i % 7), bytes_c2s: 513 + i, packets_s2c: 3, bytes_s2c: 883, tcp_flags: proto === 6 ? 0x1b : 0,
      state: 'closed', end_reason: 'fin',
    });
  }
  return out;
}

const rate = (n: number, ms: number) => Math.round((n / ms) * 1000);
const results: Record<string, unknown> = {};
const data = records(N);
const dir = mkdtempSync(join(tmpdir(), 'wirewatch-bench-export-'));

// 1. encode only
{
  let bytes = 0;
  const enc = new MessageEncoder<PreparedFlow>({ observationDomainId: 1, maxMessageSize: 1400, templates: FLOW_TEMPLATES, onMessage: (m) => (bytes += m.length) });
  const p = new PreparedFlow();
  const t0 = performance.now();
  for (const r of data) if (prepareFlow(r, p)) enc.add(p.v6 ? FLOW_TEMPLATE_IPV6 : FLOW_TEMPLATE_IPV4, p);
  enc.flush();
  const ms = performance.now() - t0;
  results.encode = { records: N, ms: Math.round(ms), records_per_s: rate(N, ms), bytes_per_record: +(bytes / N).toFixed(1) };
}

/** A UDP receiver on 127.0.0.1 in a worker thread (its own event loop), counting datagrams. */
async function startReceiver(): Promise<{ port: number; stop: () => Promise<{ datagrams: number; bytes: number }> }> {
  const receiver = new Worker(
    `const dgram = require('node:dgram'); const { parentPort } = require('node:worker_threads');
     const s = dgram.createSocket({ type: 'udp4', recvBufferSize: 8 << 20 }); let n = 0, b = 0;
     s.on('message', (m) => { n++; b += m.length; });
     s.bind(0, '127.0.0.1', () => parentPort.postMessage(s.address().port));
     parentPort.on('message', () => { parentPort.postMessage({ datagrams: n, bytes: b }); s.close(); });`,
    { eval: true },
  );
  const port = await new Promise<number>((r) => receiver.once('message', r));
  return {
    port,
    stop: async () => {
      await new Promise((r) => setTimeout(r, 200));
      receiver.postMessage('done');
      const got = await new Promise<{ datagrams: number; bytes: number }>((r) => receiver.once('message', r));
      await receiver.terminate();
      return got;
    },
  };
}

// 2. IPFIX over UDP to a receiver in a worker thread
{
  const receiver = await startReceiver();
  const port = receiver.port;
  const exporter = createIpfixExporter({ collector: `127.0.0.1:${port}`, queue: N });
  await new Promise((r) => setTimeout(r, 50)); // socket open, templates sent
  const t0 = performance.now();
  for (const r of data) exporter.write(r);
  const writeMs = performance.now() - t0;
  await exporter.close();
  const ms = performance.now() - t0;
  const got = await receiver.stop();
  const s = exporter.stats();
  results.ipfix_udp = {
    records: N, ms: Math.round(ms), records_per_s: rate(s.sent, ms), write_ns_per_record: Math.round((writeMs * 1e6) / N),
    sent: s.sent, dropped: s.dropped, datagrams_sent: s.messages, datagrams_received: got.datagrams,
  };
}

// 3. JSONL to a file
{
  const path = join(dir, 'flows.jsonl');
  const sink = createJsonlSink({ path, max_size_mb: 1024, keep: 1, queue: N });
  const t0 = performance.now();
  for (const r of data) sink.write(r);
  const writeMs = performance.now() - t0;
  await sink.close();
  const ms = performance.now() - t0;
  results.jsonl = {
    records: N, ms: Math.round(ms), records_per_s: rate(sink.stats().sent, ms), write_ns_per_record: Math.round((writeMs * 1e6) / N),
    mb: +(statSync(path).size / 1048576).toFixed(1), dropped: sink.stats().dropped,
  };
}

// 4. demo.pcap replays, export off vs on (best of 3, interleaved: noise only slows a run down)
async function replay(port: number | null): Promise<{ packets: number; flows: number; ms: number }> {
  let packets = 0;
  let flows = 0;
  const sinks = port === null ? [] : [createIpfixExporter({ collector: `127.0.0.1:${port}`, queue: 100_000 }), createJsonlSink({ path: join(dir, 'replay.jsonl'), queue: 100_000 })];
  const t0 = performance.now();
  for (let i = 0; i < REPLAYS; i++) {
    const table = new FlowTable({
      maxFlows: 100_000,
      timeouts: { udp: 70 },
      onRecord: (r) => {
        flows++;
        for (const s of sinks) s.write(r);
      },
    });
    const source = CaptureSource.openFile({ file: join(import.meta.dirname, '..', 'fixtures', 'demo.pcap') });
    source.on('batch', (b) => {
      packets += b.rows;
      table.ingest(b);
    });
    source.start();
    await source.ended();
    table.flush();
  }
  await Promise.all(sinks.map((s) => s.close()));
  return { packets, flows, ms: performance.now() - t0 };
}
{
  const receiver = await startReceiver();
  await replay(null); // warm-up
  await replay(receiver.port);
  let off = Infinity;
  let on = Infinity;
  let last = { packets: 0, flows: 0, ms: 0 };
  for (let run = 0; run < 3; run++) {
    last = await replay(null);
    off = Math.min(off, last.ms);
    on = Math.min(on, (await replay(receiver.port)).ms);
  }
  await receiver.stop();
  results.replay = {
    replays: REPLAYS, packets: last.packets, flow_records: last.flows,
    off_pps: rate(last.packets, off), on_pps: rate(last.packets, on),
    on_vs_off: +(off / on).toFixed(3),
  };
}

rmSync(dir, { recursive: true, force: true });
if (args.json) console.log(JSON.stringify(results));
else {
  const r = results as Record<string, Record<string, number>>;
  console.log(`export-rate: ${N} synthetic records (¾ IPv4, ¼ IPv6), node ${process.version}`);
  console.log(`  encode only   ${r.encode!.records_per_s!.toLocaleString()} records/s (${r.encode!.bytes_per_record} B/record on the wire)`);
  console.log(`  IPFIX / UDP   ${r.ipfix_udp!.records_per_s!.toLocaleString()} records/s encoded+sent; write() ${r.ipfix_udp!.write_ns_per_record} ns/record; ` +
    `${r.ipfix_udp!.datagrams_received}/${r.ipfix_udp!.datagrams_sent} datagrams received`);
  console.log(`  JSONL file    ${r.jsonl!.records_per_s!.toLocaleString()} records/s written; write() ${r.jsonl!.write_ns_per_record} ns/record; ${r.jsonl!.mb} MB`);
  console.log(`  demo.pcap ×${REPLAYS} through FlowTable: export off ${r.replay!.off_pps!.toLocaleString()} pkt/s, ` +
    `on (IPFIX UDP + JSONL) ${r.replay!.on_pps!.toLocaleString()} pkt/s (${r.replay!.flow_records} records)`);
}

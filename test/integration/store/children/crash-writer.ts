// Heavy writer for the crash test: adds RECORDS flow records and one sample per
// 10 ms tick through a StoreWriter (flush every 50 ms) and, after each flush
// that committed, prints {"c": last record seq, "t": last tick} — everything up
// to there is durable. The parent SIGKILLs it at a random moment.
import { StoreWriter } from '../../../../lib/store/index.js';
import type { FlowRecord } from '../../../../lib/flows/index.js';

const RECORDS = 200; // per tick; the test assumes the same
const path = process.argv[2]!;
const run = Number(process.argv[3]);
const BASE_NS = 1_700_000_000_000_000_000n;

let seq = 0;
let tick = 0;
const writer = StoreWriter.open(path, {}, {
  flushMs: 50,
  retentionEveryMs: 0,
  onFlush: (r) => {
    if (r.ok && r.written > 0) process.stdout.write(`${JSON.stringify({ c: seq, t: tick })}\n`);
  },
});
process.stdout.write('{"ready":true}\n');

setInterval(() => {
  const batch: FlowRecord[] = [];
  for (let i = 0; i < RECORDS; i++) {
    seq++;
    const ns = (BASE_NS + BigInt(seq)).toString();
    batch.push({
      community_id: `1:run${run}-${seq}`, source: run, vlan: 0, proto: 6,
      src_ip: `10.${run & 255}.${(seq >> 8) & 255}.${seq & 255}`, src_port: 1024 + (seq % 60000), dst_ip: '2001:db8::1', dst_port: 443,
      first_ns: ns, last_ns: ns, packets_c2s: seq, bytes_c2s: 2 ** 33 + seq, packets_s2c: 1, bytes_s2c: 2, tcp_flags: 0x12, state: 'established', end_reason: 'active',
    });
  }
  tick++;
  writer.addFlows(batch);
  writer.addSamples([{ ts: 1_000_000 * (run + 1) + tick, source: run, cls: 'tcp', packets: 1, bytes: 60 }]);
}, 10);

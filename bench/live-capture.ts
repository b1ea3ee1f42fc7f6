// The wirewatch side of bench/live-veth.sh: captures on one interface until
// SIGINT/SIGTERM, then prints one JSON line with what it got.
//
//   npx tsx bench/live-capture.ts --interface vethB [--ready FILE] [--snaplen N] [--buffer-mb N]
//                                 [--timeout-ms N] [--parse 0|1]
//
// The JS side does what a consumer must do at least: a loop over each batch
// (summing wireLen). --ready FILE is created once the capture is running.
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { CaptureSource } from '../lib/index.js';

function vmHwmKb(): number {
  const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) : 0;
}

const { values: a } = parseArgs({
  args: process.argv.slice(2),
  options: {
    interface: { type: 'string' },
    ready: { type: 'string' },
    snaplen: { type: 'string' },
    'buffer-mb': { type: 'string' },
    'timeout-ms': { type: 'string' },
    parse: { type: 'string' },
  },
  strict: true,
});
if (!a.interface) {
  process.stderr.write('usage: live-capture.ts --interface IF [--ready FILE] [--snaplen N] [--buffer-mb N] [--timeout-ms N] [--parse 0|1]\n');
  process.exit(2);
}
const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));

const source = CaptureSource.openLive({
  interface: a.interface,
  snaplen: num(a.snaplen),
  bufferMb: num(a['buffer-mb']),
  timeoutMs: num(a['timeout-ms']),
  parse: a.parse === undefined ? true : a.parse === '1',
});
let rows = 0;
let wireSum = 0;
let firstNs = 0n;
let lastNs = 0n;
source.on('batch', (b) => {
  const n = b.rows;
  const w = b.wireLen;
  let s = 0;
  for (let i = 0; i < n; i++) s += w[i]!;
  wireSum += s;
  if (n > 0) {
    if (rows === 0) firstNs = process.hrtime.bigint();
    lastNs = process.hrtime.bigint();
  }
  rows += n;
});
const cpu0 = process.cpuUsage();
source.start();
if (a.ready) writeFileSync(a.ready, `${process.pid}\n`);

let stopping = false;
async function finish(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await source.stop();
  const cpu = process.cpuUsage(cpu0);
  const st = source.stats();
  const result = {
    tool: 'wirewatch',
    captured: rows,
    wireBytes: wireSum,
    kernelReceived: st.kernelReceived,
    kernelDrops: st.kernelDrops,
    interfaceDrops: st.interfaceDrops,
    ringDrops: st.ringDrops,
    batches: st.batches,
    // first to last batch delivered, as seen by JS
    deliverySeconds: Number(lastNs - firstNs) / 1e9,
    cpuUserS: cpu.user / 1e6,
    cpuSysS: cpu.system / 1e6,
    maxRssKb: vmHwmKb(),
    error: source.error?.message ?? null,
  };
  process.stdout.write(JSON.stringify(result) + '\n');
  process.exit(0);
}
process.on('SIGINT', () => void finish());
process.on('SIGTERM', () => void finish());

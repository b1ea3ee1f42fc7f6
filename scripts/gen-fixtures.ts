// Deterministic capture generator.
//
//   npx tsx scripts/gen-fixtures.ts
//       writes fixtures/*.pcap, fixtures/mixed.pcapng, fixtures/demo.pcap and fixtures/expected.json
//   npx tsx scripts/gen-fixtures.ts --dir DIR [--seed S] [--no-demo]
//       the same into another directory
//   npx tsx scripts/gen-fixtures.ts --demo FILE [--seconds N] [--snaplen N] [--seed S]
//       only the demo capture
//   npx tsx scripts/gen-fixtures.ts --out FILE --packets N [--flows M] [--small] [--seed S]
//                                   [--format pcap|pcapng] [--nanos] [--snaplen N]
//       a big benchmark capture (progress on stderr, summary JSON on stdout)
//
// Exit codes: 0 ok, 1 failure, 2 bad usage.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { generateFixtures, writeDemo, DEFAULT_SEED } from './pcap/fixtures.js';
import { writeBench } from './pcap/bench.js';

const USAGE = `usage:
  gen-fixtures.ts [--dir DIR] [--seed S] [--no-demo]
  gen-fixtures.ts --demo FILE [--seconds N] [--snaplen N] [--seed S]
  gen-fixtures.ts --out FILE --packets N [--flows M] [--small] [--seed S] [--format pcap|pcapng] [--nanos] [--snaplen N]`;

class UsageError extends Error {}

function int(name: string, v: string | undefined, min = 1): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v.replace(/_/g, ''));
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer >= ${min}, got '${v}'`);
  return n;
}

function main(argv: string[]): void {
  let a;
  try {
    a = parseArgs({
      args: argv,
      options: {
        dir: { type: 'string' }, seed: { type: 'string' }, 'no-demo': { type: 'boolean' },
        demo: { type: 'string' }, seconds: { type: 'string' }, snaplen: { type: 'string' },
        out: { type: 'string' }, packets: { type: 'string' }, flows: { type: 'string' }, small: { type: 'boolean' },
        format: { type: 'string' }, nanos: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (a.help) { process.stdout.write(USAGE + '\n'); return; }
  const seed = int('seed', a.seed, 0) ?? DEFAULT_SEED;
  const snaplen = int('snaplen', a.snaplen);

  if (a.out !== undefined) {
    const packets = int('packets', a.packets);
    if (packets === undefined) throw new UsageError('--out needs --packets N');
    const format = a.format ?? 'pcap';
    if (format !== 'pcap' && format !== 'pcapng') throw new UsageError(`--format must be pcap or pcapng, got '${format}'`);
    const flows = int('flows', a.flows);
    const tty = process.stderr.isTTY;
    const r = writeBench({
      out: a.out, packets, flows, small: a.small ?? false, seed, format, nanos: a.nanos ?? false, snaplen,
      progress: (n, el) => {
        const line = `${(n / 1e6).toFixed(1)}M / ${(packets / 1e6).toFixed(1)}M packets, ${Math.round(n / (el / 1000)).toLocaleString('en-US')} packets/s`;
        process.stderr.write(tty ? `\r${line}   ` : line + '\n');
      },
    });
    if (tty) process.stderr.write('\n');
    const pps = Math.round(r.packets / (r.elapsedMs / 1000));
    process.stderr.write(`wrote ${a.out}: ${r.packets} packets, ${(r.fileBytes / 1e6).toFixed(1)} MB in ${(r.elapsedMs / 1000).toFixed(2)} s (${pps.toLocaleString('en-US')} packets/s); ${r.sessions} sessions, max ${r.maxLive} live\n`);
    process.stdout.write(JSON.stringify({ file: a.out, ...r, elapsedMs: Math.round(r.elapsedMs), pps }) + '\n');
    return;
  }
  if (a.demo !== undefined) {
    const d = writeDemo(a.demo, { seed, seconds: int('seconds', a.seconds), snaplen });
    process.stderr.write(`wrote ${a.demo}: ${d.packets} packets, ${d.file_bytes} bytes\n`);
    return;
  }
  for (const k of ['packets', 'flows', 'small', 'format', 'nanos', 'seconds'] as const) {
    if (a[k] !== undefined) throw new UsageError(`--${k} needs --out (or --demo)`);
  }
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const dir = a.dir ?? path.join(root, 'fixtures');
  const expected = generateFixtures(dir, seed, !a['no-demo']);
  fs.writeFileSync(path.join(dir, 'expected.json'), JSON.stringify(expected, null, 2) + '\n');
  for (const [f, x] of Object.entries(expected)) {
    process.stderr.write(`${f.padEnd(16)} ${String(x.packets).padStart(6)} packets ${String(x.file_bytes).padStart(8)} bytes\n`);
  }
}

try {
  main(process.argv.slice(2));
} catch (err) {
  if (err instanceof UsageError) {
    process.stderr.write(`gen-fixtures: ${err.message}\n${USAGE}\n`);
    process.exit(2);
  }
  process.stderr.write(`gen-fixtures: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
}

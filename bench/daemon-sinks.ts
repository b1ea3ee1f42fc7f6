// The daemon's replay throughput with storage and export off and on: `wirewatch
// run` on a capture at full speed (no loop), timed from "capture started" to
// "capture source ended" in its own log. The pipeline runs in its worker, the
// SQLite writer and exporters on the main thread, as in production.
//
//   npm run build && node --import tsx bench/daemon-sinks.ts [FILE] [--runs N]
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const args = process.argv.slice(2);
const runsAt = args.indexOf('--runs');
const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 2;
const file = resolve(args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--runs') ?? 'bench/.data/mixed-2m.pcap');
const MODES = ['off', 'storage', 'export', 'both'] as const;
type Mode = (typeof MODES)[number];

const sink = createSocket('udp4');
await new Promise<void>((r) => sink.bind(0, '127.0.0.1', r));
sink.on('message', () => {});
const port = sink.address().port;

function config(dir: string, mode: Mode): string {
  const storage = mode === 'storage' || mode === 'both';
  const exp = mode === 'export' || mode === 'both';
  return `capture:\n  backend: file\n  file: ${file}\n  speed: max\n` +
    `storage:\n  enabled: ${storage}\n  path: ${join(dir, 'db', 'w.db')}\n` +
    (exp ? `export:\n  ipfix:\n    collector: "127.0.0.1:${port}"\n  jsonl:\n    path: ${join(dir, 'flows.jsonl')}\n` : '') +
    `api:\n  enabled: false\nprivileges:\n  drop: false\n  allow_root: true\nlogging:\n  format: json\n`;
}

function once(mode: Mode): Promise<{ pps: number; packets: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'ww-dsinks-'));
  const cfg = join(dir, 'c.yaml');
  writeFileSync(cfg, config(dir, mode));
  const child = spawn(process.execPath, ['dist/lib/cli.js', 'run', '--config', cfg], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolvePromise, reject) => {
    let buf = '';
    let started = 0;
    let ended = 0;
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const line = JSON.parse(buf.slice(0, nl)) as { msg: string; time: string; sources?: Array<{ packets: number }> };
        buf = buf.slice(nl + 1);
        if (line.msg === 'capture started') started = Date.parse(line.time);
        if (line.msg === 'capture source ended') {
          ended = Date.parse(line.time);
          child.kill('SIGTERM');
        }
        if (line.msg === 'stopped') {
          const packets = line.sources?.[0]?.packets ?? 0;
          resolvePromise({ pps: packets / ((ended - started) / 1000), packets });
        }
      }
    });
    child.on('exit', () => {
      rmSync(dir, { recursive: true, force: true });
      if (!ended) reject(new Error(`${mode}: the daemon exited before the replay ended`));
    });
  });
}

console.log(`wirewatch run on ${file}: replay time with storage/export off and on, best of ${runs} (load ${loadavg().map((l) => l.toFixed(2)).join(' ')})`);
const best = Object.fromEntries(MODES.map((m) => [m, 0])) as Record<Mode, number>;
for (let r = 0; r < runs; r++) {
  for (const mode of MODES) {
    const { pps, packets } = await once(mode);
    best[mode] = Math.max(best[mode], pps);
    console.log(`  run ${r + 1} ${mode.padEnd(8)} ${(pps / 1e6).toFixed(3)} M packets/s (${packets} packets)`);
  }
}
sink.close();
for (const mode of ['storage', 'export', 'both'] as const) {
  console.log(`${mode.padEnd(8)} on: ${(best[mode] / 1e6).toFixed(3)} vs off ${(best.off / 1e6).toFixed(3)} M packets/s = ${(100 * (1 - best[mode] / best.off)).toFixed(1)} % slower`);
}

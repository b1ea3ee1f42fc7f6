// API under load while the daemon replays at full speed (issue 7).
//
//   npx tsx bench/api-load.ts [--seconds N] [--rate R] [--connections C] [--max] [--storage] [--speed X] [--paths P,Q] [--json]
//
// A real Daemon (lib/daemon: pipeline worker + storage) replays
// fixtures/demo.pcap in a loop at speed max; the API (lib/api) serves it on
// loopback with an API token, as `wirewatch run` does. autocannon runs in a
// separate process (so the load generator does not share the server's event
// loop) against GET /healthz (the cheapest route: what the load generator and
// the HTTP stack alone cost), /api/stats and /api/flows?limit=100 (--paths to
// choose), N seconds each, at a fixed R requests/s (default 500, the issue's
// target) and, with --max, also as fast as C connections go. Each load phase
// follows its own no-load phase, and the replay rate (packets/s through the
// pipeline, from the daemon's snapshots) is compared with that one: the speed
// of a shared machine drifts from minute to minute. For every phase:
// requests/s, latency p50/p99 (ms), non-2xx answers, the replay rate and the
// server's event-loop delay p99 (--speed 1 shows the API alone).
//
// The main thread receives every ended flow record from the pipeline worker
// (for exporters, alerts and metrics): at full speed ~55 000 records/s in groups
// of 1024. The pipeline and writer workers run at nice +10, so the API thread
// gets a CPU first (lib/daemon/thread-priority.ts).
//
// Numbers depend on the machine: on 2 shared cores the load generator itself
// takes CPU from the pipeline.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createApi, listen, serverUrl } from '../lib/api/index.js';
import { packageRoot } from '../lib/capture/binding.js';
import { configFromObject } from '../lib/config/index.js';
import { Daemon } from '../lib/daemon/index.js';
import { createLogger } from '../lib/log/index.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const SECONDS = arg('seconds', 10);
const RATE = arg('rate', 500);
const CONNECTIONS = arg('connections', 10);
const MAX = process.argv.includes('--max');
const JSON_OUT = process.argv.includes('--json');
const STORAGE = process.argv.includes('--storage');
/** Replay speed: 'max' (default) or a multiple of real time (--speed 1: the API's own cost, the pipeline nearly idle). */
const SPEED: number | 'max' = process.argv.includes('--speed') ? arg('speed', 1) : 'max';
const TOKEN = 'bench-token-0123456789abcdef';
/**
 * /healthz first: the cheapest route, so its phase shows what the load generator
 * and the HTTP stack cost the replay before any handler of ours does work.
 */
const PATHS = (process.argv.includes('--paths') ? process.argv[process.argv.indexOf('--paths') + 1]! : '/healthz,/api/stats,/api/flows?limit=100').split(',');

interface Phase {
  name: string;
  path: string | null;
  rate: number | null;
  requests_per_s: number | null;
  p50_ms: number | null;
  p99_ms: number | null;
  non2xx: number | null;
  errors: number | null;
  replay_pps: number;
  /** The replay rate in the no-load period just before this phase (the machine's speed drifts). */
  baseline_pps: number | null;
  event_loop_p99_ms: number;
}

const autocannonBin = join(createRequire(import.meta.url).resolve('autocannon/package.json'), '..', 'autocannon.js');

function autocannon(url: string, rate: number | null): Promise<{ requests: { average: number }; latency: { p50: number; p99: number }; non2xx: number; errors: number }> {
  const args = [autocannonBin, '-j', '-c', String(CONNECTIONS), '-d', String(SECONDS), '-H', `authorization=Bearer ${TOKEN}`];
  if (rate !== null) args.push('-R', String(rate));
  args.push(url);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`autocannon exited ${code}: ${err}`));
      resolve(JSON.parse(out));
    });
  });
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ww-bench-api-'));
  const config = configFromObject(
    {
      capture: { backend: 'file', file: join(packageRoot, 'fixtures', 'demo.pcap'), speed: SPEED, loop: true },
      storage: { enabled: STORAGE, path: join(dir, 'wirewatch.db') },
      api: { bind: '127.0.0.1', port: 0, tokens: [{ name: 'bench', token: TOKEN, role: 'viewer' }] },
      privileges: { drop: false, allow_root: true },
      logging: { level: 'warn' },
    },
    dir,
  );
  const logger = createLogger({ level: 'warn', format: 'json', stream: process.stderr });
  const daemon = await Daemon.start({ config, logger });
  const api = createApi({ view: daemon, store: daemon.store, api: config.api, logger });
  const server = await listen(api.app, { bind: '127.0.0.1', port: 0 });
  const base = serverUrl(server);

  // Pipeline packets per wall-clock second, from the daemon's snapshots.
  let last: { t: number; packets: number } | null = null;
  let window: { packets: number; seconds: number } = { packets: 0, seconds: 0 };
  daemon.on('snapshot', (s) => {
    const now = performance.now() / 1000;
    if (last) {
      window.packets += s.pipeline.totals.packets - last.packets;
      window.seconds += now - last.t;
    }
    last = { t: now, packets: s.pipeline.totals.packets };
  });
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const measure = async <T>(run: () => Promise<T>): Promise<{ result: T; pps: number; lag: number }> => {
    window = { packets: 0, seconds: 0 };
    loop.reset();
    const result = await run();
    return { result, pps: window.seconds > 0 ? window.packets / window.seconds : 0, lag: loop.percentile(99) / 1e6 };
  };

  if (!JSON_OUT) process.stderr.write(`  serving ${base}\n`);
  await new Promise((r) => setTimeout(r, 2000)); // warm up: caches, JIT, first seconds in the store
  const phases: Phase[] = [];
  const noLoad = async () => {
    const idle = await measure(() => new Promise((r) => setTimeout(r, SECONDS * 1000)));
    phases.push({ name: 'no load', path: null, rate: null, requests_per_s: null, p50_ms: null, p99_ms: null, non2xx: null, errors: null, replay_pps: idle.pps, baseline_pps: null, event_loop_p99_ms: idle.lag });
    return idle.pps;
  };
  const runs: Array<[string, number | null]> = [];
  for (const path of PATHS) {
    runs.push([path, RATE]);
    if (MAX) runs.push([path, null]);
  }
  for (const [path, rate] of runs) {
    if (!JSON_OUT) process.stderr.write(`  no load, then ${path} @ ${rate ?? 'max'} ...\n`);
    const baseline = await noLoad();
    const { result, pps, lag } = await measure(() => autocannon(`${base}${path}`, rate));
    phases.push({
      name: `${path} @ ${rate === null ? 'max' : `${rate}/s`}`,
      path,
      rate,
      requests_per_s: result.requests.average,
      p50_ms: result.latency.p50,
      p99_ms: result.latency.p99,
      non2xx: result.non2xx,
      errors: result.errors,
      replay_pps: pps,
      baseline_pps: baseline,
      event_loop_p99_ms: lag,
    });
  }
  const activeFlows = daemon.snapshot()?.pipeline.flows.active ?? 0;

  api.close();
  server.closeAllConnections();
  server.close();
  await daemon.stop();
  rmSync(dir, { recursive: true, force: true });

  if (JSON_OUT) {
    console.log(JSON.stringify({ seconds: SECONDS, connections: CONNECTIONS, active_flows: activeFlows, phases }, null, 2));
    return;
  }
  console.log(`API load: ${SECONDS} s per phase, ${CONNECTIONS} connections; ${cpus().length} CPUs, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}; node ${process.version}`);
  console.log(`daemon replaying fixtures/demo.pcap in a loop at speed ${SPEED}, storage ${STORAGE ? 'on' : 'off'}; ~${activeFlows} live flows at the end\n`);
  const fmt = (v: number | null, d = 1) => (v === null ? '-' : v.toFixed(d));
  console.log(['phase'.padEnd(32), 'req/s'.padStart(8), 'p50 ms'.padStart(8), 'p99 ms'.padStart(8), 'non-2xx'.padStart(8), 'replay pkt/s'.padStart(14), 'vs no load'.padStart(11), 'loop p99 ms'.padStart(12)].join(' '));
  for (const p of phases) {
    const change = p.baseline_pps === null ? '' : `${(((p.replay_pps - p.baseline_pps) / p.baseline_pps) * 100).toFixed(1)}%`;
    console.log([p.name.padEnd(32), fmt(p.requests_per_s).padStart(8), fmt(p.p50_ms).padStart(8), fmt(p.p99_ms).padStart(8), String(p.non2xx ?? '-').padStart(8), Math.round(p.replay_pps).toLocaleString('en').padStart(14), change.padStart(11), fmt(p.event_loop_p99_ms).padStart(12)].join(' '));
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

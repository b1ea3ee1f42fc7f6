// API under load while the daemon replays at full speed (issue 7).
//
//   npx tsx bench/api-load.ts [--seconds N] [--rate R] [--connections C] [--max] [--storage] [--speed X] [--paths P,Q]
//                             [--loader h2load|autocannon] [--repeat K] [--express-only] [--json]
//
// A real Daemon (lib/daemon: pipeline worker + storage) replays
// fixtures/demo.pcap in a loop at speed max; the API (lib/api) serves it on
// loopback with an API token, as `wirewatch run` does. The load generator runs
// in a separate process (so it does not share the server's event loop) against GET /healthz (the cheapest route: what the load generator and
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
// takes CPU from the pipeline. The default loader is h2load (Debian
// nghttp2-client; --h1 with a fixed --rps schedule per connection), written in
// C: at 500 requests/s it uses ~2 % of a core where autocannon, a Node
// program, uses ~8 %, and that CPU is not the server's. `--loader autocannon`
// gives the earlier runs' numbers. Each phase prints the load generator's own
// CPU time, so the two can be compared.
//
// The server is Api.listener(), as in `wirewatch run`: kept answers skip
// Express (lib/api/quick-answers.ts). --express-only serves api.app alone, for
// comparison.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
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
/** Rounds over all paths; with more than one, a median line per phase sums them up (the machine's speed drifts). */
const REPEAT = arg('repeat', 1);
const STORAGE = process.argv.includes('--storage');
const EXPRESS_ONLY = process.argv.includes('--express-only');
/** Replay speed: 'max' (default) or a multiple of real time (--speed 1: the API's own cost, the pipeline nearly idle). */
const SPEED: number | 'max' = process.argv.includes('--speed') ? arg('speed', 1) : 'max';
const TOKEN = 'bench-token-0123456789abcdef';
const LOADER = process.argv.includes('--loader') ? process.argv[process.argv.indexOf('--loader') + 1]! : 'h2load';
if (LOADER !== 'h2load' && LOADER !== 'autocannon') throw new Error(`--loader: expected h2load or autocannon, got ${LOADER}`);
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
  /** CPU seconds (user + system) the load generator used, per second of load. */
  loader_cpu: number | null;
  /** The main (API) thread's CPU per request: its CPU during the load minus during the no-load phase before. */
  request_cpu_us: number | null;
}

interface LoadResult {
  requests_per_s: number;
  p50_ms: number;
  p99_ms: number;
  non2xx: number;
  errors: number;
  /** CPU seconds the load generator used per wall second. */
  cpu: number;
}

const autocannonBin = join(createRequire(import.meta.url).resolve('autocannon/package.json'), '..', 'autocannon.js');

/** Runs a load generator under GNU time; resolves with its stdout and its CPU seconds per second of load. */
function runLoader(command: string, args: string[]): Promise<{ out: string; cpu: number }> {
  return new Promise((resolve, reject) => {
    // GNU time's %U/%S on stderr's last line: the loader's own CPU seconds.
    const child = spawn('/usr/bin/time', ['-f', 'loader-cpu %U %S', command, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`${command} exited ${code}: ${err}`));
      const m = /loader-cpu ([\d.]+) ([\d.]+)/.exec(err);
      resolve({ out, cpu: m ? (Number(m[1]) + Number(m[2])) / SECONDS : NaN });
    });
  });
}

async function autocannon(url: string, rate: number | null): Promise<LoadResult> {
  const args = [autocannonBin, '-j', '-c', String(CONNECTIONS), '-d', String(SECONDS), '-H', `authorization=Bearer ${TOKEN}`];
  if (rate !== null) args.push('-R', String(rate));
  args.push(url);
  const { out, cpu } = await runLoader(process.execPath, args);
  const r = JSON.parse(out) as { requests: { average: number }; latency: { p50: number; p99: number }; non2xx: number; errors: number };
  return { requests_per_s: r.requests.average, p50_ms: r.latency.p50, p99_ms: r.latency.p99, non2xx: r.non2xx, errors: r.errors, cpu };
}

/** h2load over HTTP/1.1; its per-request log (start µs, status, duration µs) gives the percentiles. */
async function h2load(url: string, rate: number | null): Promise<LoadResult> {
  const log = join(tmpdir(), `ww-h2load-${process.pid}.log`);
  const args = ['--h1', '-c', String(CONNECTIONS), '-D', String(SECONDS), '--log-file', log, '-H', `authorization: Bearer ${TOKEN}`];
  // --rps is per connection; rate / connections each gives the total rate.
  if (rate !== null) args.push('--rps', String(rate / CONNECTIONS));
  args.push(url);
  const { out, cpu } = await runLoader('h2load', args);
  const lines = readFileSync(log, 'utf8').trim().split('\n');
  rmSync(log, { force: true });
  const durations: number[] = [];
  let non2xx = 0;
  let errors = 0;
  for (const line of lines) {
    const [, status, micros] = line.split('\t');
    const code = Number(status);
    if (code === -1) errors++;
    else if (code < 200 || code > 299) non2xx++;
    durations.push(Number(micros) / 1000);
  }
  durations.sort((a, b) => a - b);
  const pct = (p: number) => durations[Math.min(durations.length - 1, Math.floor((p / 100) * durations.length))] ?? NaN;
  const finished = /finished in ([\d.]+)s/.exec(out);
  const seconds = finished ? Number(finished[1]) : SECONDS;
  return { requests_per_s: durations.length / seconds, p50_ms: pct(50), p99_ms: pct(99), non2xx, errors, cpu };
}

/** CPU seconds the main thread (the API's) has used: utime + stime of /proc/self/task/<pid>. */
function mainThreadCpu(): number {
  const fields = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // clock ticks: USER_HZ is 100 on Linux
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
  const server = await listen(EXPRESS_ONLY ? api.app : api.listener(), { bind: '127.0.0.1', port: 0 });
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
  const measure = async <T>(run: () => Promise<T>): Promise<{ result: T; pps: number; lag: number; mainCpu: number }> => {
    window = { packets: 0, seconds: 0 };
    loop.reset();
    const cpu0 = mainThreadCpu();
    const t0 = performance.now();
    const result = await run();
    const mainCpu = (mainThreadCpu() - cpu0) / ((performance.now() - t0) / 1000);
    return { result, pps: window.seconds > 0 ? window.packets / window.seconds : 0, lag: loop.percentile(99) / 1e6, mainCpu };
  };

  if (!JSON_OUT) process.stderr.write(`  serving ${base}\n`);
  await new Promise((r) => setTimeout(r, 2000)); // warm up: caches, JIT, first seconds in the store
  const phases: Phase[] = [];
  const noLoad = async () => {
    const idle = await measure(() => new Promise((r) => setTimeout(r, SECONDS * 1000)));
    phases.push({ name: 'no load', path: null, rate: null, requests_per_s: null, p50_ms: null, p99_ms: null, non2xx: null, errors: null, replay_pps: idle.pps, baseline_pps: null, event_loop_p99_ms: idle.lag, loader_cpu: null, request_cpu_us: null });
    return idle;
  };
  const runs: Array<[string, number | null]> = [];
  for (let round = 0; round < REPEAT; round++) {
    for (const path of PATHS) {
      runs.push([path, RATE]);
      if (MAX) runs.push([path, null]);
    }
  }
  for (const [path, rate] of runs) {
    if (!JSON_OUT) process.stderr.write(`  no load, then ${path} @ ${rate ?? 'max'} ...\n`);
    const { pps: baseline, mainCpu: idleCpu } = await noLoad();
    const { result, pps, lag, mainCpu } = await measure(() => (LOADER === 'h2load' ? h2load : autocannon)(`${base}${path}`, rate));
    phases.push({
      name: `${path} @ ${rate === null ? 'max' : `${rate}/s`}`,
      path,
      rate,
      requests_per_s: result.requests_per_s,
      p50_ms: result.p50_ms,
      p99_ms: result.p99_ms,
      non2xx: result.non2xx,
      errors: result.errors,
      replay_pps: pps,
      baseline_pps: baseline,
      event_loop_p99_ms: lag,
      loader_cpu: result.cpu,
      request_cpu_us: ((mainCpu - idleCpu) / result.requests_per_s) * 1e6,
    });
  }
  const activeFlows = daemon.snapshot()?.pipeline.flows.active ?? 0;

  api.close();
  server.closeAllConnections();
  server.close();
  await daemon.stop();
  rmSync(dir, { recursive: true, force: true });

  if (JSON_OUT) {
    console.log(JSON.stringify({ loader: LOADER, seconds: SECONDS, connections: CONNECTIONS, active_flows: activeFlows, express_only: EXPRESS_ONLY, quick_answers: api.stats().quickAnswers, phases }, null, 2));
    return;
  }
  console.log(`API load (${LOADER}): ${SECONDS} s per phase, ${CONNECTIONS} connections; ${cpus().length} CPUs, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}; node ${process.version}`);
  console.log(`daemon replaying fixtures/demo.pcap in a loop at speed ${SPEED}, storage ${STORAGE ? 'on' : 'off'}; ~${activeFlows} live flows at the end`);
  console.log(`${EXPRESS_ONLY ? 'Express only' : 'Api.listener()'}: ${api.stats().quickAnswers} requests answered before Express\n`);
  const fmt = (v: number | null, d = 1) => (v === null ? '-' : v.toFixed(d));
  console.log(['phase'.padEnd(32), 'req/s'.padStart(8), 'p50 ms'.padStart(8), 'p99 ms'.padStart(8), 'non-2xx'.padStart(8), 'replay pkt/s'.padStart(14), 'vs no load'.padStart(11), 'loop p99 ms'.padStart(12), 'loader cpu'.padStart(11), 'api µs/req'.padStart(11)].join(' '));
  for (const p of phases) {
    const change = p.baseline_pps === null ? '' : `${(((p.replay_pps - p.baseline_pps) / p.baseline_pps) * 100).toFixed(1)}%`;
    console.log([p.name.padEnd(32), fmt(p.requests_per_s).padStart(8), fmt(p.p50_ms).padStart(8), fmt(p.p99_ms).padStart(8), String(p.non2xx ?? '-').padStart(8), Math.round(p.replay_pps).toLocaleString('en').padStart(14), change.padStart(11), fmt(p.event_loop_p99_ms).padStart(12), (p.loader_cpu === null ? '-' : `${(p.loader_cpu * 100).toFixed(1)}%`).padStart(11), fmt(p.request_cpu_us, 0).padStart(11)].join(' '));
  }
  if (REPEAT > 1) {
    console.log(`\nmedians over ${REPEAT} rounds:`);
    const median = (xs: number[]) => {
      const s = [...xs].sort((a, b) => a - b);
      return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
    };
    for (const name of [...new Set(phases.filter((p) => p.path !== null).map((p) => p.name))]) {
      const ps = phases.filter((p) => p.name === name);
      const change = median(ps.map((p) => ((p.replay_pps - p.baseline_pps!) / p.baseline_pps!) * 100));
      const all = ps.map((p) => `${(((p.replay_pps - p.baseline_pps!) / p.baseline_pps!) * 100).toFixed(1)}`).join(', ');
      console.log(`  ${name.padEnd(30)} p99 ${fmt(median(ps.map((p) => p.p99_ms!)))} ms, api ${fmt(median(ps.map((p) => p.request_cpu_us!)), 0)} µs/request, replay ${change.toFixed(1)}% (rounds: ${all})`);
    }
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

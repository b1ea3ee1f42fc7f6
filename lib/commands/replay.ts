// `wirewatch replay FILE [--bpf EXPR] [--speed N|max] [--json] [--flows-out FILE.jsonl]`:
// the whole pipeline over a capture file, then the DESIGN §7 summary.
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Batch } from '../capture/batch.js';
import type { CaptureError } from '../capture/errors.js';
import { CaptureSource } from '../capture/source.js';
import { Pipeline } from '../pipeline/index.js';
import { FlowLineFile } from './flow-lines.js';
import { ProgressBar } from './progress.js';
import { UsageError } from './usage-error.js';

export interface ReplaySummary {
  file: string;
  packets: number;
  bytes: number;
  layers: Record<string, number>;
  errors: Record<string, number>;
  flows: { total: number; tcp: number; udp: number; icmp: number; other: number };
  elapsed_ms: number;
  pps: number;
}

export function parseSpeed(text: string | undefined, name = '--speed'): number | 'max' {
  if (text === undefined || text === 'max') return 'max';
  const speed = Number(text);
  if (!(speed > 0) || !Number.isFinite(speed)) throw new UsageError(`${name}: expected a number > 0 or "max", got "${text}"`);
  return speed;
}

/** Bytes a file format spends per record besides the captured bytes, for the progress estimate. */
function recordOverhead(file: string): number {
  const magic = Buffer.alloc(4);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, magic, 0, 4, 0);
  } finally {
    closeSync(fd);
  }
  // pcapng Enhanced Packet Block: 28 bytes of header + 4 trailer + ~2 padding; pcap: 16.
  return magic.readUInt32LE(0) === 0x0a0d0d0a ? 34 : 16;
}

export async function replay(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      bpf: { type: 'string' },
      speed: { type: 'string' },
      json: { type: 'boolean' },
      'flows-out': { type: 'string' },
    },
  });
  if (positionals.length !== 1) throw new UsageError('replay needs exactly one capture file (see wirewatch --help)');
  const file = positionals[0]!;
  const speed = parseSpeed(values.speed);
  const { summary, error } = await replayFile(file, { filter: values.bpf, speed, flowsOut: values['flows-out'], progress: new ProgressBar() });
  // A truncated or corrupt file still gets the summary of what was read; then the error (exit 2).
  printSummary(summary, values.json === true);
  if (error) throw error;
}

function printSummary(summary: ReplaySummary, json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    return;
  }
  const list = (o: Record<string, number>) => Object.entries(o).map(([k, v]) => `${k} ${v}`).join(', ');
  process.stdout.write(
    `${summary.file}: ${summary.packets} packets, ${summary.bytes} bytes in ${summary.elapsed_ms} ms (${summary.pps} packets/s)\n` +
      `  layers: ${list(summary.layers)}\n` +
      `  errors: ${list(summary.errors)}\n` +
      `  flows:  ${list(summary.flows)}\n`,
  );
}

export interface ReplayFileOptions {
  filter?: string;
  speed?: number | 'max';
  flowsOut?: string;
  progress?: ProgressBar;
}

/** Replays one file through a fresh pipeline; flushes every open flow at the end (reason `shutdown`). */
export async function replayFile(
  file: string,
  options: ReplayFileOptions = {},
): Promise<{ summary: ReplaySummary; error: CaptureError | null }> {
  const out = options.flowsOut === undefined ? null : new FlowLineFile(options.flowsOut);
  try {
    const pipeline = new Pipeline({ clock: 'packet' });
    if (out) pipeline.on('flow', (record) => out.write(record));
    const started = performance.now();
    const source = CaptureSource.openFile({ file, filter: options.filter, speed: options.speed ?? 'max' });
    const progress = options.progress;
    const size = progress?.enabled ? statSync(file).size : 0;
    const overhead = progress?.enabled ? recordOverhead(file) : 0;
    let consumed = 24;
    source.on('batch', (batch: Batch) => {
      pipeline.ingest(batch);
      if (progress?.enabled) {
        const cap = batch.capLen;
        for (let i = 0; i < batch.rows; i++) consumed += cap[i]! + overhead;
        progress.update(consumed / size, pipeline.totals.packets);
      }
    });
    source.start();
    await source.ended();
    pipeline.flush();
    progress?.done();
    const elapsedMs = performance.now() - started;
    const totals = pipeline.totals;
    const summary = {
      file,
      ...totals,
      flows: pipeline.flowSummary,
      elapsed_ms: Math.round(elapsedMs),
      pps: elapsedMs > 0 ? Math.round((totals.packets / elapsedMs) * 1000) : 0,
    };
    return { summary, error: source.error };
  } finally {
    out?.close();
  }
}

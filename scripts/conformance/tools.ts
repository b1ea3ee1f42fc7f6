// The reference tools, run asynchronously: tshark once per capture (the fields
// the checks need) and capinfos once per chunk of captures.
import { spawn } from 'node:child_process';

export interface ToolRun {
  stdout: string;
  stderr: string;
  code: number | null;
}

/** Runs a command to completion, collecting its output (never rejects on a non-zero exit). */
export function runTool(cmd: string, args: string[]): Promise<ToolRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({ stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), code }),
    );
  });
}

/** Runs `task` over `items` with at most `limit` in flight; results in item order. */
export async function mapLimit<T, R>(items: T[], limit: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await task(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

export interface TsharkFrame {
  /** frame.time_epoch, "sec.nnnnnnnnn". */
  time: string;
  /** frame.len (wire length). */
  len: number;
  /** frame.protocols, e.g. "eth:ethertype:ip:tcp". */
  protocols: string;
  /** The _ws.malformed field, e.g. "_ws.malformed,[Malformed Packet: TCP],_ws.malformed"; '' when not malformed. */
  malformed: string;
}

const TSHARK_PREFS = ['-o', 'ip.defragment:FALSE', '-o', 'ipv6.defragment:FALSE'];
// frame.cb_pen marks pcapng Custom Blocks, which tshark lists as records and libpcap skips
const TSHARK_FIELDS = ['frame.time_epoch', 'frame.len', 'frame.protocols', '_ws.malformed', 'frame.cb_pen'];

/** Every frame tshark reads from `file` (a read error just ends the list; stderr says why). */
export async function tsharkFrames(file: string): Promise<{ frames: TsharkFrame[]; customBlocks: number; stderr: string }> {
  const run = await runTool('tshark', [
    '-r', file, '-n', ...TSHARK_PREFS,
    '-T', 'fields', '-E', 'separator=/t', '-E', 'occurrence=a', '-E', 'aggregator=,',
    ...TSHARK_FIELDS.flatMap((f) => ['-e', f]),
  ]);
  const frames: TsharkFrame[] = [];
  let customBlocks = 0;
  for (const line of run.stdout.split('\n')) {
    if (line.length === 0) continue;
    const [time = '', len = '', protocols = '', malformed = '', pen = ''] = line.split('\t');
    if (pen !== '') customBlocks++;
    else frames.push({ time, len: Number(len), protocols, malformed });
  }
  const stderr = run.stderr
    .split('\n')
    .filter((l) => l && !l.startsWith('Running as user'))
    .join('\n');
  return { frames, customBlocks, stderr };
}

/** capinfos packet count and data size (sum of wire lengths) per file; files it cannot read are absent. */
export async function capinfosMany(files: string[], chunk = 200, parallel = 2): Promise<Map<string, { packets: number; wireBytes: number }>> {
  const chunks: string[][] = [];
  for (let i = 0; i < files.length; i += chunk) chunks.push(files.slice(i, i + chunk));
  const result = new Map<string, { packets: number; wireBytes: number }>();
  await mapLimit(chunks, parallel, async (names) => {
    const run = await runTool('capinfos', ['-T', '-m', '-r', '-c', '-d', ...names]);
    for (const line of run.stdout.split('\n')) {
      // "name,packets,bytes": split from the right, a name may hold commas
      const m = /^(.*),(\d*),(\d*)$/.exec(line);
      if (m && m[2] !== '') result.set(m[1]!, { packets: Number(m[2]), wireBytes: Number(m[3]) });
    }
  });
  return result;
}

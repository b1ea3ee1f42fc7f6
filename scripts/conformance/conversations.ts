// tshark's `-z conv,tcp` / `-z conv,udp` tables, and the same table built from our
// flow records, keyed the same way: protocol + the two "address:port" endpoints.
import type { FlowRecord } from '../../lib/index.js';
import { runTool } from './tools.js';

export interface Direction {
  frames: number;
  /** Exact bytes (ours); tshark's rendering of them (theirs). */
  bytes: number;
  text: string;
}

export interface Conversation {
  proto: 'tcp' | 'udp';
  a: string;
  b: string;
  /** Frames/bytes a → b and b → a. */
  ab: Direction;
  ba: Direction;
}

/** Wireshark's format_size(…, FORMAT_SIZE_UNIT_BYTES, SI): integer division by 1000ⁿ once the value reaches 10 units. */
export function formatSize(bytes: number): string {
  const units = ['bytes', 'kB', 'MB', 'GB', 'TB', 'PB'];
  for (let n = units.length - 1; n > 0; n--) {
    if (Math.floor(bytes / 1000 ** n) >= 10) return `${Math.floor(bytes / 1000 ** n)} ${units[n]}`;
  }
  return `${bytes} bytes`;
}

const ROW = /^(\S+)\s+<->\s+(\S+)\s+(\d+)\s+(\d+ \w+)\s+(\d+)\s+(\d+ \w+)\s+(\d+)\s+(\d+ \w+)/;

/** Runs tshark with reassembly off and parses both tables. `<-` is b → a and `->` a → b (tshark 4.0). */
export async function tsharkConversations(file: string): Promise<{ convs: Conversation[]; error: string }> {
  const run = await runTool('tshark', [
    '-n', '-q', '-r', file,
    '-o', 'tcp.desegment_tcp_streams:FALSE', '-o', 'ip.defragment:FALSE', '-o', 'ipv6.defragment:FALSE',
    '-z', 'conv,tcp', '-z', 'conv,udp',
  ]);
  const convs: Conversation[] = [];
  let proto: 'tcp' | 'udp' | null = null;
  for (const line of run.stdout.split('\n')) {
    if (line.startsWith('TCP Conversations')) proto = 'tcp';
    else if (line.startsWith('UDP Conversations')) proto = 'udp';
    const m = proto ? ROW.exec(line) : null;
    if (!m || !proto) continue;
    convs.push({
      proto,
      a: m[1]!,
      b: m[2]!,
      ba: { frames: Number(m[3]), bytes: Number.NaN, text: m[4]! },
      ab: { frames: Number(m[5]), bytes: Number.NaN, text: m[6]! },
    });
  }
  const error = run.code === 0 ? '' : run.stderr.trim().split('\n').pop() ?? `exit ${run.code}`;
  return { convs, error };
}

const endpoint = (ip: string, port: number): string => `${ip}:${port}`;

/** Sums flow records per (protocol, endpoint pair), across VLANs, sources and port reuse, as tshark does. */
export function ourConversations(records: Iterable<FlowRecord>): Map<string, Conversation> {
  const out = new Map<string, Conversation>();
  for (const r of records) {
    if (r.proto !== 6 && r.proto !== 17) continue;
    const proto = r.proto === 6 ? 'tcp' : 'udp';
    const s = endpoint(r.src_ip, r.src_port);
    const d = endpoint(r.dst_ip, r.dst_port);
    const [a, b] = s <= d ? [s, d] : [d, s];
    const key = `${proto} ${a} ${b}`;
    let c = out.get(key);
    if (!c) {
      c = { proto, a, b, ab: { frames: 0, bytes: 0, text: '' }, ba: { frames: 0, bytes: 0, text: '' } };
      out.set(key, c);
    }
    const forward = a === s;
    const [sd, ds] = forward ? [c.ab, c.ba] : [c.ba, c.ab];
    sd.frames += r.packets_c2s;
    sd.bytes += r.bytes_c2s;
    ds.frames += r.packets_s2c;
    ds.bytes += r.bytes_s2c;
  }
  for (const c of out.values()) {
    c.ab.text = formatSize(c.ab.bytes);
    c.ba.text = formatSize(c.ba.bytes);
  }
  return out;
}

/** The key of a tshark row in ourConversations' map, with its directions oriented the same way. */
export function orient(c: Conversation): { key: string; ab: Direction; ba: Direction } {
  return c.a <= c.b ? { key: `${c.proto} ${c.a} ${c.b}`, ab: c.ab, ba: c.ba } : { key: `${c.proto} ${c.b} ${c.a}`, ab: c.ba, ba: c.ab };
}

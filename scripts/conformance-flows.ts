// Flow conformance: wirewatch's flow records, summed per (protocol, endpoint
// pair), against tshark's `-z conv,tcp` and `-z conv,udp` tables (reassembly and
// defragmentation off), over ../shared/corpus and the fixtures.
//
//   npm run conformance:flows [-- --only SUBSTRING] [-- --verbose]
//
// Compared per conversation: frames in each direction exactly, and bytes in each
// direction as tshark prints them (tshark 4.0 renders sizes ≥ 10 kB as "N kB",
// so those compare at its precision; smaller ones exactly). Deliberate
// differences are the RULES below; any other difference exits 1.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CaptureError, CaptureSource, ERROR_KIND, ERROR_LAYER, FlowTable, formatAddress, LAYER, type FlowRecord } from '../lib/index.js';
import { corpusCaptures, fixtureCaptures, type Capture } from './conformance/corpus.js';
import { formatSize, orient, ourConversations, tsharkConversations, type Conversation } from './conformance/conversations.js';
import { mapLimit } from './conformance/tools.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const SUPPORTED_LINKS = new Set([0, 1, 12, 14, 101, 108, 113, 276]);

const args = process.argv.slice(2);
const verbose = args.includes('--verbose');
const onlyAt = args.indexOf('--only');
const only = onlyAt >= 0 ? args[onlyAt + 1] : undefined;

interface Ours {
  records: FlowRecord[];
  linkTypes: Set<number>;
  error: string;
  /** Frames whose TCP options the snaplen cut, per directed "proto a b" key (a = sender): see RULES. */
  optionsCut: Map<string, { frames: number; bytes: number }>;
  /** "a b" (sorted) address pairs of every frame's outermost IP header. */
  outerPairs: Set<string>;
}

const pairKey = (x: string, y: string): string => (x <= y ? `${x} ${y}` : `${y} ${x}`);
/** "ip:port" → "ip" (IPv6 addresses contain colons: cut at the last one). */
const ipOf = (endpoint: string): string => endpoint.slice(0, endpoint.lastIndexOf(':'));

/** Notes a frame whose TCP header is complete up to the options but cut inside them. */
function noteOptionsCut(out: Ours, b: import('../lib/index.js').Batch, i: number): void {
  const o = i * 16;
  const src = `${formatAddress(b.srcAddrBytes.subarray(o, o + 16))}:${b.srcPort[i]}`;
  const dst = `${formatAddress(b.dstAddrBytes.subarray(o, o + 16))}:${b.dstPort[i]}`;
  const key = `tcp ${src} ${dst}`;
  const n = out.optionsCut.get(key) ?? { frames: 0, bytes: 0 };
  n.frames++;
  n.bytes += b.wireLen[i]!;
  out.optionsCut.set(key, n);
}

async function readFlows(file: string): Promise<Ours> {
  const out: Ours = { records: [], linkTypes: new Set(), error: '', optionsCut: new Map(), outerPairs: new Set() };
  const table = new FlowTable({ maxFlows: 200_000, onRecord: (r) => out.records.push(r) });
  let source: CaptureSource;
  try {
    source = CaptureSource.openFile({ file, batchRows: 1024, poolSize: 2, copyBytes: 0 });
  } catch (error) {
    if (!(error instanceof CaptureError)) throw error;
    out.error = error.kind;
    return out;
  }
  source.on('batch', (b) => {
    table.ingest(b);
    for (let i = 0; i < b.rows; i++) {
      out.linkTypes.add(b.linkType[i]!);
      if (b.layers[i]! & (LAYER.ipv4 | LAYER.ipv6)) {
        const o = i * 16;
        out.outerPairs.add(pairKey(formatAddress(b.srcAddrBytes.subarray(o, o + 16)), formatAddress(b.dstAddrBytes.subarray(o, o + 16))));
      }
      if (b.layers[i]! & LAYER.tcp && b.error[i] === ERROR_KIND.truncated && b.errorLayer[i] === ERROR_LAYER.tcp) noteOptionsCut(out, b, i);
    }
  });
  source.start();
  await source.ended();
  table.flush();
  if (source.error) out.error = source.error.kind;
  return out;
}

/** A deliberate difference: a predicate over one mismatching conversation and why it is expected. */
interface Rule {
  why: string;
  applies: (diff: { ours?: Conversation; theirs?: Conversation; flows: Ours }) => boolean;
  hits: number;
}

/** Our direction minus the frames with cut options equals tshark's, frames exactly and bytes at tshark's precision. */
function equalWithoutOptionsCut(ours: Conversation['ab'], theirs: Conversation['ab'], cut: { frames: number; bytes: number } | undefined): boolean {
  const c = cut ?? { frames: 0, bytes: 0 };
  return ours.frames - c.frames === theirs.frames && formatSize(ours.bytes - c.bytes) === theirs.text;
}

/** Files with a one-off difference, and why. */
const FILES: Record<string, string> = {
  'tcpdump/ipv6-routing-header.pcap':
    'IPv6 routing header: tshark keys the conversation by the final destination from the routing header, we by the IPv6 header\'s destination (the hop on this wire), as tcpdump and Community ID do',
  'tcpdump/ipv6-srh-insert-cksum.pcap': 'IPv6 segment routing header: same as ipv6-routing-header.pcap',
  'tcpdump/heapoverflow-tcp_print.pcap': 'TCP header with a bogus data offset in a 64-byte capture: tshark stops before its tap, we account the ports and length',
  'tcpdump/tcp-auth-heapoverflow.pcap': 'same frame as heapoverflow-tcp_print.pcap',
  'tcpdump/mptcp-dss-oobr.pcap': 'malformed MPTCP option: tshark throws in the option before its conversation tap; the TCP header itself is complete',
  'tcpdump/bigtcp-ipv4.pcap': 'IPv4 total length 0 (BIG TCP/TSO): we flag the header malformed and keep the frame out of flows; tshark takes the length from the frame',
  'tcpdump/ipv4_tcp_http_xml_tso.pcap': 'IPv4 total length 0 (TSO): as bigtcp-ipv4.pcap',
  'libpcap/filter__ipv6_ext_headers.pcap': 'more than 16 IPv6 extension headers: we stop at 16 (bounded work per packet) and call it malformed',
};

const RULES: Rule[] = [
  {
    why:
      'a conversation inside a tunnel or encapsulation (VXLAN, Geneve, GRE, ERSPAN, NSH, MPLS, MACsec, PIM register, OpenFlow): ' +
      'its addresses are in no outermost IP header; we account the outer flow (tunnels are a later step, DESIGN §5)',
    applies: ({ ours, theirs, flows }) => ours === undefined && theirs !== undefined && !flows.outerPairs.has(pairKey(ipOf(theirs.a), ipOf(theirs.b))),
    hits: 0,
  },
  {
    why:
      'TCP options cut by the snaplen: tshark throws inside the options and never reaches its conversation tap; ' +
      'we account the frame to its flow (ports, flags and lengths were captured)',
    applies: ({ ours, theirs, flows }) =>
      ours !== undefined &&
      theirs !== undefined &&
      equalWithoutOptionsCut(ours.ab, theirs.ab, flows.optionsCut.get(`tcp ${ours.a} ${ours.b}`)) &&
      equalWithoutOptionsCut(ours.ba, theirs.ba, flows.optionsCut.get(`tcp ${ours.b} ${ours.a}`)),
    hits: 0,
  },
];

const captures = [...corpusCaptures(join(root, '..', 'shared', 'corpus')), ...fixtureCaptures(join(root, 'fixtures'))].filter(
  (c) => !only || c.name.includes(only),
);

const stats = { files: 0, skipped: 0, convs: 0, frames: 0, matched: 0, listed: 0 };
const failures: string[] = [];

function dirText(d: { frames: number; text: string } | undefined): string {
  return d ? `${d.frames}f/${d.text}` : '-';
}

async function check(c: Capture): Promise<void> {
  // Files libpcap or Wireshark cannot read to the end compare different frame sets.
  if (c.libpcap !== 'ok' || !c.wiresharkReads || c.notes.includes('count-mismatch')) {
    stats.skipped++;
    return;
  }
  // Ours first (milliseconds): captures with link types we do not decode are
  // skipped before tshark (about half a second of CPU each) is started for them.
  const ours = await readFlows(c.path);
  if ([...ours.linkTypes].some((l) => !SUPPORTED_LINKS.has(l))) {
    stats.skipped++;
    return;
  }
  const theirs = await tsharkConversations(c.path);
  stats.files++;
  if (ours.error) failures.push(`${c.name}: ours ended with ${ours.error}`);
  if (theirs.error) failures.push(`${c.name}: tshark: ${theirs.error}`);
  const mine = ourConversations(ours.records);
  // tshark splits a reused endpoint pair into several rows (a new SYN after a close); sum them like ours.
  const summed = new Map<string, Conversation>();
  for (const t of theirs.convs) {
    const { key, ab, ba } = orient(t);
    const [, a, b] = key.split(' ') as [string, string, string];
    const s = summed.get(key);
    if (!s) summed.set(key, { proto: t.proto, a, b, ab: { ...ab, bytes: 0 }, ba: { ...ba, bytes: 0 } });
    else {
      // Two rows' byte texts cannot be added at tshark's precision unless both are exact.
      const add = (x: Conversation['ab'], y: Conversation['ab']) => {
        x.frames += y.frames;
        const m = /^(\d+) bytes$/.exec(x.text);
        const n = /^(\d+) bytes$/.exec(y.text);
        x.text = m && n ? formatSize(Number(m[1]) + Number(n[1])) : `${x.text}+${y.text}`;
      };
      add(s.ab, ab);
      add(s.ba, ba);
    }
  }
  const seen = new Set<string>();
  for (const [key, t] of summed) {
    seen.add(key);
    stats.convs++;
    stats.frames += t.ab.frames + t.ba.frames;
    const o = mine.get(key);
    if (o && o.ab.frames === t.ab.frames && o.ba.frames === t.ba.frames && o.ab.text === t.ab.text && o.ba.text === t.ba.text) {
      stats.matched++;
      continue;
    }
    report(c, ours, key, o, t);
  }
  for (const [key, o] of mine) if (!seen.has(key)) report(c, ours, key, o, undefined);
}

const fileHits = new Map<string, number>();

function report(c: Capture, flows: Ours, key: string, ours: Conversation | undefined, theirs: Conversation | undefined): void {
  if (FILES[c.name] !== undefined) {
    fileHits.set(c.name, (fileHits.get(c.name) ?? 0) + 1);
    stats.listed++;
    return;
  }
  const rule = RULES.find((r) => r.applies({ ours, theirs, flows }));
  if (rule) {
    rule.hits++;
    stats.listed++;
    return;
  }
  failures.push(
    `${c.name}: ${key}: ours ${dirText(ours?.ab)} → ${dirText(ours?.ba)} ←, tshark ${dirText(theirs?.ab)} → ${dirText(theirs?.ba)} ←`,
  );
}

const started = Date.now();
await mapLimit(captures, 2, async (c, i) => {
  await check(c);
  if ((i + 1) % 100 === 0) process.stderr.write(`  ${i + 1}/${captures.length} captures\n`);
});

process.stdout.write(
  `flow conformance: ${stats.files} captures compared (${stats.skipped} skipped: unreadable to the end or unsupported link type), ` +
    `${stats.convs} tshark conversations with ${stats.frames} frames, ${stats.matched} equal, ${stats.listed} listed differences, ` +
    `${failures.length} unexpected, ${((Date.now() - started) / 1000).toFixed(0)} s\n`,
);
for (const r of RULES) {
  if (only === undefined && r.hits === 0) failures.push(`rule never applied (stale): ${r.why}`);
  process.stdout.write(`  listed: ${r.hits} × ${r.why}\n`);
}
for (const [file, why] of Object.entries(FILES)) {
  const n = fileHits.get(file) ?? 0;
  if (only === undefined && n === 0) failures.push(`${file}: listed in FILES but no difference occurred (stale entry)`);
  else if (n > 0) process.stdout.write(`  listed: ${n} × ${file}: ${why}\n`);
}
for (const f of failures.slice(0, verbose ? Infinity : 40)) process.stdout.write(`  UNEXPECTED ${f}\n`);
if (failures.length > 40 && !verbose) process.stdout.write(`  ... ${failures.length - 40} more (--verbose)\n`);
process.exitCode = failures.length > 0 ? 1 : 0;

// Check generated captures against Wireshark's own reading of them.
//
//   npx tsx scripts/pcap/verify.ts [DIR]        (default: fixtures/)
//
// For every file in DIR/expected.json: capinfos packet count, data size (wire
// bytes) and first/last timestamps; tshark per-frame protocol stacks turned into
// the DESIGN §7 layer counts; no malformed frames, no expert errors, no bad
// IP/TCP/UDP/ICMP/ICMPv6/IGMP checksums (checksum validation switched on).
// Exit 0 when everything agrees, 1 otherwise. Needs tshark and capinfos.

import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const PREFS = [
  '-o', 'ip.defragment:FALSE', '-o', 'ipv6.defragment:FALSE',
  '-o', 'tcp.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE', '-o', 'ip.check_checksum:TRUE',
];
const CHECKSUM_FIELDS = ['ip.checksum.status', 'tcp.checksum.status', 'udp.checksum.status', 'icmp.checksum.status', 'icmpv6.checksum.status', 'igmp.checksum.status'];
const EXPERT_ERROR = 0x00800000;

type Layers = Record<'ethernet' | 'vlan' | 'arp' | 'ipv4' | 'ipv6' | 'tcp' | 'udp' | 'icmp' | 'icmpv6' | 'other', number>;

function run(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'ignore'] });
}

const V6_EXT = new Set(['ipv6.hopopts', 'ipv6.dstopts', 'ipv6.routing', 'ipv6.fraghdr']);

/** DESIGN §7 layer counting from one tshark frame.protocols string. */
export function layersOf(protocols: string, c: Layers): void {
  const p = protocols.split(':');
  if (p[1] === 'eth' || p[0] === 'eth') c.ethernet++;
  const l3 = p.findIndex((x) => x === 'arp' || x === 'ip' || x === 'ipv6');
  const linkPart = l3 < 0 ? p : p.slice(0, l3);
  if (linkPart.includes('vlan') || linkPart.includes('ieee8021ad')) c.vlan++;
  if (l3 < 0) { c.other++; return; }
  const k = p[l3];
  if (k === 'arp') { c.arp++; return; }
  if (k === 'ip') c.ipv4++; else c.ipv6++;
  let j = l3 + 1;
  while (j < p.length && V6_EXT.has(p[j])) j++;
  switch (p[j]) {
    case 'tcp': c.tcp++; break;
    case 'udp': c.udp++; break;
    case 'icmp': c.icmp++; break;
    case 'icmpv6': c.icmpv6++; break;
  }
}

export interface VerifyResult { file: string; ok: boolean; problems: string[] }

export function verifyFile(file: string, exp: { packets: number; wire_bytes: number; first_ts: string; last_ts: string; layers: Layers }): VerifyResult {
  const problems: string[] = [];
  const ci = run('capinfos', ['-M', '-c', '-d', '-S', '-a', '-e', file]);
  const field = (name: string): string => (ci.match(new RegExp(`^${name}:\\s+(.*)$`, 'm'))?.[1] ?? '').trim();
  const nPk = Number(field('Number of packets'));
  const data = Number(field('Data size').replace(/ bytes$/, ''));
  const first = field('First packet time');
  const last = field('Last packet time');
  if (nPk !== exp.packets) problems.push(`capinfos packets ${nPk} != ${exp.packets}`);
  if (data !== exp.wire_bytes) problems.push(`capinfos data size ${data} != wire_bytes ${exp.wire_bytes}`);
  // capinfos prints as many digits as the file's resolution
  const ts9 = (s: string): string => { const [a, b = ''] = s.split('.'); return `${a}.${b.padEnd(9, '0')}`; };
  if (ts9(first) !== exp.first_ts) problems.push(`capinfos first ${first} != ${exp.first_ts}`);
  if (ts9(last) !== exp.last_ts) problems.push(`capinfos last ${last} != ${exp.last_ts}`);

  const out = run('tshark', ['-r', file, ...PREFS, '-T', 'fields', '-E', 'separator=\t', '-E', 'occurrence=a', '-E', 'aggregator=,',
    '-e', 'frame.number', '-e', 'frame.protocols', '-e', '_ws.expert.severity', '-e', '_ws.expert.message', '-e', '_ws.malformed',
    ...CHECKSUM_FIELDS.flatMap((f) => ['-e', f])]);
  const c: Layers = { ethernet: 0, vlan: 0, arp: 0, ipv4: 0, ipv6: 0, tcp: 0, udp: 0, icmp: 0, icmpv6: 0, other: 0 };
  let frames = 0;
  for (const line of out.split('\n')) {
    if (!line) continue;
    const f = line.split('\t');
    frames++;
    layersOf(f[1], c);
    const sev = (f[2] ?? '').split(',').filter(Boolean).map(Number);
    const msgs = (f[3] ?? '').split(',');
    sev.forEach((s, k) => { if (s >= EXPERT_ERROR) problems.push(`frame ${f[0]}: expert error: ${msgs[k] ?? ''}`); });
    if (f[4] || f[1].includes('_ws.malformed')) problems.push(`frame ${f[0]}: malformed (${f[1]})`);
    CHECKSUM_FIELDS.forEach((name, k) => {
      for (const st of (f[5 + k] ?? '').split(',').filter(Boolean)) {
        // the status of quoted headers inside ICMP errors is not ours to check (they are truncated)
        if (st === '0' && !(f[1].match(/icmp(v6)?:.*(ip|ipv6):/))) problems.push(`frame ${f[0]}: bad ${name}`);
      }
    });
  }
  if (frames !== exp.packets) problems.push(`tshark frames ${frames} != ${exp.packets}`);
  for (const k of Object.keys(c) as (keyof Layers)[]) {
    if (c[k] !== exp.layers[k]) problems.push(`layers.${k}: tshark ${c[k]} != expected ${exp.layers[k]}`);
  }
  return { file: path.basename(file), ok: problems.length === 0, problems };
}

function main(): void {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  const dir = process.argv[2] ?? path.join(root, 'fixtures');
  const expected = JSON.parse(fs.readFileSync(path.join(dir, 'expected.json'), 'utf8'));
  let bad = 0;
  for (const [name, exp] of Object.entries(expected)) {
    const r = verifyFile(path.join(dir, name), exp as never);
    process.stdout.write(`${r.ok ? 'ok  ' : 'FAIL'} ${name}\n`);
    for (const p of r.problems.slice(0, 20)) process.stdout.write(`     ${p}\n`);
    if (r.problems.length > 20) process.stdout.write(`     ... ${r.problems.length - 20} more\n`);
    if (!r.ok) bad++;
  }
  process.exit(bad ? 1 : 0);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();

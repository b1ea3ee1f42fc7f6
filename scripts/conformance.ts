// Conformance of the capture core and the packet parser against libpcap,
// capinfos and tshark, over the real-world corpus (../shared/corpus) and the
// generated fixtures.
//
//   npm run conformance [-- --verbose] [-- --only SUBSTRING]
//
// Per capture:
//  a. capture fidelity: our packet count and wire bytes equal libpcap's
//     (INDEX.tsv; expected.json for fixtures) and capinfos' (except where INDEX
//     notes a count-mismatch or a libpcap read/open error, where our error kind
//     must be truncated_file or bad_file, or Wireshark cannot read the file);
//     every frame's timestamp and wire length equal tshark's where the frame
//     counts agree;
//  b. parser conformance, per frame of a supported link type: our LAYER bits
//     ('layers') and the layers LayerCounts counts ('counted') equal the
//     outermost layers of tshark's frame.protocols (scripts/conformance/chain.ts);
//     a frame tshark calls malformed in a layer we decode has an error kind; a
//     frame of any other link type has error unsupported_link; LayerCounts over
//     the file equals the per-frame counted layers;
//  c. deliberate differences are listed in scripts/conformance/differences.ts and
//     must occur exactly as listed.
// Exit 1 on any unexpected or stale difference. Needs tshark and capinfos.
import { existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ERROR_KIND, ERROR_KIND_NAMES, ERROR_LAYER, LAYER, LayerCounts, countedLayers } from '../lib/index.js';
import { COMPARED, COMPARED_MASK, layerNames, outermost } from './conformance/chain.js';
import { corpusCaptures, fixtureCaptures, type Capture } from './conformance/corpus.js';
import { FRAMES, RULES, type Check, type Facts } from './conformance/differences.js';
import { readOurs, type OurCapture } from './conformance/ours.js';
import { capinfosMany, mapLimit, runTool, tsharkFrames, type TsharkFrame } from './conformance/tools.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const corpusDir = join(root, '..', 'shared', 'corpus');
const fixturesDir = join(root, 'fixtures');
const SUPPORTED_LINKS = new Set([0, 1, 12, 14, 101, 108, 113, 276]);
const PARALLEL = 2;
const PROGRESS_EVERY = 100;
const SHOW_PER_CATEGORY = 25;

const args = process.argv.slice(2);
const verbose = args.includes('--verbose') || args.includes('-v');
const onlyAt = args.indexOf('--only');
const only = onlyAt >= 0 ? args[onlyAt + 1] : undefined;

const CATEGORIES = [
  'count vs libpcap', 'error kind', 'capinfos', 'timestamp', 'frame length', 'frames not aligned',
  'layers', 'counted', 'layer counts', 'malformed', 'unsupported link', 'stale difference',
] as const;
type Category = (typeof CATEGORIES)[number];

/** Unexpected differences by category, one line of detail each. */
const failures = new Map<Category, string[]>(CATEGORIES.map((c) => [c, []]));
const fail = (category: Category, detail: string): void => void failures.get(category)!.push(detail);

// --- deliberate differences: which listed (check, frame) pairs occurred
const hitKey = (check: Check, frame: number) => `${check}#${frame}`;
const frameHits = FRAMES.map(() => new Set<string>());
const ruleHits = RULES.map(() => 0);
const framesByFile = new Map<string, number[]>();
FRAMES.forEach((d, k) => framesByFile.set(d.file, [...(framesByFile.get(d.file) ?? []), k]));
const listedByCheck = new Map<Check, number>();

/** True when the difference is listed (and records the hit). */
function listed(facts: Facts, diff = ''): boolean {
  const { check } = facts;
  let hit = false;
  for (const k of framesByFile.get(facts.file) ?? []) {
    const d = FRAMES[k]!;
    if (!d.checks.includes(check)) continue;
    if (d.frames ? !d.frames.includes(facts.frame) : facts.frame !== 0) continue;
    if (d.diff !== undefined && d.diff !== diff) continue;
    frameHits[k]!.add(hitKey(check, facts.frame));
    hit = true;
  }
  if (!hit) {
    for (let k = 0; k < RULES.length && !hit; k++) {
      const r = RULES[k]!;
      if (r.checks.includes(check) && r.applies(facts)) {
        ruleHits[k]!++;
        hit = true;
      }
    }
  }
  if (hit) listedByCheck.set(check, (listedByCheck.get(check) ?? 0) + 1);
  return hit;
}

function facts(check: Check, c: Capture, frame: number, extra: Partial<Facts> = {}): Facts {
  return {
    check, file: c.name, frame, tokens: [], scopeEnd: -1, linkType: -1, layers: 0,
    ourTime: '', tsharkTime: '', ourBytes: 0, refBytes: 0, packets: 0, ...extra,
  };
}

const stats = {
  files: 0,
  corpusFiles: 0,
  fixtureFiles: 0,
  frames: 0,
  framesTimed: 0,
  framesCompared: 0,
  malformedFrames: 0,
  unsupportedFrames: 0,
  prefixFiles: 0,
  noWireshark: 0,
  capinfosSkipped: 0,
  customBlocks: 0,
};
/** Totals over compared frames: tshark's outermost layers, our counted layers, our LAYER bits. */
const totals = Object.fromEntries(COMPARED.map((k) => [k, { tshark: 0, counted: 0, bits: 0 }])) as Record<
  (typeof COMPARED)[number],
  { tshark: number; counted: number; bits: number }
>;

function diffString(tshark: number, ours: number): string {
  const parts: string[] = [];
  for (const k of COMPARED) {
    const b = LAYER[k];
    if (tshark & b && !(ours & b)) parts.push(`-${k}`);
    else if (ours & b && !(tshark & b)) parts.push(`+${k}`);
  }
  return parts.join(' ');
}

function rowText(o: OurCapture, i: number): string {
  const errLayer = Object.entries(ERROR_LAYER).find(([, v]) => v === o.errorLayer[i])?.[0] ?? String(o.errorLayer[i]);
  return (
    `ours=[${layerNames(o.layers[i]!).join(',')}] l3=${o.l3[i]} proto=${o.ipProto[i]} frag=${o.frag[i]} ` +
    `error=${ERROR_KIND_NAMES[o.error[i]!] ?? o.error[i]}/${errLayer}`
  );
}

/** The link type of every row, or -1 when they differ (or there are none). */
function fileLinkType(o: OurCapture): number {
  if (o.packets === 0) return -1;
  const first = o.linkType[0]!;
  for (let i = 1; i < o.packets; i++) if (o.linkType[i] !== first) return -1;
  return first;
}

function checkFidelity(c: Capture, o: OurCapture, t: TsharkFrame[], ci: { packets: number; wireBytes: number } | undefined): void {
  const libpcapFailed = c.libpcap !== 'ok';
  if (o.packets !== c.packets || o.wireBytes !== c.wireBytes) {
    fail('count vs libpcap', `${c.name}: ours ${o.packets} frames/${o.wireBytes} B, libpcap ${c.packets}/${c.wireBytes}`);
  }
  if (libpcapFailed) {
    if (o.errorKind !== 'truncated_file' && o.errorKind !== 'bad_file') {
      fail('error kind', `${c.name}: libpcap "${c.libpcap}", ours ${o.errorKind ?? 'no error'}`);
    }
  } else if (o.errorKind !== null) {
    fail('error kind', `${c.name}: libpcap reads it, ours ${o.errorKind}: ${o.errorMessage}`);
  }

  if (!c.wiresharkReads) stats.noWireshark++;
  if (libpcapFailed || c.notes.includes('count-mismatch') || !c.wiresharkReads) stats.capinfosSkipped++;
  else if (!ci) fail('capinfos', `${c.name}: capinfos could not read it`);
  else if (ci.packets !== o.packets || ci.wireBytes !== o.wireBytes) {
    const f = facts('capinfos', c, 0, { linkType: fileLinkType(o), ourBytes: o.wireBytes, refBytes: ci.wireBytes, packets: o.packets });
    if (ci.packets !== o.packets || !listed(f)) {
      fail('capinfos', `${c.name}: ours ${o.packets}/${o.wireBytes} B, capinfos ${ci.packets}/${ci.wireBytes}`);
    }
  }

  if (t.length !== o.packets) return;
  stats.framesTimed += o.packets;
  for (let i = 0; i < o.packets; i++) {
    const frame = t[i]!;
    if (frame.time !== o.times[i]) {
      const f = facts('timestamp', c, i + 1, { linkType: o.linkType[i]!, ourTime: o.times[i]!, tsharkTime: frame.time });
      if (!listed(f)) fail('timestamp', `${c.name}#${i + 1}: ours ${o.times[i]}, tshark ${frame.time || '(none)'}`);
    }
    if (frame.len !== o.wireLen[i]) {
      const f = facts('frame length', c, i + 1, { linkType: o.linkType[i]!, ourBytes: o.wireLen[i]!, refBytes: frame.len, packets: 1 });
      if (!listed(f)) fail('frame length', `${c.name}#${i + 1}: ours ${o.wireLen[i]}, tshark ${frame.len}`);
    }
  }
}

/** How many leading frames the parser check compares. */
function alignedFrames(c: Capture, o: OurCapture, t: TsharkFrame[]): number {
  if (t.length === o.packets) return o.packets;
  // Frame counts differ (libpcap stopped at a read error, or Wireshark reads the
  // file differently): compare the common prefix when it provably is the same frames.
  const n = Math.min(t.length, o.packets);
  for (let i = 0; i < n; i++) {
    const time = t[i]!.time === '' ? '0.000000000' : t[i]!.time; // a pcapng Simple Packet Block has none
    if (time !== o.times[i] || t[i]!.len !== o.wireLen[i]) {
      fail('frames not aligned', `${c.name}: ours ${o.packets} frames, tshark ${t.length}; frame ${i + 1} differs`);
      return 0;
    }
  }
  if (n > 0) stats.prefixFiles++;
  return n;
}

function checkParser(c: Capture, o: OurCapture, t: TsharkFrame[]): void {
  // Every row of a link type we do not decode says so, whatever tshark makes of it.
  const sum = new LayerCounts();
  for (let i = 0; i < o.packets; i++) {
    if (SUPPORTED_LINKS.has(o.linkType[i]!)) continue;
    stats.unsupportedFrames++;
    if (o.error[i] !== ERROR_KIND.unsupported_link) {
      fail('unsupported link', `${c.name}#${i + 1}: link type ${o.linkType[i]}, ${rowText(o, i)}`);
    }
  }
  const n = alignedFrames(c, o, t);
  for (let i = 0; i < o.packets; i++) {
    const counted = countedLayers(o.layers[i]!, o.l3[i]!, o.ipProto[i]!, o.frag[i]!, o.errorLayer[i]!);
    tally(sum, counted, o.wireLen[i]!, o.error[i]!);
    const link = o.linkType[i]!;
    if (i >= n || !SUPPORTED_LINKS.has(link)) continue;
    const frame = t[i]!;
    stats.framesCompared++;
    const chain = outermost(frame.protocols);
    const base = { tokens: chain.tokens, scopeEnd: chain.scopeEnd, linkType: link, layers: o.layers[i]! };
    const bits = o.layers[i]! & COMPARED_MASK;
    for (const k of COMPARED) {
      const b = LAYER[k];
      if (chain.bits & b) totals[k].tshark++;
      if (counted & b) totals[k].counted++;
      if (bits & b) totals[k].bits++;
    }
    if (bits !== chain.bits) {
      const diff = diffString(chain.bits, bits);
      if (!listed(facts('layers', c, i + 1, base), diff)) {
        fail('layers', `${c.name}#${i + 1}: ${diff}  tshark=${frame.protocols} ${rowText(o, i)}`);
      }
    }
    if (counted !== chain.bits) {
      const diff = diffString(chain.bits, counted);
      if (!listed(facts('counted', c, i + 1, base), diff)) {
        fail('counted', `${c.name}#${i + 1}: ${diff}  tshark=${frame.protocols} ${rowText(o, i)}`);
      }
    }
    if (frame.malformed) {
      stats.malformedFrames++;
      if (o.error[i] === ERROR_KIND.none && !listed(facts('malformed', c, i + 1, base))) {
        const where = /\[Malformed Packet: ([^\]]*)\]/.exec(frame.malformed)?.[1] ?? '?';
        fail('malformed', `${c.name}#${i + 1}: tshark malformed in ${where} (${frame.protocols}), ${rowText(o, i)}`);
      }
    }
  }
  // LayerCounts (fed batch by batch) = the per-frame countedLayers() checked above.
  const a = JSON.stringify(o.counts.toJSON());
  const b = JSON.stringify(sum.toJSON());
  if (a !== b) fail('layer counts', `${c.name}: LayerCounts ${a}, per frame ${b}`);
}

/** Adds one row, already reduced to its counted LAYER bits, to `c`. */
function tally(c: LayerCounts, bits: number, wireLen: number, error: number): void {
  c.packets++;
  c.bytes += wireLen;
  for (const k of COMPARED) if (bits & LAYER[k]) c[k]++;
  if (!(bits & (LAYER.arp | LAYER.ipv4 | LAYER.ipv6))) c.other++;
  if (error === ERROR_KIND.truncated) c.truncated++;
  else if (error === ERROR_KIND.malformed) c.malformed++;
  else if (error === ERROR_KIND.unsupported_link) c.unsupportedLink++;
}

async function main(): Promise<void> {
  const started = Date.now();
  for (const tool of ['tshark', 'capinfos']) {
    const ok = await runTool(tool, ['--version']).then((r) => r.code === 0, () => false);
    if (!ok) {
      process.stderr.write(`conformance: ${tool} not found (it comes with Wireshark: apt-get install tshark)\n`);
      process.exit(1);
    }
  }
  let captures: Capture[] = [];
  if (existsSync(join(corpusDir, 'INDEX.tsv'))) {
    captures.push(...corpusCaptures(corpusDir));
  } else {
    process.stderr.write(`conformance: no corpus at ${relative(root, corpusDir)}: skipping it, checking fixtures only\n`);
  }
  captures.push(...fixtureCaptures(fixturesDir));
  if (only) captures = captures.filter((c) => c.name.includes(only));
  stats.fixtureFiles = captures.filter((c) => c.name.startsWith('fixtures/')).length;
  stats.corpusFiles = captures.length - stats.fixtureFiles;

  const capinfos = await capinfosMany(captures.map((c) => c.path), 250, PARALLEL);
  process.stderr.write(`capinfos: ${capinfos.size}/${captures.length} files read, ${((Date.now() - started) / 1000).toFixed(1)} s\n`);

  // tshark runs PARALLEL at a time; our side reads in-process, one file at a time.
  let ourTurn: Promise<unknown> = Promise.resolve();
  let done = 0;
  await mapLimit(captures, PARALLEL, async (c) => {
    const oursP = ourTurn.then(() => readOurs(c.path));
    ourTurn = oursP.catch(() => undefined);
    const [t, o] = await Promise.all([tsharkFrames(c.path), oursP]);
    stats.files++;
    stats.frames += o.packets;
    stats.customBlocks += t.customBlocks;
    checkFidelity(c, o, t.frames, capinfos.get(c.path));
    checkParser(c, o, t.frames);
    if (++done % PROGRESS_EVERY === 0 || done === captures.length) {
      const bad = [...failures.values()].reduce((s, l) => s + l.length, 0);
      process.stderr.write(
        `[${done}/${captures.length}] ${stats.frames} frames, ${bad} unexpected, ${((Date.now() - started) / 1000).toFixed(0)} s\n`,
      );
    }
  });

  // A listed difference that did not occur is stale (rules: only judged on a full run).
  const fullRun = !only && stats.corpusFiles > 0;
  const checked = new Set(captures.map((c) => c.name));
  FRAMES.forEach((d, k) => {
    if (!checked.has(d.file)) return;
    for (const check of d.checks) {
      const missing = (d.frames ?? [0]).filter((f) => !frameHits[k]!.has(hitKey(check, f)));
      if (missing.length) {
        fail('stale difference', `${d.file} ${check}${d.diff ? ` ${d.diff}` : ''} frames ${missing.join(',')}: listed, did not occur`);
      }
    }
  });
  if (fullRun) RULES.forEach((r, k) => ruleHits[k] === 0 && fail('stale difference', `rule ${r.rule}: matched nothing`));

  const elapsed = (Date.now() - started) / 1000;
  const out: string[] = [];
  for (const [category, list] of failures) {
    if (!list.length) continue;
    out.push(`\n${category}: ${list.length} unexpected`);
    for (const line of verbose ? list : list.slice(0, SHOW_PER_CATEGORY)) out.push(`  ${line}`);
    if (!verbose && list.length > SHOW_PER_CATEGORY) out.push(`  ... ${list.length - SHOW_PER_CATEGORY} more (--verbose)`);
  }
  const rows: [string, string | number][] = [
    ['files checked', `${stats.files} (${stats.corpusFiles} corpus, ${stats.fixtureFiles} fixtures)`],
    ['  capinfos not compared', `${stats.capinfosSkipped} (libpcap error or count-mismatch in INDEX, or Wireshark cannot read: ${stats.noWireshark})`],
    ['  compared on a common prefix', `${stats.prefixFiles} (frame counts differ)`],
    ['frames read', stats.frames],
    ['  timestamps/lengths compared', stats.framesTimed],
    ['  layers compared', stats.framesCompared],
    ['  tshark-malformed among them', stats.malformedFrames],
    ['  unsupported link type', stats.unsupportedFrames],
    ['tshark custom-block records skipped', stats.customBlocks],
  ];
  for (const check of ['capinfos', 'timestamp', 'frame length', 'layers', 'counted', 'malformed'] as Check[]) {
    rows.push([`listed differences: ${check}`, listedByCheck.get(check) ?? 0]);
  }
  for (const k of CATEGORIES) rows.push([`unexpected: ${k}`, failures.get(k)!.length]);
  rows.push(['elapsed', `${elapsed.toFixed(1)} s`]);
  const width = Math.max(...rows.map(([k]) => k.length));
  out.push('', 'conformance summary', ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`));
  out.push('', `  ${'layer'.padEnd(8)} ${'tshark'.padStart(8)} ${'counted'.padStart(8)} ${'bits'.padStart(8)}   (frames compared)`);
  for (const k of COMPARED) {
    const v = totals[k];
    out.push(`  ${k.padEnd(8)} ${String(v.tshark).padStart(8)} ${String(v.counted).padStart(8)} ${String(v.bits).padStart(8)}`);
  }
  const unexpected = [...failures.values()].reduce((s, l) => s + l.length, 0);
  out.push('', unexpected ? `FAIL: ${unexpected} unexpected differences` : 'OK: no unexpected differences');
  process.stdout.write(out.join('\n') + '\n');
  process.exitCode = unexpected ? 1 : 0;
}

await main();

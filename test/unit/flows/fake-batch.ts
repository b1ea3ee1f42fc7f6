// Builds real Batch objects (the addon's layout, lib/capture/layout.ts) from a
// list of packets described in plain words, so flow tests feed exact rows.
import { Batch } from '../../../lib/capture/batch.js';
import { batchBytes, HEADER, HEADER_WORDS, L3, LAYER } from '../../../lib/capture/layout.js';

/** 2026-01-01T00:00:00Z: packet times in tests are seconds after this. */
export const BASE_SEC = 1_767_225_600;

export const F = { FIN: 1, SYN: 2, RST: 4, PSH: 8, ACK: 16 } as const;

export interface FakePacket {
  /** Seconds after BASE_SEC (fractions become nanoseconds). */
  t: number;
  src: string;
  dst: string;
  /** ICMP: type. */
  sport?: number;
  /** ICMP: code. */
  dport?: number;
  proto: number;
  flags?: number;
  len?: number;
  vlan?: number;
  sourceId?: number;
  frag?: number;
  /** Overrides the computed flow hash (to force collisions). */
  hash?: number;
  /** A non-IP row (ARP, LLDP). */
  nonIp?: boolean;
  /** The L4 header did not parse (its layer bit stays clear). */
  malformed?: boolean;
}

/** 16 address bytes: dotted IPv4 becomes v4-mapped. */
export function addressBytes(text: string): Uint8Array {
  const out = new Uint8Array(16);
  if (text.includes('.')) {
    out[10] = out[11] = 0xff;
    text.split('.').forEach((part, i) => (out[12 + i] = Number(part)));
    return out;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const groups = (s: string | undefined) => (s ? s.split(':').map((g) => parseInt(g, 16)) : []);
  const h = groups(head);
  const t = groups(tail);
  const all = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill(0), ...t];
  all.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  return out;
}

/** A direction-independent stand-in for the parser's hash (FNV-1a over the sorted endpoints). */
function fakeHash(p: FakePacket, a: Uint8Array, b: Uint8Array): number {
  const icmp = p.proto === 1 || p.proto === 58;
  const ea = [...a, ...(icmp ? [0, 0] : [(p.sport ?? 0) >> 8, (p.sport ?? 0) & 0xff])];
  const eb = [...b, ...(icmp ? [0, 0] : [(p.dport ?? 0) >> 8, (p.dport ?? 0) & 0xff])];
  const [x, y] = ea.join(',') <= eb.join(',') ? [ea, eb] : [eb, ea];
  let h = 0x811c9dc5;
  for (const byte of [...x, ...y, p.proto, p.vlan ?? 0, p.sourceId ?? 0]) h = Math.imul(h ^ byte, 0x01000193);
  return h >>> 0;
}

export function makeBatch(packets: FakePacket[]): Batch {
  const capacity = Math.max(1, packets.length);
  const buffer = new ArrayBuffer(batchBytes(capacity, 0));
  const batch = new Batch(buffer, 0, capacity, 0);
  const header = new Uint32Array(buffer, 0, HEADER_WORDS);
  header[HEADER.rows] = packets.length;
  header[HEADER.capacity] = capacity;
  packets.forEach((p, i) => {
    const whole = Math.floor(p.t);
    batch.tsSec[i] = BASE_SEC + whole;
    batch.tsNsec[i] = Math.round((p.t - whole) * 1e9);
    batch.wireLen[i] = batch.capLen[i] = p.len ?? 60;
    batch.sourceId[i] = p.sourceId ?? 0;
    batch.vlan[i] = p.vlan ?? 0;
    if (p.nonIp) {
      batch.l3[i] = L3.arp;
      batch.layers[i] = LAYER.ethernet | LAYER.arp;
      return;
    }
    const a = addressBytes(p.src);
    const b = addressBytes(p.dst);
    const v6 = !p.src.includes('.');
    batch.srcAddrBytes.set(a, i * 16);
    batch.dstAddrBytes.set(b, i * 16);
    batch.l3[i] = v6 ? L3.ipv6 : L3.ipv4;
    batch.ipProto[i] = p.proto;
    batch.frag[i] = p.frag ?? 0;
    batch.srcPort[i] = p.sport ?? 0;
    batch.dstPort[i] = p.dport ?? 0;
    batch.tcpFlags[i] = p.flags ?? 0;
    const l4 = { 6: LAYER.tcp, 17: LAYER.udp, 1: LAYER.icmp, 58: LAYER.icmpv6 }[p.proto] ?? 0;
    const nonFirst = (p.frag ?? 0) !== 0 && ((p.frag ?? 0) & 2) === 0;
    batch.layers[i] = LAYER.ethernet | (v6 ? LAYER.ipv6 : LAYER.ipv4) | (nonFirst || p.malformed ? 0 : l4);
    batch.flowHash[i] = p.hash ?? fakeHash(p, a, b);
  });
  return batch;
}

// Frame builders. Everything writes into a caller-provided Buffer: the hot
// path (big captures) builds millions of frames without allocating.
//
// A frame is described by one reusable, mutable FrameSpec; buildFrame() lays
// out link header, optional VLAN tags, ARP or IPv4/IPv6 (+ options, extension
// headers, fragments) and TCP/UDP/ICMP/ICMPv6 with correct checksums.
//
// Checksums use one's-complement arithmetic done as "sum mod 65535", which is
// equivalent and lets callers pre-sum payloads (see PayloadPool).

import {
  LINKTYPE_ETHERNET, LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2, LINKTYPE_LOOP, LINKTYPE_NULL, LINKTYPE_RAW,
} from './writer.js';

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_ARP = 0x0806;
export const ETHERTYPE_VLAN = 0x8100; // 802.1Q C-tag
export const ETHERTYPE_QINQ = 0x88a8; // 802.1ad S-tag
export const ETHERTYPE_IPV6 = 0x86dd;
export const ETHERTYPE_LLDP = 0x88cc;

export const L3_OTHER = 0;
export const L3_ARP = 1;
export const L3_IPV4 = 2;
export const L3_IPV6 = 3;

export const IPPROTO_HOPOPTS = 0;
export const IPPROTO_ICMP = 1;
export const IPPROTO_IGMP = 2;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_ROUTING = 43;
export const IPPROTO_FRAGMENT = 44;
export const IPPROTO_ESP = 50;
export const IPPROTO_ICMPV6 = 58;
export const IPPROTO_DSTOPTS = 60;

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;
export const TCP_URG = 0x20;

/** AF values used in BSD null/loop headers (IPv6 as on NetBSD/OpenBSD). */
export const AF_INET = 2;
export const AF_INET6 = 24;

/** Sizes of the IPv6 extension headers this module writes. */
export function v6ExtLen(code: number): number {
  switch (code) {
    case IPPROTO_HOPOPTS: return 8;
    case IPPROTO_DSTOPTS: return 8;
    case IPPROTO_ROUTING: return 24;
    case IPPROTO_FRAGMENT: return 8;
    default: throw new RangeError(`unsupported IPv6 extension header ${code}`);
  }
}

/** One mutable description of a frame; reuse it from packet to packet. */
export class FrameSpec {
  link = LINKTYPE_ETHERNET;
  /** Ethernet / SLL addresses. */
  srcMac = new Uint8Array(6);
  dstMac = new Uint8Array(6);
  /** VLAN tags, outermost first: TPID (0x8100 / 0x88a8) and TCI (PCP<<13 | DEI<<12 | VID). */
  vlanCount = 0;
  vlanTpid = new Uint16Array(4);
  vlanTci = new Uint16Array(4);
  /** Ethernet frames shorter than this are zero-padded (60 = minimum without FCS; 0 = never). */
  padTo = 60;
  /** SLL/SLL2 packet type (0 = to us, 1 = broadcast, 2 = multicast, 3 = other host, 4 = outgoing) and SLL2 ifindex. */
  pktType = 0;
  ifIndex = 1;

  l3 = L3_IPV4;
  /** Ethertype for L3_OTHER; the frame body is the payload. */
  etherType = 0;

  // ARP (Ethernet/IPv4)
  arpOp = 1;
  arpSha = new Uint8Array(6);
  arpSpa = new Uint8Array(4);
  arpTha = new Uint8Array(6);
  arpTpa = new Uint8Array(4);

  // IP. IPv4 addresses use the first 4 bytes.
  src = new Uint8Array(16);
  dst = new Uint8Array(16);
  ttl = 64;
  tos = 0;
  flowLabel = 0;
  ipId = 0;
  df = true;
  /** More-fragments flag and fragment offset in bytes (multiple of 8), IPv4 and the IPv6 fragment header. */
  mf = false;
  fragOffset = 0;
  /** IPv6 fragment header identification. */
  fragId = 0;
  /** IPv4 options (length a multiple of 4, at most 40). */
  ipOptions: Uint8Array | null = null;
  /** IPv6 extension headers in order (IPPROTO_HOPOPTS/DSTOPTS/ROUTING/FRAGMENT). */
  v6ext = new Uint8Array(8);
  v6extCount = 0;
  proto = IPPROTO_TCP;

  /** When set, the IP payload is these bytes verbatim (fragments, ESP, IGMP): no L4 header is built. */
  raw: Uint8Array | null = null;
  rawOff = 0;
  rawLen = 0;

  // TCP / UDP
  sport = 0;
  dport = 0;
  seq = 0;
  ack = 0;
  tcpFlags = 0;
  window = 65535;
  urgPtr = 0;
  /** TCP options (length a multiple of 4, at most 40). */
  tcpOptions = new Uint8Array(40);
  tcpOptLen = 0;

  // ICMP / ICMPv6: type, code, and the 4 bytes after the checksum (id<<16 | seq for echo).
  icmpType = 8;
  icmpCode = 0;
  icmpRest = 0;

  /** L4 payload (after TCP/UDP/ICMP header), or the whole L3 payload for L3_OTHER and raw IP protocols. */
  payload: Uint8Array = new Uint8Array(0);
  payloadOff = 0;
  payloadLen = 0;
  /** Precomputed checksum sum of the payload (mod 65535, big-endian words from payloadOff), or -1 to compute. */
  payloadSum = -1;

  /** Copy the link/IP addresses etc. is left to callers; reset() restores per-packet defaults. */
  reset(): void {
    this.vlanCount = 0;
    this.padTo = 60;
    this.pktType = 0;
    this.ttl = 64; this.tos = 0; this.flowLabel = 0; this.ipId = 0;
    this.df = true; this.mf = false; this.fragOffset = 0; this.fragId = 0;
    this.ipOptions = null; this.v6extCount = 0;
    this.raw = null; this.rawOff = 0; this.rawLen = 0;
    this.seq = 0; this.ack = 0; this.tcpFlags = 0; this.window = 65535; this.urgPtr = 0; this.tcpOptLen = 0;
    this.icmpType = 8; this.icmpCode = 0; this.icmpRest = 0;
    this.payloadOff = 0; this.payloadLen = 0; this.payloadSum = -1;
  }
}

/** Sum of big-endian 16-bit words of b[off, off+len) (odd tail padded with 0), mod 65535. */
export function sum16(b: Uint8Array, off: number, len: number): number {
  let s = 0;
  const end = off + (len & ~1);
  let i = off;
  for (; i < end; i += 2) s += (b[i] << 8) | b[i + 1];
  if (len & 1) s += b[i] << 8;
  return s % 65535;
}

/** Checksum field value from a sum mod 65535 (never 0, so also valid for UDP). */
export function finishChecksum(s: number): number {
  return 65535 - (s % 65535);
}

/** A block of deterministic pseudo-random bytes with prefix word sums: payload checksums in O(1). */
export class PayloadPool {
  readonly buf: Buffer;
  private readonly prefix: Uint32Array;

  constructor(size: number, seed: number) {
    size &= ~1;
    this.buf = Buffer.allocUnsafe(size);
    let x = seed >>> 0 || 1;
    for (let i = 0; i < size; i += 4) {
      x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
      this.buf[i] = x & 255; this.buf[i + 1] = (x >>> 8) & 255;
      if (i + 2 < size) { this.buf[i + 2] = (x >>> 16) & 255; this.buf[i + 3] = x >>> 24; }
    }
    const words = size >> 1;
    this.prefix = new Uint32Array(words + 1);
    let s = 0;
    for (let w = 0; w < words; w++) {
      s += (this.buf[2 * w] << 8) | this.buf[2 * w + 1];
      if (s >= 65535) s -= 65535;
      this.prefix[w + 1] = s;
    }
  }

  /** Sum (mod 65535) of len bytes from an even offset. */
  sum(off: number, len: number): number {
    if (off & 1) return sum16(this.buf, off, len);
    const w0 = off >> 1;
    const n = len >> 1;
    let s = this.prefix[w0 + n] - this.prefix[w0];
    if (s < 0) s += 65535;
    if (len & 1) s += this.buf[off + len - 1] << 8;
    return s % 65535;
  }
}

function put16(b: Uint8Array, o: number, v: number): void { b[o] = (v >>> 8) & 255; b[o + 1] = v & 255; }
function put32(b: Uint8Array, o: number, v: number): void {
  b[o] = (v >>> 24) & 255; b[o + 1] = (v >>> 16) & 255; b[o + 2] = (v >>> 8) & 255; b[o + 3] = v & 255;
}
function copy(dst: Uint8Array, o: number, src: Uint8Array, so: number, n: number): void {
  if (n > 96) { dst.set(src.subarray(so, so + n), o); return; }
  for (let i = 0; i < n; i++) dst[o + i] = src[so + i];
}

/** Length of the IP payload (L4 header + data) the spec describes. */
export function l4Length(s: FrameSpec): number {
  if (s.raw) return s.rawLen;
  switch (s.proto) {
    case IPPROTO_TCP: return 20 + s.tcpOptLen + s.payloadLen;
    case IPPROTO_UDP: return 8 + s.payloadLen;
    case IPPROTO_ICMP:
    case IPPROTO_ICMPV6: return 8 + s.payloadLen;
    default: return s.payloadLen;
  }
}

/** Write the link-layer header; returns the offset of the L3 header. */
function writeLink(b: Uint8Array, s: FrameSpec, etherType: number, isV6: boolean): number {
  switch (s.link) {
    case LINKTYPE_ETHERNET: {
      copy(b, 0, s.dstMac, 0, 6);
      copy(b, 6, s.srcMac, 0, 6);
      let o = 12;
      for (let i = 0; i < s.vlanCount; i++) {
        put16(b, o, s.vlanTpid[i]);
        put16(b, o + 2, s.vlanTci[i]);
        o += 4;
      }
      put16(b, o, etherType);
      return o + 2;
    }
    case LINKTYPE_LINUX_SLL: {
      put16(b, 0, s.pktType);
      put16(b, 2, 1); // ARPHRD_ETHER
      put16(b, 4, 6);
      copy(b, 6, s.srcMac, 0, 6);
      b[12] = 0; b[13] = 0;
      put16(b, 14, etherType);
      return 16;
    }
    case LINKTYPE_LINUX_SLL2: {
      put16(b, 0, etherType);
      put16(b, 2, 0);
      put32(b, 4, s.ifIndex);
      put16(b, 8, 1); // ARPHRD_ETHER
      b[10] = s.pktType;
      b[11] = 6;
      copy(b, 12, s.srcMac, 0, 6);
      b[18] = 0; b[19] = 0;
      return 20;
    }
    case LINKTYPE_RAW:
      if (etherType !== ETHERTYPE_IPV4 && etherType !== ETHERTYPE_IPV6) throw new RangeError('raw IP link carries only IPv4/IPv6');
      return 0;
    case LINKTYPE_NULL: {
      if (etherType !== ETHERTYPE_IPV4 && etherType !== ETHERTYPE_IPV6) throw new RangeError('null link carries only IPv4/IPv6');
      const af = isV6 ? AF_INET6 : AF_INET; // host (little-endian) order
      b[0] = af; b[1] = 0; b[2] = 0; b[3] = 0;
      return 4;
    }
    case LINKTYPE_LOOP: {
      if (etherType !== ETHERTYPE_IPV4 && etherType !== ETHERTYPE_IPV6) throw new RangeError('loop link carries only IPv4/IPv6');
      put32(b, 0, isV6 ? AF_INET6 : AF_INET); // network order
      return 4;
    }
    default:
      throw new RangeError(`unsupported link type ${s.link}`);
  }
}

/** Write the L4 header + payload at `o` (length l4len) and its checksum. `pseudo` is the pseudo-header sum (mod 65535). */
function writeL4(b: Uint8Array, o: number, s: FrameSpec, l4len: number, pseudo: number): void {
  if (s.raw) { copy(b, o, s.raw, s.rawOff, s.rawLen); return; }
  const proto = s.proto;
  let hl: number;
  if (proto === IPPROTO_TCP) {
    hl = 20 + s.tcpOptLen;
    put16(b, o, s.sport);
    put16(b, o + 2, s.dport);
    put32(b, o + 4, s.seq);
    put32(b, o + 8, s.ack);
    b[o + 12] = (hl >> 2) << 4;
    b[o + 13] = s.tcpFlags;
    put16(b, o + 14, s.window);
    b[o + 16] = 0; b[o + 17] = 0;
    put16(b, o + 18, s.urgPtr);
    copy(b, o + 20, s.tcpOptions, 0, s.tcpOptLen);
  } else if (proto === IPPROTO_UDP) {
    hl = 8;
    put16(b, o, s.sport);
    put16(b, o + 2, s.dport);
    put16(b, o + 4, l4len);
    b[o + 6] = 0; b[o + 7] = 0;
  } else if (proto === IPPROTO_ICMP || proto === IPPROTO_ICMPV6) {
    hl = 8;
    b[o] = s.icmpType;
    b[o + 1] = s.icmpCode;
    b[o + 2] = 0; b[o + 3] = 0;
    put32(b, o + 4, s.icmpRest);
  } else {
    copy(b, o, s.payload, s.payloadOff, s.payloadLen);
    return;
  }
  if (s.payloadLen > 0) copy(b, o + hl, s.payload, s.payloadOff, s.payloadLen);
  let sum = pseudo + sum16(b, o, hl);
  sum += s.payloadSum >= 0 ? s.payloadSum : sum16(s.payload, s.payloadOff, s.payloadLen);
  const ck = finishChecksum(sum);
  const co = proto === IPPROTO_TCP ? o + 16 : proto === IPPROTO_UDP ? o + 6 : o + 2;
  put16(b, co, ck);
}

/**
 * Checksum sum (mod 65535) of an L4 datagram's pseudo header.
 * For IPv4 pass 4-byte addresses in src/dst[0..4).
 */
export function pseudoSum(v6: boolean, src: Uint8Array, dst: Uint8Array, proto: number, l4len: number): number {
  let s = v6 ? sum16(src, 0, 16) + sum16(dst, 0, 16) : sum16(src, 0, 4) + sum16(dst, 0, 4);
  if (v6) s += (l4len >>> 16) + (l4len & 0xffff) + proto;
  else s += proto + l4len;
  return s % 65535;
}

/**
 * Build a complete L4 datagram (header + payload with checksum) into `out` at 0,
 * e.g. to fragment it afterwards. Returns its length.
 */
export function buildL4(out: Uint8Array, s: FrameSpec): number {
  const v6 = s.l3 === L3_IPV6;
  const len = l4Length(s);
  const pseudo = (s.proto === IPPROTO_ICMP) ? 0 : pseudoSum(v6, s.src, s.dst, s.proto, len);
  writeL4(out, 0, s, len, pseudo);
  return len;
}

/** Build the frame described by `s` into `b` from offset 0; returns the frame length. */
export function buildFrame(b: Uint8Array, s: FrameSpec): number {
  let o: number;
  switch (s.l3) {
    case L3_ARP: {
      o = writeLink(b, s, ETHERTYPE_ARP, false);
      put16(b, o, 1); // Ethernet
      put16(b, o + 2, ETHERTYPE_IPV4);
      b[o + 4] = 6; b[o + 5] = 4;
      put16(b, o + 6, s.arpOp);
      copy(b, o + 8, s.arpSha, 0, 6);
      copy(b, o + 14, s.arpSpa, 0, 4);
      copy(b, o + 18, s.arpTha, 0, 6);
      copy(b, o + 24, s.arpTpa, 0, 4);
      o += 28;
      break;
    }
    case L3_IPV4: {
      o = writeLink(b, s, ETHERTYPE_IPV4, false);
      const optLen = s.ipOptions ? s.ipOptions.length : 0;
      const hl = 20 + optLen;
      const l4len = l4Length(s);
      const total = hl + l4len;
      if (total > 65535) throw new RangeError(`IPv4 packet too long (${total})`);
      b[o] = 0x40 | (hl >> 2);
      b[o + 1] = s.tos;
      put16(b, o + 2, total);
      put16(b, o + 4, s.ipId);
      put16(b, o + 6, (s.df ? 0x4000 : 0) | (s.mf ? 0x2000 : 0) | (s.fragOffset >> 3));
      b[o + 8] = s.ttl;
      b[o + 9] = s.proto;
      b[o + 10] = 0; b[o + 11] = 0;
      copy(b, o + 12, s.src, 0, 4);
      copy(b, o + 16, s.dst, 0, 4);
      if (optLen) copy(b, o + 20, s.ipOptions!, 0, optLen);
      put16(b, o + 10, finishChecksum(sum16(b, o, hl)));
      const pseudo = s.proto === IPPROTO_ICMP ? 0 : pseudoSum(false, s.src, s.dst, s.proto, l4len);
      writeL4(b, o + hl, s, l4len, pseudo);
      o += total;
      break;
    }
    case L3_IPV6: {
      o = writeLink(b, s, ETHERTYPE_IPV6, true);
      let extLen = 0;
      for (let i = 0; i < s.v6extCount; i++) extLen += v6ExtLen(s.v6ext[i]);
      const l4len = l4Length(s);
      const plen = extLen + l4len;
      if (plen > 65535) throw new RangeError(`IPv6 payload too long (${plen})`);
      put32(b, o, 0x60000000 | ((s.tos & 255) << 20) | (s.flowLabel & 0xfffff));
      put16(b, o + 4, plen);
      b[o + 6] = s.v6extCount > 0 ? s.v6ext[0] : s.proto;
      b[o + 7] = s.ttl;
      copy(b, o + 8, s.src, 0, 16);
      copy(b, o + 24, s.dst, 0, 16);
      let e = o + 40;
      for (let i = 0; i < s.v6extCount; i++) {
        const code = s.v6ext[i];
        const next = i + 1 < s.v6extCount ? s.v6ext[i + 1] : s.proto;
        b[e] = next;
        switch (code) {
          case IPPROTO_HOPOPTS: // Router Alert (MLD) + Pad2
            b[e + 1] = 0;
            b[e + 2] = 5; b[e + 3] = 2; b[e + 4] = 0; b[e + 5] = 0;
            b[e + 6] = 1; b[e + 7] = 0;
            e += 8; break;
          case IPPROTO_DSTOPTS: // PadN(4) + ... = 6 bytes of padding
            b[e + 1] = 0;
            b[e + 2] = 1; b[e + 3] = 4; b[e + 4] = 0; b[e + 5] = 0; b[e + 6] = 0; b[e + 7] = 0;
            e += 8; break;
          case IPPROTO_ROUTING: // Segment Routing Header, one segment (the destination), segments left 0
            b[e + 1] = 2;
            b[e + 2] = 4; b[e + 3] = 0;
            b[e + 4] = 0; b[e + 5] = 0; b[e + 6] = 0; b[e + 7] = 0;
            copy(b, e + 8, s.dst, 0, 16);
            e += 24; break;
          case IPPROTO_FRAGMENT:
            b[e + 1] = 0;
            put16(b, e + 2, (s.fragOffset & 0xfff8) | (s.mf ? 1 : 0));
            put32(b, e + 4, s.fragId);
            e += 8; break;
          default:
            throw new RangeError(`unsupported IPv6 extension header ${code}`);
        }
      }
      const pseudo = pseudoSum(true, s.src, s.dst, s.proto, l4len);
      writeL4(b, e, s, l4len, pseudo);
      o = e + l4len;
      break;
    }
    case L3_OTHER: {
      o = writeLink(b, s, s.etherType, false);
      copy(b, o, s.payload, s.payloadOff, s.payloadLen);
      o += s.payloadLen;
      break;
    }
    default:
      throw new RangeError(`unsupported l3 ${s.l3}`);
  }
  if (s.link === LINKTYPE_ETHERNET && o < s.padTo) {
    for (let i = o; i < s.padTo; i++) b[i] = 0;
    o = s.padTo;
  }
  return o;
}

// --- TCP option helpers ---------------------------------------------------

/** SYN options: MSS, SACK permitted, timestamps, NOP, window scale (20 bytes, Linux order). */
export function tcpSynOptions(s: FrameSpec, mss: number, tsval: number, tsecr: number, wscale: number): void {
  const t = s.tcpOptions;
  t[0] = 2; t[1] = 4; put16(t, 2, mss);
  t[4] = 4; t[5] = 2; // SACK permitted
  t[6] = 8; t[7] = 10; put32(t, 8, tsval); put32(t, 12, tsecr);
  t[16] = 1; // NOP
  t[17] = 3; t[18] = 3; t[19] = wscale;
  s.tcpOptLen = 20;
}

/** NOP NOP timestamps (12 bytes). */
export function tcpTsOptions(s: FrameSpec, tsval: number, tsecr: number): void {
  const t = s.tcpOptions;
  t[0] = 1; t[1] = 1; t[2] = 8; t[3] = 10; put32(t, 4, tsval); put32(t, 8, tsecr);
  s.tcpOptLen = 12;
}

/** NOP NOP timestamps + NOP NOP SACK with one block (24 bytes). */
export function tcpTsSackOptions(s: FrameSpec, tsval: number, tsecr: number, left: number, right: number): void {
  tcpTsOptions(s, tsval, tsecr);
  const t = s.tcpOptions;
  t[12] = 1; t[13] = 1; t[14] = 5; t[15] = 10; put32(t, 16, left); put32(t, 20, right);
  s.tcpOptLen = 24;
}

// --- small helpers ----------------------------------------------------------

export function setIpv4(dst: Uint8Array, a: number): void { put32(dst, 0, a); }
export function ipv4ToString(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}
export { put16, put32 };

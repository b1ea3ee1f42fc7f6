// Streaming writers for classic pcap and pcapng capture files.
//
// Both writers accumulate records in one reusable Buffer and flush it with
// fs.writeSync when full, so memory stays bounded whatever the packet count.
// Everything is written in little-endian (host order on x86/arm64), which is
// what libpcap and Wireshark write on these machines.
//
// Timestamps are (seconds, nanoseconds). Microsecond files store
// floor(nsec / 1000); `storedNsec` tells what a reader will see.

import * as fs from 'node:fs';

export const LINKTYPE_NULL = 0;
export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_RAW = 101;
export const LINKTYPE_LOOP = 108;
export const LINKTYPE_LINUX_SLL = 113;
export const LINKTYPE_LINUX_SLL2 = 276;

export const PCAP_MAGIC_US = 0xa1b2c3d4;
export const PCAP_MAGIC_NS = 0xa1b23c4d;
export const PCAPNG_SHB = 0x0a0d0d0a;
export const PCAPNG_IDB = 0x00000001;
export const PCAPNG_EPB = 0x00000006;
export const PCAPNG_BYTE_ORDER_MAGIC = 0x1a2b3c4d;

const DEFAULT_BUFFER = 4 << 20;
const TWO32 = 4294967296;

/** Running totals of what a writer has stored, in the file's own precision. */
export interface WriterStats {
  packets: number;
  /** Sum of original (wire) lengths. */
  wireBytes: number;
  /** Sum of captured (stored) lengths. */
  capBytes: number;
  /** Packets whose captured length is smaller than the wire length. */
  truncated: number;
  firstSec: number;
  firstNsec: number;
  lastSec: number;
  lastNsec: number;
  /** Bytes written to the file, headers included (valid after close()). */
  fileBytes: number;
}

export interface PacketWriter {
  /**
   * Append one packet. `frame` holds the packet as it was on the wire (or its
   * first bytes); only min(frame.length, snaplen) bytes are stored and the
   * original length is `wireLen ?? frame.length`.
   */
  write(tsSec: number, tsNsec: number, frame: Uint8Array, wireLen?: number, ifIndex?: number): void;
  /** Same as write() without creating a subarray: the frame is buf[off, off + len). */
  writeFrom(tsSec: number, tsNsec: number, buf: Uint8Array, off: number, len: number, wireLen?: number, ifIndex?: number): void;
  /** Flush and close the file. Idempotent. */
  close(): void;
  readonly stats: WriterStats;
  readonly path: string;
}

export interface PcapOptions {
  linkType?: number;
  snaplen?: number;
  /** Nanosecond-resolution file (magic 0xa1b23c4d); default microseconds. */
  nanos?: boolean;
  /** Size of the write buffer in bytes (default 4 MiB). */
  bufferSize?: number;
}

export interface PcapngInterface {
  linkType?: number;
  snaplen?: number;
  /** if_tsresol = 9 (nanoseconds); default is the pcapng default, microseconds. */
  nanos?: boolean;
  /** if_name option. */
  name?: string;
}

export interface PcapngOptions {
  interfaces?: PcapngInterface[];
  /** shb_userappl option. */
  userAppl?: string;
  bufferSize?: number;
}

function newStats(): WriterStats {
  return {
    packets: 0, wireBytes: 0, capBytes: 0, truncated: 0,
    firstSec: 0, firstNsec: 0, lastSec: 0, lastNsec: 0, fileBytes: 0,
  };
}

function checkTs(tsSec: number, tsNsec: number): void {
  if (!(tsSec >= 0 && tsSec < TWO32) || !Number.isInteger(tsSec)) {
    throw new RangeError(`tsSec must be an integer in [0, 2^32), got ${tsSec}`);
  }
  if (!(tsNsec >= 0 && tsNsec < 1e9) || !Number.isInteger(tsNsec)) {
    throw new RangeError(`tsNsec must be an integer in [0, 1e9), got ${tsNsec}`);
  }
}

function checkSnaplen(snaplen: number): void {
  if (!Number.isInteger(snaplen) || snaplen < 1 || snaplen > 0x7fffffff) {
    throw new RangeError(`snaplen must be a positive integer, got ${snaplen}`);
  }
}

/** Buffered sequential file output. */
class Sink {
  readonly buf: Buffer;
  pos = 0;
  written = 0;
  private fd: number;

  constructor(path: string, size: number) {
    this.buf = Buffer.allocUnsafe(Math.max(size, 65536));
    this.fd = fs.openSync(path, 'w');
  }

  /** Make room for n bytes in buf (flushing if needed); returns false if n > capacity. */
  ensure(n: number): boolean {
    if (this.pos + n <= this.buf.length) return true;
    this.flush();
    return n <= this.buf.length;
  }

  flush(): void {
    let off = 0;
    while (off < this.pos) off += fs.writeSync(this.fd, this.buf, off, this.pos - off);
    this.written += this.pos;
    this.pos = 0;
  }

  /** Write bytes that do not fit in the buffer directly. */
  direct(src: Uint8Array, off: number, len: number): void {
    this.flush();
    let done = 0;
    while (done < len) done += fs.writeSync(this.fd, src, off + done, len - done);
    this.written += len;
  }

  close(): void {
    if (this.fd < 0) return;
    this.flush();
    fs.closeSync(this.fd);
    this.fd = -1;
  }

  get closed(): boolean { return this.fd < 0; }
}

/** Copy n bytes; a plain loop beats creating a subarray for small frames. */
function copyBytes(dst: Uint8Array, at: number, src: Uint8Array, off: number, n: number): void {
  if (n <= 96) { for (let i = 0; i < n; i++) dst[at + i] = src[off + i]; return; }
  dst.set(off === 0 && n === src.length ? src : src.subarray(off, off + n), at);
}

function track(st: WriterStats, sec: number, nsec: number, caplen: number, wire: number): void {
  if (st.packets === 0) { st.firstSec = sec; st.firstNsec = nsec; }
  st.lastSec = sec; st.lastNsec = nsec;
  st.packets++;
  st.wireBytes += wire;
  st.capBytes += caplen;
  if (caplen < wire) st.truncated++;
}

/** Open a classic pcap file for writing. */
export function openPcap(path: string, opts: PcapOptions = {}): PacketWriter {
  const linkType = opts.linkType ?? LINKTYPE_ETHERNET;
  const snaplen = opts.snaplen ?? 262144;
  const nanos = opts.nanos ?? false;
  checkSnaplen(snaplen);
  if (!Number.isInteger(linkType) || linkType < 0 || linkType > 0xffff) {
    throw new RangeError(`linkType must be an integer in [0, 65535], got ${linkType}`);
  }
  const sink = new Sink(path, opts.bufferSize ?? DEFAULT_BUFFER);
  const st = newStats();
  {
    const b = sink.buf;
    b.writeUInt32LE(nanos ? PCAP_MAGIC_NS : PCAP_MAGIC_US, 0);
    b.writeUInt16LE(2, 4); // version 2.4
    b.writeUInt16LE(4, 6);
    b.writeInt32LE(0, 8); // thiszone
    b.writeUInt32LE(0, 12); // sigfigs
    b.writeUInt32LE(snaplen, 16);
    b.writeUInt32LE(linkType, 20);
    sink.pos = 24;
  }

  function writeFrom(tsSec: number, tsNsec: number, src: Uint8Array, off: number, len: number, wireLen?: number): void {
    if (sink.closed) throw new Error('writer is closed');
    checkTs(tsSec, tsNsec);
    const wire = wireLen ?? len;
    if (wire < len) throw new RangeError(`wireLen ${wire} is smaller than the frame (${len} bytes)`);
    const caplen = len < snaplen ? len : snaplen;
    const frac = nanos ? tsNsec : Math.floor(tsNsec / 1000);
    if (!sink.ensure(16)) throw new Error('unreachable');
    let b = sink.buf;
    let p = sink.pos;
    b.writeUInt32LE(tsSec, p);
    b.writeUInt32LE(frac, p + 4);
    b.writeUInt32LE(caplen, p + 8);
    b.writeUInt32LE(wire, p + 12);
    sink.pos = p + 16;
    if (sink.ensure(caplen)) {
      b = sink.buf; p = sink.pos;
      copyBytes(b, p, src, off, caplen);
      sink.pos = p + caplen;
    } else {
      sink.direct(src, off, caplen);
    }
    track(st, tsSec, nanos ? tsNsec : frac * 1000, caplen, wire);
  }

  return {
    path,
    stats: st,
    writeFrom,
    write(tsSec, tsNsec, frame, wireLen) { writeFrom(tsSec, tsNsec, frame, 0, frame.length, wireLen); },
    close() {
      if (sink.closed) return;
      sink.close();
      st.fileBytes = sink.written;
    },
  };
}

/** Pad to a multiple of 4. */
export function pad4(n: number): number { return (n + 3) & ~3; }

/** Open a pcapng file (one section) with one or more interfaces. */
export function openPcapng(path: string, opts: PcapngOptions = {}): PacketWriter {
  const ifaces = opts.interfaces ?? [{}];
  if (ifaces.length === 0) throw new RangeError('interfaces must not be empty');
  const snaps = ifaces.map((i) => { const s = i.snaplen ?? 262144; checkSnaplen(s); return s; });
  const nsIf = ifaces.map((i) => i.nanos ?? false);
  const sink = new Sink(path, opts.bufferSize ?? DEFAULT_BUFFER);
  const st = newStats();

  // Section Header Block.
  const optBytes: Buffer[] = [];
  const opt = (code: number, value: Buffer): void => {
    const h = Buffer.alloc(4 + pad4(value.length));
    h.writeUInt16LE(code, 0);
    h.writeUInt16LE(value.length, 2);
    value.copy(h, 4);
    optBytes.push(h);
  };
  const endOpts = (): Buffer => {
    if (optBytes.length === 0) return Buffer.alloc(0);
    const all = Buffer.concat([...optBytes, Buffer.alloc(4)]); // opt_endofopt
    optBytes.length = 0;
    return all;
  };
  const block = (type: number, body: Buffer): void => {
    const total = 12 + body.length;
    const b = Buffer.alloc(total);
    b.writeUInt32LE(type, 0);
    b.writeUInt32LE(total, 4);
    body.copy(b, 8);
    b.writeUInt32LE(total, total - 4);
    if (!sink.ensure(total)) sink.direct(b, 0, total);
    else { b.copy(sink.buf, sink.pos); sink.pos += total; }
  };

  {
    const fixed = Buffer.alloc(16);
    fixed.writeUInt32LE(PCAPNG_BYTE_ORDER_MAGIC, 0);
    fixed.writeUInt16LE(1, 4);
    fixed.writeUInt16LE(0, 6);
    fixed.writeInt32LE(-1, 8); // section length: unspecified (-1, 64-bit)
    fixed.writeInt32LE(-1, 12);
    if (opts.userAppl) opt(4, Buffer.from(opts.userAppl, 'utf8'));
    block(PCAPNG_SHB, Buffer.concat([fixed, endOpts()]));
  }
  ifaces.forEach((itf, i) => {
    const linkType = itf.linkType ?? LINKTYPE_ETHERNET;
    if (!Number.isInteger(linkType) || linkType < 0 || linkType > 0xffff) {
      throw new RangeError(`interfaces[${i}].linkType must be an integer in [0, 65535], got ${linkType}`);
    }
    const fixed = Buffer.alloc(8);
    fixed.writeUInt16LE(linkType, 0);
    fixed.writeUInt16LE(0, 2);
    fixed.writeUInt32LE(snaps[i], 4);
    if (itf.name) opt(2, Buffer.from(itf.name, 'utf8'));
    if (itf.nanos) opt(9, Buffer.from([9]));
    block(PCAPNG_IDB, Buffer.concat([fixed, endOpts()]));
  });

  function writeFrom(tsSec: number, tsNsec: number, src: Uint8Array, off: number, len: number, wireLen?: number, ifIndex = 0): void {
    if (sink.closed) throw new Error('writer is closed');
    checkTs(tsSec, tsNsec);
    if (!(ifIndex >= 0 && ifIndex < ifaces.length) || !Number.isInteger(ifIndex)) {
      throw new RangeError(`ifIndex must be an interface index in [0, ${ifaces.length}), got ${ifIndex}`);
    }
    const wire = wireLen ?? len;
    if (wire < len) throw new RangeError(`wireLen ${wire} is smaller than the frame (${len} bytes)`);
    const snaplen = snaps[ifIndex];
    const caplen = len < snaplen ? len : snaplen;
    const padded = pad4(caplen);
    const total = 32 + padded;
    const ns = nsIf[ifIndex];
    // 64-bit timestamp in if_tsresol units, split exactly without BigInt:
    // value = sec * R + frac with R = 1e9 or 1e6 (< 2^30) and sec < 2^32.
    const R = ns ? 1e9 : 1e6;
    const frac = ns ? tsNsec : Math.floor(tsNsec / 1000);
    const secHi = Math.floor(tsSec / 65536);
    const secLo = tsSec % 65536;
    const t1 = secHi * R; // < 2^46, exact
    const low = (t1 % 65536) * 65536 + secLo * R + frac; // < 2^47, exact
    const hi = Math.floor(t1 / 65536) + Math.floor(low / TWO32);
    const lo = low % TWO32;
    if (!sink.ensure(28)) throw new Error('unreachable');
    let b = sink.buf;
    let p = sink.pos;
    b.writeUInt32LE(PCAPNG_EPB, p);
    b.writeUInt32LE(total, p + 4);
    b.writeUInt32LE(ifIndex, p + 8);
    b.writeUInt32LE(hi, p + 12);
    b.writeUInt32LE(lo, p + 16);
    b.writeUInt32LE(caplen, p + 20);
    b.writeUInt32LE(wire, p + 24);
    sink.pos = p + 28;
    if (sink.ensure(padded + 4)) {
      b = sink.buf; p = sink.pos;
      copyBytes(b, p, src, off, caplen);
      for (let i = caplen; i < padded; i++) b[p + i] = 0;
      b.writeUInt32LE(total, p + padded);
      sink.pos = p + padded + 4;
    } else {
      sink.direct(src, off, caplen);
      const tail = Buffer.alloc(padded - caplen + 4);
      tail.writeUInt32LE(total, padded - caplen);
      sink.direct(tail, 0, tail.length);
    }
    track(st, tsSec, ns ? tsNsec : frac * 1000, caplen, wire);
  }

  return {
    path,
    stats: st,
    writeFrom,
    write(tsSec, tsNsec, frame, wireLen, ifIndex) { writeFrom(tsSec, tsNsec, frame, 0, frame.length, wireLen, ifIndex); },
    close() {
      if (sink.closed) return;
      sink.close();
      st.fileBytes = sink.written;
    },
  };
}

/** "sec.nnnnnnnnn" */
export function formatTs(sec: number, nsec: number): string {
  return `${sec}.${String(nsec).padStart(9, '0')}`;
}

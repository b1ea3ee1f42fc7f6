// Converting FlowRecord fields to IPFIX wire values without loss: address
// strings to bytes, decimal nanosecond strings to whole milliseconds, and
// unsigned64 counters up to 2^53 - 1 written as two 32-bit halves.

const TWO32 = 4294967296;

// Hand-rolled parsers: net.isIP plus split() cost ~1 µs per address, most of
// the encoder's time. These accept exactly what net.isIPv4/isIPv6 accept (the
// unit tests compare them on generated strings) and allocate nothing.

/** Parses dotted-quad text[start, end) (no leading zeros, as net.isIPv4) into 4 bytes at `off`. */
function ipv4Range(text: string, start: number, end: number, out: Uint8Array, off: number): boolean {
  let part = 0;
  let value = 0;
  let digits = 0;
  for (let i = start; i <= end; i++) {
    const c = i < end ? text.charCodeAt(i) : 46;
    if (c >= 48 && c <= 57) {
      if (digits === 1 && value === 0) return false; // leading zero
      value = value * 10 + (c - 48);
      if (++digits > 3 || value > 255) return false;
    } else if (c === 46) {
      if (digits === 0 || part === 4) return false;
      out[off + part++] = value;
      value = 0;
      digits = 0;
    } else return false;
  }
  return part === 4;
}

/** Writes the dotted IPv4 `text` as 4 bytes at `off`; false when it is not one. */
export function parseIPv4(text: string, out: Uint8Array, off: number): boolean {
  return typeof text === 'string' && text.length >= 7 && text.length <= 15 && ipv4Range(text, 0, text.length, out, off);
}

const words = new Uint16Array(8);

function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** Writes the IPv6 `text` (RFC 4291 forms: "::", an embedded IPv4 tail, a zone id) as 16 bytes at `off`. */
export function parseIPv6(text: string, out: Uint8Array, off: number): boolean {
  if (typeof text !== 'string') return false;
  let end = text.length;
  const zone = text.indexOf('%');
  if (zone >= 0) {
    if (zone === end - 1) return false;
    end = zone;
  }
  if (end < 2) return false;
  let n = 0;
  let gap = -1;
  let i = 0;
  if (text.charCodeAt(0) === 58) {
    if (text.charCodeAt(1) !== 58) return false;
    gap = 0;
    i = 2;
  }
  while (i < end) {
    let value = 0;
    let digits = 0;
    let j = i;
    for (; j < end; j++) {
      const h = hexDigit(text.charCodeAt(j));
      if (h < 0) break;
      if (++digits > 4) return false;
      value = value * 16 + h;
    }
    if (j < end && text.charCodeAt(j) === 46) {
      // the last 32 bits as dotted IPv4
      if (n > 6 || !ipv4Range(text, i, end, out, off)) return false;
      words[n++] = (out[off]! << 8) | out[off + 1]!;
      words[n++] = (out[off + 2]! << 8) | out[off + 3]!;
      break;
    }
    if (digits === 0 || n === 8) return false;
    words[n++] = value;
    if (j === end) break;
    if (text.charCodeAt(j) !== 58) return false;
    j++;
    if (j < end && text.charCodeAt(j) === 58) {
      if (gap >= 0) return false;
      gap = n;
      j++;
    } else if (j === end) return false; // a trailing single ':'
    i = j;
  }
  if (gap < 0 ? n !== 8 : n > 7) return false;
  const zeros = 8 - n;
  for (let w = 0, k = 0; w < 8; w++) {
    const v = gap >= 0 && w >= gap && w < gap + zeros ? 0 : words[k++]!;
    out[off + 2 * w] = v >>> 8;
    out[off + 2 * w + 1] = v & 0xff;
  }
  return true;
}

/**
 * Whole milliseconds of a decimal nanosecond string, exactly: the digits before
 * the last 6, accumulated in a double, which is exact up to 2^53 (and, growing
 * monotonically, stays above it once past). -1 when `ns` is not 1..30 decimal
 * digits or the result is not a safe integer. No regex or slice: the strings
 * FlowTable builds are ropes, and every extra pass over them costs.
 */
export function nsToMs(ns: string): number {
  if (typeof ns !== 'string') return -1;
  const len = ns.length;
  if (len === 0 || len > 30) return -1;
  let ms = 0;
  for (let i = 0; i < len; i++) {
    const d = ns.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    if (i < len - 6) ms = ms * 10 + d;
  }
  return Number.isSafeInteger(ms) ? ms : -1;
}

/** Writes a safe non-negative integer as unsigned64 big-endian (the caller has checked the range). */
export function writeU64(buf: Uint8Array, off: number, value: number): void {
  // `>>> 0` is exact modulo 2^32 for every integer up to 2^53
  writeU32(buf, off, Math.floor(value / TWO32));
  writeU32(buf, off + 4, value >>> 0);
}

/** Plain byte stores: Buffer#writeUInt32BE re-validates its arguments on every call. */
export function writeU32(buf: Uint8Array, off: number, value: number): void {
  buf[off] = value >>> 24;
  buf[off + 1] = value >>> 16;
  buf[off + 2] = value >>> 8;
  buf[off + 3] = value;
}

export function writeU16(buf: Uint8Array, off: number, value: number): void {
  buf[off] = value >>> 8;
  buf[off + 1] = value;
}

/** True for integers in [0, max]. */
export const inRange = (v: unknown, max: number): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max;

/** True for counters IPFIX can carry exactly from a JS number: integers in [0, 2^53 - 1]. */
export const isCounter = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

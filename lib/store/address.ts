// Addresses as 16-byte keys (IPv4 mapped to ::ffff:a.b.c.d, as in the batches),
// so that equal addresses compare equal whatever their spelling and a CIDR
// prefix is one [lo, hi] range of the BLOB index (memcmp order = numeric order).

const V4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

function parseV4(text: string, out: Uint8Array, at: number): boolean {
  const m = V4.exec(text);
  if (!m) return false;
  for (let i = 0; i < 4; i++) {
    const part = m[i + 1]!;
    if (part.length > 1 && part[0] === '0') return false; // "010" is octal to some parsers: refuse
    const n = Number(part);
    if (n > 255) return false;
    out[at + i] = n;
  }
  return true;
}

function parseGroups(text: string, out: number[]): boolean {
  if (text === '') return true;
  for (const g of text.split(':')) {
    if (!HEX_GROUP.test(g)) return false;
    out.push(parseInt(g, 16));
  }
  return true;
}

/** 16 bytes for an IPv4 (dotted quad) or IPv6 (RFC 4291 text, optional dotted tail) address; null if invalid. */
export function parseAddress(text: string): Buffer | null {
  if (typeof text !== 'string' || text.length === 0 || text.length > 45) return null;
  const out = Buffer.alloc(16);
  if (!text.includes(':')) {
    if (!parseV4(text, out, 12)) return null;
    out[10] = out[11] = 0xff;
    return out;
  }
  // IPv6: an optional dotted IPv4 tail stands for the last two groups.
  let body = text;
  const tail = Buffer.alloc(4);
  let hasTail = false;
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    if (!parseV4(text.slice(lastColon + 1), tail, 0)) return null;
    hasTail = true;
    body = text.slice(0, lastColon + 1);
    // "::1.2.3.4" leaves "::", "a::1.2.3.4" leaves "a::", "a:b:...:1.2.3.4" leaves "a:b:...:"
    if (!body.endsWith('::')) body = body.slice(0, -1);
  }
  const width = hasTail ? 6 : 8;
  const dbl = body.indexOf('::');
  if (dbl !== body.lastIndexOf('::')) return null;
  const head: number[] = [];
  const rest: number[] = [];
  if (dbl < 0) {
    if (!parseGroups(body, head) || head.length !== width) return null;
  } else {
    if (!parseGroups(body.slice(0, dbl), head) || !parseGroups(body.slice(dbl + 2), rest)) return null;
    if (head.length + rest.length >= width) return null; // "::" stands for at least one group
  }
  const groups = [...head, ...new Array<number>(width - head.length - rest.length).fill(0), ...rest];
  for (let i = 0; i < width; i++) out.writeUInt16BE(groups[i]!, i * 2);
  if (hasTail) tail.copy(out, 12);
  return out;
}

export interface AddressRange {
  lo: Buffer;
  hi: Buffer;
}

/** The [lo, hi] 16-byte range of "addr/len" (IPv4 len 0..32, IPv6 0..128); null if invalid. Host bits may be set. */
export function parseCidr(text: string): AddressRange | null {
  if (typeof text !== 'string') return null;
  const slash = text.indexOf('/');
  if (slash < 0) return null;
  const addr = parseAddress(text.slice(0, slash));
  const lenText = text.slice(slash + 1);
  if (!addr || !/^\d{1,3}$/.test(lenText)) return null;
  const isV4 = !text.slice(0, slash).includes(':');
  let len = Number(lenText);
  if (len > (isV4 ? 32 : 128)) return null;
  if (isV4) len += 96;
  const lo = Buffer.from(addr);
  const hi = Buffer.from(addr);
  for (let bit = len; bit < 128; bit++) {
    const byte = bit >> 3;
    const mask = 0x80 >> (bit & 7);
    lo[byte] &= ~mask;
    hi[byte] |= mask;
  }
  return { lo, hi };
}

// An independent IPFIX reader for the tests (shares no code with lib/export):
// strict about framing, so an encoder mistake shows up as a thrown Error that
// names the offset. Keeps templates per observation domain across messages, as
// a collector does.

const NAMES: Record<number, string> = {
  1: 'octetDeltaCount',
  2: 'packetDeltaCount',
  4: 'protocolIdentifier',
  6: 'tcpControlBits',
  7: 'sourceTransportPort',
  8: 'sourceIPv4Address',
  10: 'ingressInterface',
  11: 'destinationTransportPort',
  12: 'destinationIPv4Address',
  27: 'sourceIPv6Address',
  28: 'destinationIPv6Address',
  32: 'icmpTypeCodeIPv4',
  58: 'vlanId',
  136: 'flowEndReason',
  139: 'icmpTypeCodeIPv6',
  152: 'flowStartMilliseconds',
  153: 'flowEndMilliseconds',
};
const REVERSE_PEN = 29305;

export interface DecodedField {
  id: number;
  length: number;
  enterprise: number;
  name: string;
}
export interface DecodedTemplate {
  id: number;
  fields: DecodedField[];
  recordLength: number;
}
export type Value = number | bigint | string;
export type DecodedRecord = Record<string, Value> & { templateId: number };
export interface DecodedSet {
  id: number;
  offset: number;
  length: number;
  padding: number;
  templates: DecodedTemplate[];
  records: DecodedRecord[];
}
export interface DecodedMessage {
  version: number;
  length: number;
  exportTime: number;
  sequence: number;
  domain: number;
  sets: DecodedSet[];
  /** Data records in this message. */
  records: DecodedRecord[];
}

function fieldName(id: number, enterprise: number): string {
  const base = NAMES[id] ?? `ie${id}`;
  if (enterprise === REVERSE_PEN) return `reverse${base[0]!.toUpperCase()}${base.slice(1)}`;
  return enterprise ? `${enterprise}/${base}` : base;
}

function ipv6Text(b: Buffer, off: number): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(b.readUInt16BE(off + i).toString(16));
  // the WHATWG URL parser prints the RFC 5952 form
  return new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1);
}

function readValue(b: Buffer, off: number, f: DecodedField): Value {
  if (f.name.endsWith('IPv4Address')) return `${b[off]}.${b[off + 1]}.${b[off + 2]}.${b[off + 3]}`;
  if (f.name.endsWith('IPv6Address')) return ipv6Text(b, off);
  switch (f.length) {
    case 1: return b[off]!;
    case 2: return b.readUInt16BE(off);
    case 4: return b.readUInt32BE(off);
    case 8: return b.readBigUInt64BE(off);
    default: return b.subarray(off, off + f.length).toString('hex');
  }
}

export class IpfixSession {
  /** Templates by "domain/id". */
  readonly templates = new Map<string, DecodedTemplate>();
  /** Next expected sequence number per domain. */
  readonly expected = new Map<number, number>();

  decode(msg: Buffer): DecodedMessage {
    if (msg.length < 16) throw new Error(`message: ${msg.length} bytes < 16`);
    const version = msg.readUInt16BE(0);
    const length = msg.readUInt16BE(2);
    if (version !== 10) throw new Error(`message: version ${version}`);
    if (length !== msg.length) throw new Error(`message: length field ${length} != ${msg.length} bytes`);
    const out: DecodedMessage = {
      version,
      length,
      exportTime: msg.readUInt32BE(4),
      sequence: msg.readUInt32BE(8),
      domain: msg.readUInt32BE(12),
      sets: [],
      records: [],
    };
    let o = 16;
    while (o < length) {
      if (o + 4 > length) throw new Error(`set at ${o}: header cut`);
      const id = msg.readUInt16BE(o);
      const setLen = msg.readUInt16BE(o + 2);
      if (setLen < 4 || o + setLen > length) throw new Error(`set at ${o}: bad length ${setLen}`);
      const set: DecodedSet = { id, offset: o, length: setLen, padding: 0, templates: [], records: [] };
      const end = o + setLen;
      let p = o + 4;
      if (id === 2) {
        while (p + 4 <= end) {
          const tid = msg.readUInt16BE(p);
          const count = msg.readUInt16BE(p + 2);
          if (tid < 256) throw new Error(`template at ${p}: id ${tid}`);
          p += 4;
          const fields: DecodedField[] = [];
          for (let i = 0; i < count; i++) {
            if (p + 4 > end) throw new Error(`template ${tid}: field ${i} cut`);
            const raw = msg.readUInt16BE(p);
            const flen = msg.readUInt16BE(p + 2);
            p += 4;
            let enterprise = 0;
            if (raw & 0x8000) {
              if (p + 4 > end) throw new Error(`template ${tid}: PEN of field ${i} cut`);
              enterprise = msg.readUInt32BE(p);
              p += 4;
            }
            const fid = raw & 0x7fff;
            fields.push({ id: fid, length: flen, enterprise, name: fieldName(fid, enterprise) });
          }
          const t = { id: tid, fields, recordLength: fields.reduce((n, f) => n + f.length, 0) };
          set.templates.push(t);
          this.templates.set(`${out.domain}/${tid}`, t);
        }
        set.padding = end - p;
      } else if (id >= 256) {
        const t = this.templates.get(`${out.domain}/${id}`);
        if (!t) throw new Error(`data set at ${o}: unknown template ${id}`);
        while (p + t.recordLength <= end) {
          const rec = { templateId: id } as DecodedRecord;
          let q = p;
          for (const f of t.fields) {
            rec[f.name] = readValue(msg, q, f);
            q += f.length;
          }
          set.records.push(rec);
          out.records.push(rec);
          p += t.recordLength;
        }
        set.padding = end - p;
        if (set.padding >= t.recordLength) throw new Error(`data set at ${o}: ${set.padding} trailing bytes >= record length`);
      } else throw new Error(`set at ${o}: reserved id ${id}`);
      for (let i = end - set.padding; i < end; i++) if (msg[i] !== 0) throw new Error(`set at ${o}: non-zero padding at ${i}`);
      out.sets.push(set);
      o = end;
    }
    this.expected.set(out.domain, (out.sequence + out.records.length) % 2 ** 32);
    return out;
  }
}

/** Splits a TCP byte stream into messages by their length fields; the rest is an incomplete tail. */
export function splitStream(stream: Buffer): { messages: Buffer[]; rest: Buffer } {
  const messages: Buffer[] = [];
  let o = 0;
  while (o + 4 <= stream.length) {
    const len = stream.readUInt16BE(o + 2);
    if (len < 16) throw new Error(`stream at ${o}: message length ${len}`);
    if (o + len > stream.length) break;
    messages.push(stream.subarray(o, o + len));
    o += len;
  }
  return { messages, rest: stream.subarray(o) };
}

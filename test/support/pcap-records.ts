// An independent classic-pcap record walker for tests: where each record
// starts and what its header says, so tests can cut files mid-record and
// compare delivered bytes with the file's.
import { readFileSync } from 'node:fs';

export interface PcapRecord {
  offset: number;
  tsSec: number;
  tsFrac: number;
  capLen: number;
  wireLen: number;
  dataOffset: number;
}

export function readPcapRecords(path: string): { linkType: number; nanos: boolean; records: PcapRecord[]; bytes: Buffer } {
  const bytes = readFileSync(path);
  const magicLE = bytes.readUInt32LE(0);
  let le: boolean;
  let nanos: boolean;
  if (magicLE === 0xa1b2c3d4 || magicLE === 0xa1b23c4d) {
    le = true;
    nanos = magicLE === 0xa1b23c4d;
  } else {
    const magicBE = bytes.readUInt32BE(0);
    if (magicBE !== 0xa1b2c3d4 && magicBE !== 0xa1b23c4d) throw new Error(`${path}: not a classic pcap file`);
    le = false;
    nanos = magicBE === 0xa1b23c4d;
  }
  const u32 = (o: number) => (le ? bytes.readUInt32LE(o) : bytes.readUInt32BE(o));
  const linkType = u32(20) & 0x0fffffff;
  const records: PcapRecord[] = [];
  for (let o = 24; o + 16 <= bytes.length; ) {
    const capLen = u32(o + 8);
    if (o + 16 + capLen > bytes.length) break;
    records.push({ offset: o, tsSec: u32(o), tsFrac: u32(o + 4), capLen, wireLen: u32(o + 12), dataOffset: o + 16 });
    o += 16 + capLen;
  }
  return { linkType, nanos, records, bytes };
}

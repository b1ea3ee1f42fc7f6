// Zero-copy typed views over one batch buffer. A Batch is built once per pool
// slot and reused for every batch that slot carries, so reading packets
// allocates nothing: loop `for (let i = 0; i < batch.rows; i++)` over the
// columns.
import { columnOffsets, HEADER, HEADER_WORDS } from './layout.js';

export class Batch {
  readonly buffer: ArrayBuffer;
  /** Index of this buffer in its source's pool. */
  readonly slot: number;
  readonly capacity: number;
  private readonly header: Uint32Array;

  /** Whole seconds of each packet's timestamp (integers, exact). */
  readonly tsSec: Float64Array;
  /** Nanoseconds within the second. */
  readonly tsNsec: Uint32Array;
  /** Length on the wire (original length). */
  readonly wireLen: Uint32Array;
  /** Length libpcap captured (≤ wireLen, ≤ snaplen). */
  readonly capLen: Uint32Array;
  /** L4 payload length from the IP length fields. */
  readonly payloadLen: Uint32Array;
  /** Direction-independent hash of (source, VLAN, protocol, both endpoints). */
  readonly flowHash: Uint32Array;
  /** Offset of each packet's copied bytes in `data`. */
  readonly dataOff: Uint32Array;
  /** 4 words per row: the 16 address bytes (network order; IPv4 v4-mapped). */
  readonly srcAddr: Uint32Array;
  readonly dstAddr: Uint32Array;
  /** The same addresses as bytes, 16 per row. */
  readonly srcAddrBytes: Uint8Array;
  readonly dstAddrBytes: Uint8Array;
  readonly sourceId: Uint16Array;
  readonly linkType: Uint16Array;
  readonly vlan: Uint16Array;
  /** Source port; ICMP/ICMPv6: type. */
  readonly srcPort: Uint16Array;
  /** Destination port; ICMP/ICMPv6: code. */
  readonly dstPort: Uint16Array;
  readonly tcpFlags: Uint16Array;
  /** LAYER bits. */
  readonly layers: Uint16Array;
  /** Bytes of the packet copied into `data` (the first min(capLen, copyBytes)). */
  readonly dataLen: Uint16Array;
  /** L3 kind (see L3). */
  readonly l3: Uint8Array;
  readonly ipProto: Uint8Array;
  /** FRAG bits. */
  readonly frag: Uint8Array;
  /** ERROR_KIND of the first problem found, 0 when none. */
  readonly error: Uint8Array;
  readonly errorLayer: Uint8Array;
  /** The packets' first bytes, addressed by dataOff/dataLen. */
  readonly data: Uint8Array;

  constructor(buffer: ArrayBuffer, slot: number, capacity: number, dataCapacity: number) {
    this.buffer = buffer;
    this.slot = slot;
    this.capacity = capacity;
    this.header = new Uint32Array(buffer, 0, HEADER_WORDS);
    const { columns: o, dataOffset } = columnOffsets(capacity);
    this.tsSec = new Float64Array(buffer, o.ts_sec, capacity);
    this.tsNsec = new Uint32Array(buffer, o.ts_nsec, capacity);
    this.wireLen = new Uint32Array(buffer, o.wire_len, capacity);
    this.capLen = new Uint32Array(buffer, o.cap_len, capacity);
    this.payloadLen = new Uint32Array(buffer, o.payload_len, capacity);
    this.flowHash = new Uint32Array(buffer, o.flow_hash, capacity);
    this.dataOff = new Uint32Array(buffer, o.data_off, capacity);
    this.srcAddr = new Uint32Array(buffer, o.src_addr, capacity * 4);
    this.dstAddr = new Uint32Array(buffer, o.dst_addr, capacity * 4);
    this.srcAddrBytes = new Uint8Array(buffer, o.src_addr, capacity * 16);
    this.dstAddrBytes = new Uint8Array(buffer, o.dst_addr, capacity * 16);
    this.sourceId = new Uint16Array(buffer, o.source_id, capacity);
    this.linkType = new Uint16Array(buffer, o.link_type, capacity);
    this.vlan = new Uint16Array(buffer, o.vlan, capacity);
    this.srcPort = new Uint16Array(buffer, o.src_port, capacity);
    this.dstPort = new Uint16Array(buffer, o.dst_port, capacity);
    this.tcpFlags = new Uint16Array(buffer, o.tcp_flags, capacity);
    this.layers = new Uint16Array(buffer, o.layers, capacity);
    this.dataLen = new Uint16Array(buffer, o.data_len, capacity);
    this.l3 = new Uint8Array(buffer, o.l3, capacity);
    this.ipProto = new Uint8Array(buffer, o.ip_proto, capacity);
    this.frag = new Uint8Array(buffer, o.frag, capacity);
    this.error = new Uint8Array(buffer, o.error, capacity);
    this.errorLayer = new Uint8Array(buffer, o.error_layer, capacity);
    this.data = new Uint8Array(buffer, dataOffset, dataCapacity);
  }

  /** Rows filled in the batch currently held by this slot. */
  get rows(): number {
    return this.header[HEADER.rows]!;
  }

  /** Batch number within its source, from 0. */
  get sequence(): number {
    return this.header[HEADER.sequence]!;
  }

  /** Exact timestamp of row `i` in nanoseconds (allocates a BigInt: not for per-packet loops). */
  timestampNs(i: number): bigint {
    return BigInt(this.tsSec[i]!) * 1_000_000_000n + BigInt(this.tsNsec[i]!);
  }

  /** The copied bytes of row `i` (a view, valid only while the batch is). */
  packetBytes(i: number): Uint8Array {
    return this.data.subarray(this.dataOff[i]!, this.dataOff[i]! + this.dataLen[i]!);
  }
}

// The shape of the native addon (native/addon.cc). Only lib/capture uses it;
// everything public goes through the typed wrappers.

export interface NativeSourceOptions {
  kind: 'live' | 'file';
  id: number;
  name?: string;
  device?: string;
  path?: string;
  snaplen?: number;
  promiscuous?: boolean;
  bufferBytes?: number;
  timeoutMs?: number;
  immediate?: boolean;
  speed?: number;
  loop?: boolean;
  filter?: string;
  batchRows?: number;
  batchMs?: number;
  copyBytes?: number;
  poolSize?: number;
  parse?: boolean;
}

export interface NativeCounters {
  packets: number;
  bytes: number;
  kernelReceived: number;
  kernelDrops: number;
  interfaceDrops: number;
  ringDrops: number;
  batches: number;
  errorsTruncated: number;
  errorsMalformed: number;
  errorsUnsupportedLink: number;
  loops: number;
}

export interface NativeSource {
  readonly buffers: ArrayBuffer[];
  /** Rows per batch buffer. */
  readonly batchRows: number;
  /** Bytes of packet data per batch buffer. */
  readonly dataCapacity: number;
  readonly linkType: number;
  readonly snaplen: number;
  readonly nanosecondTimestamps: boolean;
  readonly warning?: string;
  start(): void;
  stop(): void;
  stats(): NativeCounters;
  setFilter(expression: string): void;
  release(slot: number): void;
}

export interface NativeColumn {
  name: string;
  type: 'f64' | 'u32' | 'u16' | 'u8';
  elementSize: number;
  width: number;
  offset: number;
}

export interface NativeDecoded {
  srcAddr: Uint8Array;
  dstAddr: Uint8Array;
  payloadLen: number;
  vlan: number;
  srcPort: number;
  dstPort: number;
  tcpFlags: number;
  layers: number;
  l3: number;
  ipProto: number;
  frag: number;
  error: number;
  errorLayer: number;
  flowHash: number;
}

export interface NativeInterface {
  name: string;
  description: string;
  loopback: boolean;
  up: boolean;
  running: boolean;
  wireless: boolean;
  addresses: { family: 'ipv4' | 'ipv6'; address: string; netmask?: string; broadcast?: string }[];
}

/** The flow table's per-packet core (native/bindings/flow_core_wrap.hpp); lib/flows/flow-table.ts wraps it. */
export interface NativeFlowCore {
  /** Flow entries (128 bytes each) and the index. */
  readonly pool: ArrayBuffer;
  readonly slots: ArrayBuffer;
  /** Int32 head[7], then tail[7], of the LRU list of each timeout class. */
  readonly lists: ArrayBuffer;
  /** Float64 counters (see FlowTable). */
  readonly counters: ArrayBuffer;
  /** Copies of ended or reported flows (entry layout, end reason in word 29). */
  readonly ended: ArrayBuffer;
  /** Int32 rows accounted to no flow. */
  readonly withoutFlow: ArrayBuffer;
  /** The dense list of per-second sums: sumsCapacity × 12 Uint32 keys, then Float64 bytes, then Float64 packets. */
  readonly sums: ArrayBuffer;
  readonly sumsCapacity: number;
  ingest(batch: ArrayBuffer, capacity: number, from: number, to: number): void;
  expire(now: number): number;
  flush(): number;
  clear(): number;
  setTimeouts(idle: Float64Array, active: number): void;
  setKeep(records: boolean, sums: boolean): void;
  /** [ended flows, rows without a flow, per-second sums] queued now. */
  queued(): [number, number, number];
  resetQueues(): void;
  nextSecond(): void;
}

export interface NativeAddon {
  FlowCore: new (maxFlows: number, hashSeed: number, icmpCounterparts: Int16Array, drain: (sumsFull: boolean) => void) => NativeFlowCore;
  Source: new (
    options: NativeSourceOptions,
    onBatch: (slot: number) => boolean | void,
    onEnd: (error: (Error & { kind?: string }) | null) => void,
  ) => NativeSource;
  listInterfaces(): NativeInterface[];
  libpcapVersion(): string;
  dropPrivileges(user: string, group?: string): { uid: number; gid: number };
  checkFilter(expression: string, linkType?: number): void;
  decodeFrame(linkType: number, bytes: Uint8Array, sourceId?: number): NativeDecoded;
  batchLayout(capacity: number): { magic: number; version: number; headerBytes: number; dataOffset: number; columns: NativeColumn[] };
  sourceHash(): string;
}

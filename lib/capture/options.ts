// Validates capture options at the library edge, with messages that name the
// option, and maps them onto the addon's option object.
import type { NativeSourceOptions } from './native-types.js';

/** Options shared by live and file sources. */
export interface CommonSourceOptions {
  /** Numeric id carried in every row (0..65535). Default 0. */
  id?: number;
  /** A name for logs and stats. Default: the interface or file name. */
  name?: string;
  /** BPF filter expression (tcpdump syntax). */
  filter?: string;
  /** Hand a batch to JavaScript when it has this many packets. Default 1024. */
  batchRows?: number;
  /** ...or when its first packet is this old (ms). Default 50. */
  batchMs?: number;
  /** Bytes of each packet copied into the batch (0..65535). Default 256. */
  copyBytes?: number;
  /** Batch buffers per source (2..4096). Default 8. */
  poolSize?: number;
  /** Decode headers into the batch columns. Default true; false only to measure raw delivery. */
  parse?: boolean;
}

export interface LiveSourceOptions extends CommonSourceOptions {
  /** Interface name, e.g. "eth0" or "lo". */
  interface: string;
  /** Bytes captured per packet (64..262144). Default 256: headers plus the first payload bytes. */
  snaplen?: number;
  /** Default true. */
  promiscuous?: boolean;
  /** Kernel ring size in MiB (1..1024). Default 32. */
  bufferMb?: number;
  /** Read timeout in ms: how long the kernel may hold packets to fill a block. Default 50. */
  timeoutMs?: number;
  /** Deliver each packet as soon as it arrives (lower latency, more CPU). Default false. */
  immediate?: boolean;
}

export interface FileSourceOptions extends CommonSourceOptions {
  /** A pcap or pcapng file. */
  file: string;
  /** 'max' (default) reads as fast as possible; a number paces at real time × speed. */
  speed?: number | 'max';
  /** Start again at the end of the file (timestamps keep increasing). Default false. */
  loop?: boolean;
}

function integer(name: string, value: unknown, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new TypeError(`${name}: expected an integer ${min}..${max}, got ${JSON.stringify(value)}`);
  }
  if (value < min || value > max) throw new RangeError(`${name}: expected an integer ${min}..${max}, got ${value}`);
  return value;
}

function boolean(name: string, value: unknown): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw new TypeError(`${name}: expected true or false, got ${JSON.stringify(value)}`);
  return value;
}

function text(name: string, value: unknown, required: boolean): string | undefined {
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'string' || (required && value.length === 0)) {
    throw new TypeError(`${name}: expected a non-empty string, got ${JSON.stringify(value)}`);
  }
  return value;
}

function common(options: CommonSourceOptions): Omit<NativeSourceOptions, 'kind'> {
  return {
    id: integer('id', options.id, 0, 65535) ?? 0,
    name: text('name', options.name, false),
    filter: text('filter', options.filter, false),
    batchRows: integer('batchRows', options.batchRows, 1, 65536),
    batchMs: integer('batchMs', options.batchMs, 1, 60000),
    copyBytes: integer('copyBytes', options.copyBytes, 0, 65535),
    poolSize: integer('poolSize', options.poolSize, 2, 4096),
    parse: boolean('parse', options.parse),
  };
}

function withoutUndefined<T extends object>(o: T): T {
  for (const key of Object.keys(o) as (keyof T)[]) if (o[key] === undefined) delete o[key];
  return o;
}

export function liveOptions(options: LiveSourceOptions): NativeSourceOptions {
  if (typeof options !== 'object' || options === null) throw new TypeError('options: expected an object');
  const bufferMb = integer('bufferMb', options.bufferMb, 1, 1024);
  return withoutUndefined({
    kind: 'live',
    ...common(options),
    device: text('interface', options.interface, true),
    snaplen: integer('snaplen', options.snaplen, 64, 262144),
    promiscuous: boolean('promiscuous', options.promiscuous),
    bufferBytes: bufferMb === undefined ? undefined : bufferMb * 1024 * 1024,
    timeoutMs: integer('timeoutMs', options.timeoutMs, 1, 60000),
    immediate: boolean('immediate', options.immediate),
  });
}

export function fileOptions(options: FileSourceOptions): NativeSourceOptions {
  if (typeof options !== 'object' || options === null) throw new TypeError('options: expected an object');
  let speed: number | undefined;
  if (options.speed !== undefined && options.speed !== 'max') {
    if (typeof options.speed !== 'number' || !(options.speed > 0) || !Number.isFinite(options.speed)) {
      throw new TypeError(`speed: expected 'max' or a number > 0, got ${JSON.stringify(options.speed)}`);
    }
    speed = options.speed;
  }
  return withoutUndefined({
    kind: 'file',
    ...common(options),
    path: text('file', options.file, true),
    speed: speed ?? 0,
    loop: boolean('loop', options.loop),
  });
}

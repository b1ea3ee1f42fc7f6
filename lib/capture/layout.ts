// TypeScript mirror of native/batch/layout.h: the batch format shared with the
// addon. test/unit/layout.test.ts proves the two agree.

/** Columns in layout order: [name, element type, elements per row]. */
export const COLUMNS = [
  ['ts_sec', 'f64', 1],
  ['ts_nsec', 'u32', 1],
  ['wire_len', 'u32', 1],
  ['cap_len', 'u32', 1],
  ['payload_len', 'u32', 1],
  ['flow_hash', 'u32', 1],
  ['data_off', 'u32', 1],
  ['src_addr', 'u32', 4],
  ['dst_addr', 'u32', 4],
  ['source_id', 'u16', 1],
  ['link_type', 'u16', 1],
  ['vlan', 'u16', 1],
  ['src_port', 'u16', 1],
  ['dst_port', 'u16', 1],
  ['tcp_flags', 'u16', 1],
  ['layers', 'u16', 1],
  ['data_len', 'u16', 1],
  ['l3', 'u8', 1],
  ['ip_proto', 'u8', 1],
  ['frag', 'u8', 1],
  ['error', 'u8', 1],
  ['error_layer', 'u8', 1],
] as const;

export type ColumnName = (typeof COLUMNS)[number][0];
export type ColumnType = 'f64' | 'u32' | 'u16' | 'u8';

export const ELEMENT_SIZE: Record<ColumnType, number> = { f64: 8, u32: 4, u16: 2, u8: 1 };

export const BATCH_MAGIC = 0x57574231;
export const BATCH_VERSION = 1;

/** Header words (uint32) at the start of every batch. */
export const HEADER = {
  magic: 0,
  version: 1,
  rows: 2,
  capacity: 3,
  dataUsed: 4,
  dataCapacity: 5,
  sourceId: 6,
  sequence: 7,
} as const;
export const HEADER_WORDS = 8;
export const HEADER_BYTES = HEADER_WORDS * 4;

/** `l3` column values. */
export const L3 = { none: 0, arp: 1, ipv4: 2, ipv6: 3, other: 4 } as const;

/** `error` column values: the first problem the parser met in a frame. */
export const ERROR_KIND = { none: 0, truncated: 1, malformed: 2, unsupported_link: 3 } as const;
export const ERROR_KIND_NAMES = ['none', 'truncated', 'malformed', 'unsupported_link'] as const;

/** `error_layer` column values. */
export const ERROR_LAYER = {
  none: 0,
  link: 1,
  vlan: 2,
  arp: 3,
  ipv4: 4,
  ipv6: 5,
  ipv6_ext: 6,
  tcp: 7,
  udp: 8,
  icmp: 9,
  icmpv6: 10,
} as const;

/** `layers` column bits: the outermost headers a frame carries. */
export const LAYER = {
  ethernet: 1 << 0,
  llc: 1 << 1,
  vlan: 1 << 2,
  arp: 1 << 3,
  ipv4: 1 << 4,
  ipv6: 1 << 5,
  tcp: 1 << 6,
  udp: 1 << 7,
  icmp: 1 << 8,
  icmpv6: 1 << 9,
  sll: 1 << 10,
  null: 1 << 11,
} as const;

/** `frag` column bits. */
export const FRAG = { fragment: 1 << 0, first: 1 << 1, more: 1 << 2 } as const;

/** Byte offset of each column in a batch of `capacity` rows, plus the data region. */
export function columnOffsets(capacity: number): { columns: Record<ColumnName, number>; dataOffset: number } {
  let offset = HEADER_BYTES;
  const columns = {} as Record<ColumnName, number>;
  for (const [name, type, width] of COLUMNS) {
    columns[name] = offset;
    offset += capacity * ELEMENT_SIZE[type] * width;
  }
  return { columns, dataOffset: offset };
}

/** Total bytes of a batch buffer, as native/batch/layout.h batch_bytes() computes it. */
export function batchBytes(capacity: number, dataCapacity: number): number {
  return (columnOffsets(capacity).dataOffset + dataCapacity + 7) & ~7;
}

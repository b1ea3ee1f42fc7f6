// One FlowRecord as one JSON line, keys in DESIGN §7 order whatever order the
// object was built in (readers such as jq pipelines and `diff` rely on it).
import type { FlowRecord } from '../../flows/index.js';

export const FLOW_KEYS = [
  'community_id',
  'source',
  'vlan',
  'proto',
  'src_ip',
  'src_port',
  'dst_ip',
  'dst_port',
  'first_ns',
  'last_ns',
  'packets_c2s',
  'bytes_c2s',
  'packets_s2c',
  'bytes_s2c',
  'tcp_flags',
  'state',
  'end_reason',
] as const satisfies readonly (keyof FlowRecord)[];

/** The JSON text of `r` (no newline): only the §7 keys, in order, missing ones as null. Throws on values JSON cannot hold (BigInt, cycles). */
export function flowLine(r: FlowRecord): string {
  const o: Record<string, unknown> = {};
  for (const k of FLOW_KEYS) o[k] = r[k] ?? null;
  return JSON.stringify(o);
}

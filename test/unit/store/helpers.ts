// Shared by the store tests: temporary directories, synthetic rows and the
// flow records of a real fixture replay (CaptureSource.openFile + FlowTable).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CaptureSource } from '../../../lib/capture/index.js';
import { FlowTable, type FlowRecord, type FlowTimeouts } from '../../../lib/flows/index.js';
import type { SampleRow } from '../../../lib/store/index.js';
import { fixture } from '../../support/paths.js';

const dirs: string[] = [];

/** A fresh directory under the OS temp dir; removeTempDirs() deletes them all. */
export function tempDir(prefix = 'ww-store-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

export async function replayRecords(name: string, timeouts: Partial<FlowTimeouts> = {}): Promise<FlowRecord[]> {
  const records: FlowRecord[] = [];
  const table = new FlowTable({ maxFlows: 10_000, timeouts, onRecord: (r) => records.push(r) });
  const source = CaptureSource.openFile({ file: fixture(name) });
  source.on('batch', (batch) => table.ingest(batch));
  source.start();
  await source.ended();
  if (source.error) throw source.error;
  table.flush();
  return records;
}

let seq = 0;
/** A valid record; `t` (unix seconds) sets first_ns, `span` seconds later is last_ns. */
export function flow(t: number, overrides: Partial<FlowRecord> = {}, span = 1): FlowRecord {
  seq++;
  const first = BigInt(t) * 1_000_000_000n + BigInt(seq % 1000);
  return {
    community_id: `1:${String(seq).padStart(27, 'A')}=`,
    source: 0,
    vlan: 0,
    proto: 6,
    src_ip: '10.0.0.1',
    src_port: 40000 + (seq % 20000),
    dst_ip: '192.0.2.1',
    dst_port: 443,
    first_ns: first.toString(),
    last_ns: (first + BigInt(span) * 1_000_000_000n).toString(),
    packets_c2s: 10,
    bytes_c2s: 1000,
    packets_s2c: 8,
    bytes_s2c: 6000,
    tcp_flags: 0x1b,
    state: 'closed',
    end_reason: 'fin',
    ...overrides,
  };
}

export const sample = (ts: number, cls: SampleRow['cls'], packets: number, bytes: number, source = 0): SampleRow => ({ ts, source, cls, packets, bytes });

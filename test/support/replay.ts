// Reads a whole capture through the addon and totals it in plain numbers.
import { CaptureSource, type FileSourceOptions } from '../../lib/index.js';
import type { CaptureError } from '../../lib/capture/errors.js';

export interface ReplayTotals {
  packets: number;
  wireBytes: number;
  capBytes: number;
  /** Every timestamp as "sec.nnnnnnnnn". */
  timestamps: string[];
  batches: number;
  error: CaptureError | null;
}

export async function replayFile(file: string, options: Partial<FileSourceOptions> = {}): Promise<ReplayTotals> {
  const source = CaptureSource.openFile({ file, ...options });
  const totals: ReplayTotals = { packets: 0, wireBytes: 0, capBytes: 0, timestamps: [], batches: 0, error: null };
  source.on('batch', (batch) => {
    totals.batches++;
    for (let i = 0; i < batch.rows; i++) {
      totals.packets++;
      totals.wireBytes += batch.wireLen[i]!;
      totals.capBytes += batch.capLen[i]!;
      totals.timestamps.push(`${batch.tsSec[i]}.${String(batch.tsNsec[i]).padStart(9, '0')}`);
    }
  });
  source.start();
  await source.ended();
  totals.error = source.error;
  return totals;
}

// Drop bursts are logged once when they start and once when they stop, with the burst's size.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { DropBurstLog } from '../../../lib/daemon/drop-bursts.js';
import type { SourceStatus } from '../../../lib/daemon/view.js';
import { createLogger } from '../../../lib/log/index.js';

function capture() {
  const stream = new PassThrough();
  const lines: Array<Record<string, unknown>> = [];
  stream.on('data', (d: Buffer) => {
    for (const l of d.toString().split('\n')) if (l.startsWith('{')) lines.push(JSON.parse(l) as Record<string, unknown>);
  });
  return { logger: createLogger({ level: 'info', format: 'json', stream }), lines };
}

const status = (id: number, drops: { kernel?: number; iface?: number; ring?: number }): SourceStatus => ({
  id, name: `src${id}`, kind: 'live', state: 'capturing', packets: 0, bytes: 0,
  kernel_drops: drops.kernel ?? 0, if_drops: drops.iface ?? 0, ring_drops: drops.ring ?? 0,
  errors: { truncated: 0, malformed: 0, unsupported_link: 0 },
});

const flushed = () => new Promise((r) => setImmediate(r));

describe('DropBurstLog', () => {
  it('one line when drops start rising, none while they keep rising, one with the burst size when they stop', async () => {
    const { logger, lines } = capture();
    const log = new DropBurstLog(logger);
    log.update([status(1, { kernel: 5 })]); // drops before the first tick are history, not a burst
    log.update([status(1, { kernel: 5 })]);
    await flushed();
    expect(lines).toEqual([]);

    log.update([status(1, { kernel: 9 })]);
    log.update([status(1, { kernel: 12, ring: 3 })]);
    log.update([status(1, { kernel: 20, ring: 3 })]);
    await flushed();
    expect(lines.map((l) => l.msg)).toEqual(['packets are being dropped']);
    expect(lines[0]).toMatchObject({ level: 'warn', source: 'src1', kernel_drops: 9, if_drops: 0, ring_drops: 0 });

    log.update([status(1, { kernel: 20, ring: 3 })]);
    log.update([status(1, { kernel: 20, ring: 3 })]);
    await flushed();
    expect(lines.map((l) => l.msg)).toEqual(['packets are being dropped', 'packet drops stopped']);
    expect(lines[1]).toMatchObject({ level: 'warn', source: 'src1', dropped_in_burst: 23 - 5 });
  });

  it('keeps each source apart', async () => {
    const { logger, lines } = capture();
    const log = new DropBurstLog(logger);
    log.update([status(1, {}), status(2, {})]);
    log.update([status(1, { iface: 2 }), status(2, {})]);
    log.update([status(1, { iface: 2 }), status(2, { ring: 7 })]);
    log.update([status(1, { iface: 2 }), status(2, { ring: 7 })]);
    await flushed();
    expect(lines.map((l) => `${String(l.source)} ${String(l.msg)}`)).toEqual([
      'src1 packets are being dropped',
      'src1 packet drops stopped',
      'src2 packets are being dropped',
      'src2 packet drops stopped',
    ]);
    expect(lines[3]).toMatchObject({ dropped_in_burst: 7 });
  });
});

// largeBuffer: the addon's mmap'd memory for big tables (huge pages when the kernel allows).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadAddon } from '../../lib/capture/binding.js';
import { largeBuffer } from '../../lib/capture/large-buffer.js';

/** Kilobytes of this process's anonymous memory in huge pages, or null without THP accounting. */
function anonHugeKb(): number | null {
  const m = /AnonHugePages:\s+(\d+) kB/.exec(readFileSync('/proc/self/smaps_rollup', 'utf8'));
  return m ? Number(m[1]) : null;
}

describe('largeBuffer', () => {
  it('is zeroed, writable memory of exactly the requested size', () => {
    const bytes = 64 * 1024 * 1024 + 12; // not a page multiple
    const buf = largeBuffer(bytes);
    expect(buf.byteLength).toBe(bytes);
    const u8 = new Uint8Array(buf);
    for (const i of [0, 4096, bytes >> 1, bytes - 1]) expect(u8[i]).toBe(0);
    u8[bytes - 1] = 0xab;
    expect(new DataView(buf).getUint8(bytes - 1)).toBe(0xab);
    const f64 = new Float64Array(buf, 0, 1024);
    f64[1023] = 1.5;
    expect(f64[1023]).toBe(1.5);
  });

  it('is backed by huge pages once touched, where the kernel offers them (THP madvise or always)', () => {
    const mode = readFileSync('/sys/kernel/mm/transparent_hugepage/enabled', 'utf8');
    const before = anonHugeKb();
    if (before === null || mode.includes('[never]')) return; // nothing to observe on this kernel
    const buf = largeBuffer(32 * 1024 * 1024);
    new Uint8Array(buf).fill(1);
    expect(anonHugeKb()! - before).toBeGreaterThanOrEqual(8 * 1024);
  });

  it('small sizes are plain ArrayBuffers; bad sizes are refused with a clear error', () => {
    expect(largeBuffer(1024).byteLength).toBe(1024);
    const addon = loadAddon();
    expect(() => addon.largeBuffer(0)).toThrow(/integer from 1 to 2\^40/);
    expect(() => addon.largeBuffer(1.5)).toThrow(RangeError);
    expect(() => addon.largeBuffer(2 ** 41)).toThrow(RangeError);
    expect(() => addon.largeBuffer('1' as never)).toThrow(TypeError);
  });
});

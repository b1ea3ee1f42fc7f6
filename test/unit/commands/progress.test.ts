// The replay progress bar: drawn only on a terminal, throttled, cleared at the end.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ProgressBar } from '../../../lib/commands/progress.js';

function stream(isTTY: boolean): { s: NodeJS.WriteStream; text: () => string } {
  const p = new PassThrough();
  const chunks: string[] = [];
  p.on('data', (d: Buffer) => chunks.push(d.toString()));
  Object.assign(p, { isTTY });
  return { s: p as unknown as NodeJS.WriteStream, text: () => chunks.join('') };
}

describe('ProgressBar', () => {
  it('writes nothing when stderr is not a terminal', async () => {
    const { s, text } = stream(false);
    const bar = new ProgressBar(s);
    bar.update(0.5, 100);
    bar.done();
    await new Promise((r) => setImmediate(r));
    expect(bar.enabled).toBe(false);
    expect(text()).toBe('');
  });

  it('draws a clamped bar with a percentage and clears its line at the end', async () => {
    const { s, text } = stream(true);
    const bar = new ProgressBar(s);
    await new Promise((r) => setTimeout(r, 210));
    bar.update(1.7, 1234567);
    bar.update(0.1, 1); // throttled: within 200 ms of the last draw
    bar.done();
    await new Promise((r) => setImmediate(r));
    const out = text();
    expect(out).toContain(`[${'#'.repeat(30)}] 100%`);
    expect(out).toContain('1,234,567 packets');
    expect(out).not.toContain(' 10%');
    expect(out.endsWith('\r\x1b[2K')).toBe(true);
  });
});

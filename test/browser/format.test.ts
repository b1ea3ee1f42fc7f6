// The dashboard's formatters (web/js/format.js): plain functions, checked here
// without a browser. Hostile and edge inputs first.
import { describe, expect, it } from 'vitest';
import { endpoint, formatBits, formatBytes, formatCount, formatDuration, formatPercent, formatRate, fromLocalInput, nsToSeconds, protoName, toLocalInput } from '../../web/js/format.js';

describe('format', () => {
  it('shows a dash for values that are not numbers', () => {
    for (const v of [NaN, Infinity, -Infinity, undefined, null, '12']) {
      expect(formatBits(v as number)).toBe('–');
      expect(formatRate(v as number)).toBe('–');
      expect(formatBytes(v as number)).toBe('–');
      expect(formatCount(v as number)).toBe('–');
      expect(formatPercent(v as number)).toBe('–');
    }
    expect(formatDuration(-1)).toBe('–');
    expect(nsToSeconds('')).toBeNaN();
    expect(nsToSeconds(undefined as unknown as string)).toBeNaN();
    expect(fromLocalInput('')).toBeNaN();
    expect(fromLocalInput('not a date')).toBeNaN();
  });

  it('keeps three significant digits across unit boundaries', () => {
    expect(formatBits(0)).toBe('0 b/s');
    expect(formatBits(999)).toBe('999 b/s');
    expect(formatBits(1000)).toBe('1.00 kb/s');
    expect(formatBits(12_345_678)).toBe('12.3 Mb/s');
    expect(formatBits(2.5e12)).toBe('2.50 Tb/s');
    expect(formatRate(7)).toBe('7.00/s');
    expect(formatRate(150_000)).toBe('150 k/s');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1024)).toBe('1.00 KiB');
    expect(formatBytes(5 * 1024 ** 3)).toBe('5.00 GiB');
    expect(formatCount(9999)).toBe('9,999');
    expect(formatCount(12_345)).toBe('12.3 k');
  });

  it('formats durations from milliseconds to days', () => {
    expect(formatDuration(0.25)).toBe('250 ms');
    expect(formatDuration(1)).toBe('1 s');
    expect(formatDuration(1.5)).toBe('1.5 s');
    expect(formatDuration(42.4)).toBe('42 s');
    expect(formatDuration(185)).toBe('3m 05s');
    expect(formatDuration(7440)).toBe('2h 04m');
    expect(formatDuration(3 * 86400 + 7200)).toBe('3d 02h');
  });

  it('reads nanosecond strings beyond 2^53 and prints endpoints', () => {
    expect(nsToSeconds('1767225600123456789')).toBeCloseTo(1767225600.123456789, 5);
    expect(nsToSeconds('999')).toBeCloseTo(999e-9, 15);
    expect(endpoint('10.0.0.1', 443, 6)).toBe('10.0.0.1:443');
    expect(endpoint('fd00::1', 53, 17)).toBe('[fd00::1]:53');
    expect(endpoint('10.0.0.1', 8, 1)).toBe('10.0.0.1');
    expect(protoName(58)).toBe('ICMPv6');
    expect(protoName(253)).toBe('proto 253');
  });

  it('round-trips datetime-local values in local time', () => {
    const t = 1767225600 + 3723;
    expect(fromLocalInput(toLocalInput(t))).toBe(t);
  });
});

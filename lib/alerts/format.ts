// Numbers for alert reasons: short, SI-prefixed, units spelled out.
import type { AlertMetric } from '../config/types.js';

export function si(value: number, digits = 3): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  const units: Array<[number, string]> = [
    [1e12, 'T'],
    [1e9, 'G'],
    [1e6, 'M'],
    [1e3, 'k'],
  ];
  for (const [scale, prefix] of units) {
    if (abs >= scale) return `${trim(value / scale, digits)} ${prefix}`;
  }
  return `${trim(value, digits)} `;
}

function trim(v: number, digits: number): string {
  return String(Number(v.toPrecision(digits)));
}

export function bytes(value: number): string {
  return `${si(value)}B`;
}

const UNIT: Record<AlertMetric, string> = {
  bytes_per_s: 'B/s',
  packets_per_s: 'packets/s',
  new_flows_per_s: 'new flows/s',
  active_flows: 'active flows',
  drops: 'dropped packets',
};

/** "1.5 MB/s", "999 B/s", "12.3k packets/s", "3 dropped packets". */
export function metricValue(metric: AlertMetric, value: number): string {
  if (metric === 'bytes_per_s') return `${si(value)}${UNIT[metric]}`;
  return `${si(value).replace(/ (\w?)$/, '$1')} ${UNIT[metric]}`;
}

export const OP_WORDS = { '>': 'above', '>=': 'at or above', '<': 'below', '<=': 'at or below' } as const;

export function seconds(s: number): string {
  if (s < 120) return `${Math.round(s)} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  return `${Math.round(s / 360) / 10} h`;
}

export function num(v: number, digits = 3): string {
  return trim(v, digits);
}

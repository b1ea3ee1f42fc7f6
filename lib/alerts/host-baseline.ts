// What wirewatch knows about one local host's normal behaviour, and its JSON
// form in alert_baselines.data. decode() trusts nothing: a row cut short, a
// wrong type or an out-of-range number makes it return an error string, and the
// caller rebuilds that host from new traffic.
import { Welford } from './welford.js';
import type { AlertEvent } from './types.js';

export const CODEC_VERSION = 1;
/** Distinct contacts remembered per fan-out interval (enough to cross any threshold that matters). */
export const FAN_SET_CAP = 4096;

export class HostBaseline {
  readonly ip: string;
  /** Flow time (unix s) of the host's first flow: learning runs from here. */
  first: number;
  last: number;
  flows = 0;
  /** Destinations it initiated flows to → last contact time; Map order = least recently used first. */
  readonly peers = new Map<string, number>();
  /** Destination ports ("tcp/443") → last use; same order. */
  readonly ports = new Map<string, number>();
  /** Bytes per hour, by hour of day (UTC). */
  readonly hours: Welford[] = Array.from({ length: 24 }, () => new Welford());
  /** Bytes per hour, every hour (used until an hour of day has enough samples). */
  pooled = new Welford();
  /** Distinct contacts (max of destinations, ports) per fan-out interval with traffic. */
  fan = new Welford();
  /** The hour being summed (unix s, multiple of 3600), -1 before any flow. */
  hourStart = -1;
  hourBytes = 0;
  /** The hour the host appeared in (partly observed: never a sample). */
  firstHour = -1;

  // ── live state, not persisted ──
  /** Loaded from the database: the open hour may have gaps (wirewatch was down), so it is not a sample. */
  resumed = false;
  fanStart = -1;
  readonly fanPeers = new Set<string>();
  readonly fanPorts = new Set<string>();
  /** Flow time at which the current interval crossed the fan-out threshold, null if it did not. */
  fanCrossAt: number | null = null;
  fanAlert: AlertEvent | null = null;
  volumeAlert: AlertEvent | null = null;
  /** Rate limit of new-contact anomalies: the hour counted and the anomalies raised in it. */
  contactHour = -1;
  contactAlerts = 0;
  dirty = true;

  constructor(ip: string, first: number) {
    this.ip = ip;
    this.first = first;
    this.last = first;
  }

  encode(): string {
    return JSON.stringify({
      v: CODEC_VERSION,
      ip: this.ip,
      first: this.first,
      last: this.last,
      flows: this.flows,
      peers: [...this.peers],
      ports: [...this.ports],
      hours: this.hours.map((w) => w.toJSON()),
      pooled: this.pooled.toJSON(),
      fan: this.fan.toJSON(),
      hour: [this.hourStart, this.hourBytes, this.firstHour],
      // The open fan-out interval, so a restart inside it counts it whole (sets are small except during a scan).
      fan_open: [this.fanStart, [...this.fanPeers], [...this.fanPorts]],
    });
  }

  /** The baseline stored for `ip`, or why it cannot be used. Keeps the newest `maxPeers` peers and ports. */
  static decode(ip: string, text: unknown, maxPeers: number): HostBaseline | string {
    if (typeof text !== 'string') return 'not text';
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (error) {
      return `not JSON (${(error as Error).message})`;
    }
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return 'not an object';
    const o = raw as Record<string, unknown>;
    if (o.v !== CODEC_VERSION) return `version ${JSON.stringify(o.v)}, expected ${CODEC_VERSION}`;
    if (o.ip !== ip) return `address ${JSON.stringify(o.ip)} does not match the row`;
    if (!time(o.first) || !time(o.last)) return 'bad first/last time';
    if (!count(o.flows)) return 'bad flow count';
    const peers = entries(o.peers);
    const ports = entries(o.ports);
    if (!peers || !ports) return 'bad peers or ports';
    if (!Array.isArray(o.hours) || o.hours.length !== 24) return 'bad hours';
    const hours = o.hours.map((h) => Welford.from(h));
    const pooled = Welford.from(o.pooled);
    const fan = Welford.from(o.fan);
    if (hours.some((h) => h === null) || !pooled || !fan) return 'bad statistics';
    if (!Array.isArray(o.hour) || o.hour.length !== 3) return 'bad hour bucket';
    const [hourStart, hourBytes, firstHour] = o.hour as unknown[];
    if (!hourMark(hourStart) || !hourMark(firstHour) || typeof hourBytes !== 'number' || !(hourBytes >= 0) || !Number.isFinite(hourBytes)) return 'bad hour bucket';
    if (!Array.isArray(o.fan_open) || o.fan_open.length !== 3) return 'bad fan-out interval';
    const [fanStart, fanPeers, fanPorts] = o.fan_open as unknown[];
    if (typeof fanStart !== 'number' || !Number.isInteger(fanStart) || fanStart < -1 || !strings(fanPeers) || !strings(fanPorts)) return 'bad fan-out interval';

    const h = new HostBaseline(ip, o.first as number);
    h.last = o.last as number;
    h.flows = o.flows as number;
    for (const [k, t] of peers.slice(-maxPeers)) h.peers.set(k, t);
    for (const [k, t] of ports.slice(-maxPeers)) h.ports.set(k, t);
    hours.forEach((w, i) => (h.hours[i] = w!));
    h.pooled = pooled;
    h.fan = fan;
    h.hourStart = hourStart;
    h.hourBytes = hourBytes;
    h.firstHour = firstHour;
    h.fanStart = fanStart;
    for (const p of fanPeers.slice(0, FAN_SET_CAP)) h.fanPeers.add(p);
    for (const p of fanPorts.slice(0, FAN_SET_CAP)) h.fanPorts.add(p);
    h.resumed = true;
    h.dirty = false;
    return h;
  }
}

function time(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0;
}

function count(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0;
}

function hourMark(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && (v === -1 || (v >= 0 && v % 3600 === 0));
}

function strings(v: unknown): v is string[] {
  return Array.isArray(v) && v.length <= 65536 && v.every((x) => typeof x === 'string' && x.length > 0 && x.length <= 64);
}

function entries(v: unknown): Array<[string, number]> | null {
  if (!Array.isArray(v) || v.length > 1_000_000) return null;
  for (const e of v) {
    if (!Array.isArray(e) || e.length !== 2 || typeof e[0] !== 'string' || e[0].length === 0 || e[0].length > 64 || !time(e[1])) return null;
  }
  return v as Array<[string, number]>;
}

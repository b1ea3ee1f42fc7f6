// Per-host behavioural baselines (alerts.baselines) and the anomalies they
// raise. Fed with ended flow records (never per packet); time is flow time.
//
// A local host is one inside alerts.local_networks. For each, from the flows
// it INITIATES: the destinations and destination ports it uses; from every
// flow it is an end of: bytes per hour. After learning_hours of flow time since
// the host's first flow:
//   new_destination  a destination it never initiated a flow to
//   new_port         a service port (< 32768) it never used
//   volume           the hour's bytes, so far, at z ≥ 4 over its normal for
//                    that hour of day (Welford per hour of day; all hours
//                    pooled until an hour of day has 3 samples)
//   fan_out          distinct destinations or ports within 60 s far above its
//                    normal per interval (scan-like)
// new_destination / new_port are point anomalies: they resolve by themselves
// 5 minutes later (the contact is then part of the baseline). volume resolves
// when the hour ends, fan_out when the interval ends.
//
// Bounds: max_hosts hosts (least recently active evicted), max_peers_per_host
// destinations and as many ports per host (least recently used evicted). A host
// whose destination (port) set is full talks to too many for a per-destination
// baseline: it raises no new_destination (new_port); fan_out still covers it.
import type { AlertsConfig } from '../config/types.js';
import type { FlowRecord } from '../flows/records.js';
import { bytes, num, seconds } from './format.js';
import { FAN_SET_CAP, HostBaseline } from './host-baseline.js';
import { LocalNetworks } from './networks.js';
import type { AlertEvent, AnomalyKind } from './types.js';

export const FANOUT_INTERVAL_S = 60;
/** Distinct contacts per interval below which nothing is scan-like, whatever the baseline. */
export const FANOUT_MIN = 32;
const FANOUT_SIGMAS = 6;
const FANOUT_RATIO = 3;
export const VOLUME_Z = 4;
/** Samples an hour's statistics need before volume anomalies are raised. */
export const VOLUME_MIN_SAMPLES = 3;
/** Bytes above the mean an hour must reach, so a quiet host's few kB never alert. */
export const VOLUME_MIN_EXCESS = 1 << 20;
/** σ is at least this share of the mean (and VOLUME_SD_FLOOR): a very regular host is not alerted on noise. */
const VOLUME_SD_RATIO = 0.25;
const VOLUME_SD_FLOOR = 64 * 1024;
/** Silent hours filled in as zero samples after a gap, at most (one week). */
const MAX_ZERO_HOURS = 168;
/** new_destination + new_port raised per host per hour of flow time, at most. */
export const NEW_CONTACT_LIMIT = 5;
/** Point anomalies resolve this long after firing. */
export const POINT_HOLD_S = 300;
/** Ports from here up are ephemeral (Linux default range starts at 32768): not services, not learned. */
export const EPHEMERAL_PORT = 32768;

const PROTO_NAMES: Record<number, string> = { 6: 'tcp', 17: 'udp', 132: 'sctp' };

interface Contact {
  host: HostBaseline;
  peer: string;
  port: string | null;
  t: number;
}

export interface BaselineStats {
  hosts: number;
  learning: number;
  evicted_hosts: number;
  suppressed: number;
}

const SEVERITY: Record<AnomalyKind, AlertEvent['severity']> = { new_destination: 'info', new_port: 'info', volume: 'warning', fan_out: 'warning' };

/** Seconds of a FlowRecord ns string; null if it is not one. */
export function nsToSeconds(ns: unknown): number | null {
  if (typeof ns === 'number') return Number.isFinite(ns) && ns >= 0 ? ns / 1e9 : null;
  if (typeof ns !== 'string' || !/^\d{1,20}$/.test(ns)) return null;
  const sec = ns.length > 9 ? Number(ns.slice(0, -9)) : 0;
  return sec + Number(ns.slice(-9)) / 1e9;
}

function nonNegative(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 0;
}

function portKey(r: FlowRecord): string | null {
  const name = PROTO_NAMES[r.proto];
  if (!name || typeof r.dst_port !== 'number' || !Number.isInteger(r.dst_port) || r.dst_port <= 0 || r.dst_port > 65535) return null;
  return `${name}/${r.dst_port}`;
}

function isService(port: string): boolean {
  return Number(port.slice(port.indexOf('/') + 1)) < EPHEMERAL_PORT;
}

function hourText(hourStart: number): string {
  return `${String(Math.floor(hourStart / 3600) % 24).padStart(2, '0')}:00 UTC`;
}

export class Baselines {
  #config: AlertsConfig;
  #networks: LocalNetworks;
  /** Map order = least recently active first. */
  readonly #hosts = new Map<string, HostBaseline>();
  /** Hosts with a firing volume or fan_out anomaly (closed by snapshot time too). */
  readonly #active = new Set<HostBaseline>();
  /** Firing point anomalies, in firing order. */
  #points: AlertEvent[] = [];
  /** Evicted or dropped hosts whose stored rows must go. */
  readonly #deleted = new Set<string>();
  #flowTime = -Infinity;
  #evicted = 0;
  #suppressed = 0;
  readonly #nextId: () => number;

  constructor(config: AlertsConfig, nextId: () => number) {
    this.#config = config;
    this.#networks = new LocalNetworks(config.local_networks);
    this.#nextId = nextId;
  }

  get enabled(): boolean {
    return this.#config.baselines.enabled;
  }

  get size(): number {
    return this.#hosts.size;
  }

  host(ip: string): HostBaseline | undefined {
    return this.#hosts.get(ip);
  }

  stats(): BaselineStats {
    let learning = 0;
    for (const h of this.#hosts.values()) if (!this.#learned(h, this.#flowTime)) learning++;
    return { hosts: this.#hosts.size, learning, evicted_hosts: this.#evicted, suppressed: this.#suppressed };
  }

  /** New config: networks, bounds, learning. Hosts no longer local are dropped (their anomalies resolve). */
  configure(config: AlertsConfig): AlertEvent[] {
    const networks = new LocalNetworks(config.local_networks);
    this.#config = config;
    this.#networks = networks;
    const out: AlertEvent[] = [];
    for (const h of [...this.#hosts.values()]) {
      if (!networks.has(h.ip)) this.#drop(h, 'the host is no longer in alerts.local_networks', out);
    }
    this.#enforceHostCap(out);
    const cap = config.baselines.max_peers_per_host;
    for (const h of this.#hosts.values()) {
      trim(h.peers, cap);
      trim(h.ports, cap);
    }
    return out;
  }

  /** Adds hosts read from the database (not counted as activity). */
  restore(hosts: HostBaseline[]): void {
    for (const h of hosts) {
      if (!this.#networks.has(h.ip) || this.#hosts.size >= this.#config.baselines.max_hosts) {
        this.#deleted.add(h.ip);
        continue;
      }
      this.#hosts.set(h.ip, h);
    }
  }

  /** Hosts changed since the last call (and marks them clean), and addresses whose rows must be deleted. */
  takeDirty(): { hosts: Array<{ ip: string; data: string }>; deleted: string[] } {
    const hosts: Array<{ ip: string; data: string }> = [];
    for (const h of this.#hosts.values()) {
      if (!h.dirty) continue;
      h.dirty = false;
      hosts.push({ ip: h.ip, data: h.encode() });
    }
    const deleted = [...this.#deleted].filter((ip) => !this.#hosts.has(ip));
    this.#deleted.clear();
    return { hosts, deleted };
  }

  /** Puts back what takeDirty() returned when the write failed. */
  markDirty(ips: string[], deleted: string[]): void {
    for (const ip of ips) {
      const h = this.#hosts.get(ip);
      if (h) h.dirty = true;
    }
    for (const ip of deleted) this.#deleted.add(ip);
  }

  /** One group of ended flow records; returns the anomalies (firing and resolved) in order. */
  ingest(records: readonly FlowRecord[]): AlertEvent[] {
    const out: AlertEvent[] = [];
    if (!this.enabled || !Array.isArray(records)) return out;
    const contacts: Contact[] = [];
    const touched = new Set<HostBaseline>();
    // Pass 1: volume and fan-out counts for the whole group, so that a scan whose
    // records arrive together is one fan_out, not a burst of new-contact alerts.
    for (const r of records) {
      if (!r || typeof r !== 'object' || typeof r.src_ip !== 'string' || typeof r.dst_ip !== 'string') continue;
      const t0 = nsToSeconds(r.first_ns);
      let t1 = nsToSeconds(r.last_ns);
      if (t0 === null || t1 === null) continue;
      if (t1 < t0) t1 = t0;
      if (t1 > this.#flowTime) this.#flowTime = t1;
      this.#expirePoints(t1, out);
      const volume = nonNegative(r.bytes_c2s) + nonNegative(r.bytes_s2c);
      if (this.#networks.has(r.src_ip)) {
        const h = this.#touch(r.src_ip, t0, out);
        h.flows++;
        if (t1 > h.last) h.last = t1;
        this.#addVolume(h, t1, volume, out);
        const port = portKey(r);
        this.#addFanContact(h, t0, r.dst_ip, port, out);
        touched.add(h);
        contacts.push({ host: h, peer: r.dst_ip, port, t: t0 });
      }
      if (r.dst_ip !== r.src_ip && this.#networks.has(r.dst_ip)) {
        const h = this.#touch(r.dst_ip, t0, out);
        if (t1 > h.last) h.last = t1;
        this.#addVolume(h, t1, volume, out);
      }
    }
    for (const h of touched) if (this.#hosts.get(h.ip) === h) this.#checkFan(h, out);
    // Pass 2: destinations and ports never seen before.
    for (const c of contacts) if (this.#hosts.get(c.host.ip) === c.host) this.#newContact(c, out);
    return out;
  }

  /** Snapshot time passed: ends the hours and intervals of hosts with a firing anomaly, resolves old point anomalies. */
  advance(t: number): AlertEvent[] {
    const out: AlertEvent[] = [];
    if (!Number.isFinite(t)) return out;
    this.#expirePoints(t, out);
    for (const h of [...this.#active]) {
      if (h.volumeAlert && t >= h.hourStart + 3600) this.#closeHour(h, Math.floor(t / 3600) * 3600, out);
      if (h.fanAlert && t >= h.fanStart + FANOUT_INTERVAL_S) this.#closeFan(h, Math.floor(t / FANOUT_INTERVAL_S) * FANOUT_INTERVAL_S, out);
    }
    return out;
  }

  #learned(h: HostBaseline, t: number): boolean {
    return t >= h.first + this.#config.learning_hours * 3600;
  }

  #touch(ip: string, t: number, out: AlertEvent[]): HostBaseline {
    let h = this.#hosts.get(ip);
    if (h) {
      this.#hosts.delete(ip); // re-insert: most recently active last
      if (t < h.first) h.first = t;
    } else {
      h = new HostBaseline(ip, t);
      this.#deleted.delete(ip);
    }
    this.#hosts.set(ip, h);
    h.dirty = true;
    this.#enforceHostCap(out);
    return h;
  }

  #enforceHostCap(out: AlertEvent[]): void {
    const max = this.#config.baselines.max_hosts;
    while (this.#hosts.size > max) {
      const oldest = this.#hosts.values().next().value as HostBaseline;
      this.#evicted++;
      this.#drop(oldest, 'the host was evicted from the baselines (alerts.baselines.max_hosts)', out);
    }
  }

  #drop(h: HostBaseline, why: string, out: AlertEvent[]): void {
    this.#hosts.delete(h.ip);
    this.#deleted.add(h.ip);
    this.#active.delete(h);
    const t = Number.isFinite(this.#flowTime) ? this.#flowTime : h.last;
    if (h.volumeAlert) out.push(resolve(h.volumeAlert, t, why, h.hourBytes));
    if (h.fanAlert) out.push(resolve(h.fanAlert, t, why, Math.max(h.fanPeers.size, h.fanPorts.size)));
    h.volumeAlert = h.fanAlert = null;
    const keep: AlertEvent[] = [];
    for (const p of this.#points) {
      if (p.host === h.ip) out.push(resolve(p, t, why, p.value));
      else keep.push(p);
    }
    this.#points = keep;
  }

  // ── volume ──

  #hourStats(h: HostBaseline, hourStart: number) {
    const perHour = h.hours[Math.floor(hourStart / 3600) % 24]!;
    if (perHour.n >= VOLUME_MIN_SAMPLES) return { w: perHour, which: `at ${hourText(hourStart)}` };
    if (h.pooled.n >= VOLUME_MIN_SAMPLES) return { w: h.pooled, which: 'per hour' };
    return null;
  }

  #volumeLimit(h: HostBaseline, hourStart: number): { limit: number; mean: number; sd: number; which: string } | null {
    const st = this.#hourStats(h, hourStart);
    if (!st) return null;
    const mean = st.w.mean;
    const sd = Math.max(st.w.sd, VOLUME_SD_RATIO * mean, VOLUME_SD_FLOOR);
    return { limit: Math.max(mean + VOLUME_Z * sd, mean + VOLUME_MIN_EXCESS), mean, sd, which: st.which };
  }

  #addVolume(h: HostBaseline, t: number, n: number, out: AlertEvent[]): void {
    const hour = Math.floor(t / 3600) * 3600;
    if (h.hourStart < 0) {
      h.hourStart = h.firstHour = hour;
    } else if (hour > h.hourStart) {
      this.#closeHour(h, hour, out);
    } else if (hour === h.hourStart && h.resumed) {
      h.resumed = false; // still the hour wirewatch stopped in: keep summing it
    }
    h.hourBytes += n;
    if (h.volumeAlert || !this.#learned(h, t)) return;
    const v = this.#volumeLimit(h, h.hourStart);
    if (!v || h.hourBytes < v.limit) return;
    const z = (h.hourBytes - v.mean) / v.sd;
    h.volumeAlert = this.#fire('volume', h, t, {
      value: h.hourBytes,
      threshold: v.limit,
      score: z,
      reason:
        `${h.ip} moved ${bytes(h.hourBytes)} in the hour from ${hourText(h.hourStart)} so far, ` +
        `normally ${bytes(v.mean)} ± ${bytes(v.sd)} ${v.which} (z = ${num(z)}): traffic volume far above normal`,
    });
    this.#active.add(h);
    out.push(h.volumeAlert);
  }

  #closeHour(h: HostBaseline, next: number, out: AlertEvent[]): void {
    const ended = h.hourStart;
    if (h.resumed) {
      // The hour wirewatch stopped in, and the gap after it, were not fully watched: no samples.
      h.resumed = false;
    } else {
      if (ended !== h.firstHour) {
        // An anomalous hour counts only up to the alert limit, so one attack does not become normal.
        const v = h.volumeAlert ? this.#volumeLimit(h, ended) : null;
        const sample = v ? Math.min(h.hourBytes, v.limit) : h.hourBytes;
        h.hours[Math.floor(ended / 3600) % 24]!.add(sample);
        h.pooled.add(sample);
      }
      let k = ended + 3600;
      for (let n = 0; k < next && n < MAX_ZERO_HOURS; k += 3600, n++) {
        h.hours[Math.floor(k / 3600) % 24]!.add(0);
        h.pooled.add(0);
      }
    }
    if (h.volumeAlert) {
      out.push(resolve(h.volumeAlert, ended + 3600, `the hour ended with ${bytes(h.hourBytes)}`, h.hourBytes));
      h.volumeAlert = null;
      if (!h.fanAlert) this.#active.delete(h);
    }
    h.hourStart = next;
    h.hourBytes = 0;
    h.dirty = true;
  }

  // ── fan-out ──

  #fanThreshold(h: HostBaseline): number {
    return Math.max(FANOUT_MIN, Math.ceil(h.fan.mean + FANOUT_SIGMAS * h.fan.sd), Math.ceil(FANOUT_RATIO * h.fan.mean));
  }

  #addFanContact(h: HostBaseline, t: number, peer: string, port: string | null, out: AlertEvent[]): void {
    const start = Math.floor(t / FANOUT_INTERVAL_S) * FANOUT_INTERVAL_S;
    if (h.fanStart < 0) h.fanStart = start;
    else if (start > h.fanStart) this.#closeFan(h, start, out);
    // (a record older than the open interval counts in it: flows end out of order)
    if (h.fanPeers.size < FAN_SET_CAP) h.fanPeers.add(peer);
    if (port !== null && h.fanPorts.size < FAN_SET_CAP) h.fanPorts.add(port);
    if (h.fanCrossAt === null && !h.fanAlert && Math.max(h.fanPeers.size, h.fanPorts.size) >= this.#fanThreshold(h) && this.#learned(h, t)) {
      h.fanCrossAt = t;
    }
  }

  #checkFan(h: HostBaseline, out: AlertEvent[]): void {
    if (h.fanAlert || h.fanCrossAt === null) return;
    const peers = h.fanPeers.size;
    const ports = h.fanPorts.size;
    const value = Math.max(peers, ports);
    const threshold = this.#fanThreshold(h);
    const score = (value - h.fan.mean) / Math.max(h.fan.sd, 1);
    const what =
      ports >= peers
        ? `${value} distinct destination ports on ${peers} destination${peers === 1 ? '' : 's'}`
        : `${value} distinct destinations on ${ports} port${ports === 1 ? '' : 's'}`;
    h.fanAlert = this.#fire('fan_out', h, h.fanCrossAt, {
      value,
      threshold,
      score,
      reason:
        `${h.ip} contacted ${what} within ${FANOUT_INTERVAL_S} s, normally ${num(h.fan.mean)} ± ${num(h.fan.sd)} ` +
        `per ${FANOUT_INTERVAL_S} s (z = ${num(score)}): scan-like fan-out`,
    });
    this.#active.add(h);
    out.push(h.fanAlert);
  }

  #closeFan(h: HostBaseline, next: number, out: AlertEvent[]): void {
    const value = Math.max(h.fanPeers.size, h.fanPorts.size);
    if (value > 0) h.fan.add(h.fanAlert ? Math.min(value, this.#fanThreshold(h)) : value);
    if (h.fanAlert) {
      out.push(resolve(h.fanAlert, h.fanStart + FANOUT_INTERVAL_S, `the interval ended with ${value} distinct contacts`, value));
      h.fanAlert = null;
      if (!h.volumeAlert) this.#active.delete(h);
    }
    h.fanPeers.clear();
    h.fanPorts.clear();
    h.fanCrossAt = null;
    h.fanStart = next;
    h.dirty = true;
  }

  // ── new destinations and ports ──

  #newContact(c: Contact, out: AlertEvent[]): void {
    const { host: h, peer, port, t } = c;
    const cap = this.#config.baselines.max_peers_per_host;
    const learned = this.#learned(h, t);
    const peerFull = h.peers.size >= cap;
    const newPeer = !h.peers.has(peer);
    const service = port !== null && isService(port);
    const portFull = h.ports.size >= cap;
    const newPort = service && !h.ports.has(port);
    const knownPeers = h.peers.size;
    const knownPorts = h.ports.size;
    remember(h.peers, peer, t, cap);
    if (service) remember(h.ports, port, t, cap);
    if (!learned || (!newPeer && !newPort)) return;
    const kind: AnomalyKind | null = newPeer && !peerFull ? 'new_destination' : newPort && !portFull ? 'new_port' : null;
    if (kind === null) return;
    const hour = Math.floor(t / 3600);
    if (h.contactHour !== hour) {
      h.contactHour = hour;
      h.contactAlerts = 0;
    }
    if (h.fanAlert || h.contactAlerts >= NEW_CONTACT_LIMIT) {
      this.#suppressed++;
      return;
    }
    h.contactAlerts++;
    const over = seconds(Math.max(0, t - h.first));
    const via = port === null ? '' : ` (${port})`;
    const event =
      kind === 'new_destination'
        ? this.#fire(kind, h, t, {
            value: 1,
            score: novelty(knownPeers, h.flows),
            peer,
            reason:
              `${h.ip} contacted ${peer}${via} for the first time: not among the ${knownPeers} destinations it used in ${over}` +
              (newPort ? `, and ${port} is a port it never used` : ''),
          })
        : this.#fire(kind, h, t, {
            value: 1,
            score: novelty(knownPorts, h.flows),
            peer,
            reason: `${h.ip} used destination port ${port} (to ${peer}) for the first time: not among the ${knownPorts} ports it used in ${over}`,
          });
    this.#points.push(event);
    out.push(event);
  }

  #expirePoints(t: number, out: AlertEvent[]): void {
    if (this.#points.length === 0 || this.#points[0]!.started_at + POINT_HOLD_S > t) return;
    const keep: AlertEvent[] = [];
    for (const p of this.#points) {
      const due = p.started_at + POINT_HOLD_S;
      if (due <= t) out.push(resolve(p, due, 'now part of the baseline', p.value));
      else keep.push(p);
    }
    this.#points = keep;
  }

  #fire(kind: AnomalyKind, h: HostBaseline, t: number, f: { value: number; threshold?: number; score: number; reason: string; peer?: string }): AlertEvent {
    const event: AlertEvent = {
      id: this.#nextId(),
      rule: kind,
      kind: 'anomaly',
      severity: SEVERITY[kind],
      state: 'firing',
      host: h.ip,
      value: f.value,
      score: Number.isFinite(f.score) ? f.score : 0,
      reason: f.reason,
      started_at: t,
      time: t,
    };
    if (f.peer !== undefined) event.peer = f.peer;
    if (f.threshold !== undefined) event.threshold = f.threshold;
    return event;
  }
}

/** 0..1: how rarely this host meets something new (few known items over many flows = high). */
function novelty(known: number, flows: number): number {
  return flows > 0 ? Math.max(0, 1 - known / flows) : 0;
}

function remember(map: Map<string, number>, key: string, t: number, cap: number): void {
  map.delete(key);
  map.set(key, t);
  trim(map, cap);
}

function trim(map: Map<string, number>, cap: number): void {
  while (map.size > cap) map.delete(map.keys().next().value as string);
}

function resolve(event: AlertEvent, t: number, why: string, value: number): AlertEvent {
  return { ...event, state: 'resolved', value, reason: `${event.reason}; resolved: ${why}`, resolved_at: t, time: t };
}

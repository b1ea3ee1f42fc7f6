// Builders for alert unit tests: DaemonSnapshots with chosen window values,
// flow records between chosen endpoints, a config with defaults, a logger
// whose lines can be read back, a scratch SQLite file.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import Database from 'better-sqlite3';
import type { AlertRuleConfig, AlertsConfig } from '../../../lib/config/index.js';
import type { DaemonSnapshot, SourceStatus } from '../../../lib/daemon/view.js';
import type { FlowRecord } from '../../../lib/flows/index.js';
import { createLogger, type Logger } from '../../../lib/log/index.js';

export interface WindowSpec {
  window: number;
  bytes?: number;
  packets?: number;
  hosts?: Array<[ip: string, bytes: number]>;
  sources?: Array<[id: number, bytes: number]>;
}

const zeroRate = { packets: 0, bytes: 0, pps: 0, bps: 0 };

export function snapshot(
  t: number,
  o: { windows?: WindowSpec[]; newPerS?: Array<{ window: number; rate: number }>; active?: number; sources?: Array<Partial<SourceStatus> & { id: number }> } = {},
): DaemonSnapshot {
  const windows = (o.windows ?? [{ window: 1 }, { window: 10 }, { window: 60 }]).map((w) => {
    const bytes = w.bytes ?? 0;
    const packets = w.packets ?? 0;
    return {
      window: w.window,
      packets,
      bytes,
      pps: packets / w.window,
      bps: (bytes * 8) / w.window,
      classes: { ipv4: zeroRate, ipv6: zeroRate, tcp: zeroRate, udp: zeroRate, icmp: zeroRate, other: zeroRate },
      sources: (w.sources ?? []).map(([source, b]) => ({ source, packets: 0, bytes: b, pps: 0, bps: (b * 8) / w.window })),
      top_hosts: (w.hosts ?? []).map(([ip, b]) => ({ ip, bytes: b, packets: 1, error: 0 })),
      top_flows: [],
    };
  });
  const sources: SourceStatus[] = (o.sources ?? []).map((s) => ({
    name: `src${s.id}`,
    kind: 'live',
    state: 'capturing',
    packets: 0,
    bytes: 0,
    kernel_drops: 0,
    if_drops: 0,
    ring_drops: 0,
    errors: { truncated: 0, malformed: 0, unsupported_link: 0 },
    ...s,
  }));
  return {
    taken: t,
    lag_s: 0,
    sources,
    pipeline: {
      time: t,
      clock: 'packet',
      totals: {} as never,
      flows: {
        active: o.active ?? 0,
        created: { total: 0, tcp: 0, udp: 0, icmp: 0, other: 0 },
        ended: 0,
        evicted: 0,
        activeReports: 0,
        skipped: { non_ip: 0, fragment: 0, malformed: 0, probe_limit: 0 },
        new_per_s: o.newPerS ?? [
          { window: 1, rate: 0 },
          { window: 10, rate: 0 },
          { window: 60, rate: 0 },
        ],
      },
      stats: { time: Math.floor(t), windows },
    },
  };
}

export function rule(r: Partial<AlertRuleConfig> & Pick<AlertRuleConfig, 'name'>): AlertRuleConfig {
  return { metric: 'bytes_per_s', scope: 'total', window: 1, op: '>', threshold: 1000, for_s: 0, cooldown_s: 0, severity: 'warning', ...r };
}

export function config(o: Partial<AlertsConfig> = {}): AlertsConfig {
  return {
    local_networks: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
    learning_hours: 1,
    rules: [],
    baselines: { enabled: true, max_hosts: 10000, max_peers_per_host: 256 },
    ...o,
  };
}

/** Unix s of a UTC midnight. */
export const T0 = 1767225600;

export function ns(sec: number): string {
  const whole = Math.floor(sec);
  const frac = Math.round((sec - whole) * 1e9);
  return `${whole}${String(frac).padStart(9, '0')}`;
}

export function flow(src: string, dst: string, t: number, o: Partial<FlowRecord> & { bytes?: number } = {}): FlowRecord {
  const { bytes = 1000, ...rest } = o;
  return {
    community_id: '1:x',
    source: 0,
    vlan: 0,
    proto: 6,
    src_ip: src,
    src_port: 40000,
    dst_ip: dst,
    dst_port: 443,
    first_ns: ns(t),
    last_ns: ns(t + 0.5),
    packets_c2s: 5,
    bytes_c2s: Math.round(bytes / 2),
    packets_s2c: 5,
    bytes_s2c: bytes - Math.round(bytes / 2),
    tcp_flags: 0x1b,
    state: 'closed',
    end_reason: 'fin',
    ...rest,
  };
}

export interface CapturedLogger {
  logger: Logger;
  lines(): Array<Record<string, unknown>>;
}

export function capturedLogger(): CapturedLogger {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const logger = createLogger({ level: 'debug', format: 'json', stream });
  return {
    logger,
    lines: () =>
      text
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

export function scratchDb(): { path: string; open(): Database.Database; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'wirewatch-alerts-'));
  const path = join(dir, 'alerts.db');
  const opened: Database.Database[] = [];
  return {
    path,
    open() {
      const db = new Database(path);
      db.pragma('journal_mode = WAL');
      opened.push(db);
      return db;
    },
    cleanup() {
      for (const db of opened) if (db.open) db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Lets the logger's streams deliver what was written. */
export const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

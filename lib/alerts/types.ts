// The public shapes of lib/alerts: one AlertEvent per state change (firing,
// then resolved), the Alerts object the daemon feeds, and its options.
import type { EventEmitter } from 'node:events';
import type { Database } from 'better-sqlite3';
import type { AlertsConfig } from '../config/types.js';
import type { DaemonSnapshot } from '../daemon/view.js';
import type { FlowRecord } from '../flows/records.js';
import type { Logger } from '../log/index.js';

export type AlertSeverity = 'info' | 'warning' | 'critical';
export type AlertState = 'firing' | 'resolved';

/** Baseline anomaly kinds (the `rule` of an anomaly event). */
export const ANOMALY_KINDS = ['new_destination', 'new_port', 'volume', 'fan_out'] as const;
export type AnomalyKind = (typeof ANOMALY_KINDS)[number];

export interface AlertEvent {
  /** Stable per alert: the firing and the resolved event of one alert share it. */
  id: number;
  /** The rule name (threshold) or the anomaly kind (anomaly). */
  rule: string;
  kind: 'threshold' | 'anomaly';
  severity: AlertSeverity;
  state: AlertState;
  /** The local host (anomalies, host-scope rules). */
  host?: string;
  /** The other end, for new_destination / new_port. */
  peer?: string;
  /** The capture source name (source-scope rules). */
  source?: string;
  /** The metric value (threshold), the hour's bytes (volume), distinct contacts (fan_out), 1 (new contacts). */
  value: number;
  threshold?: number;
  /** How far from normal: z-score for volume and fan_out, novelty 0..1 for new_destination / new_port. */
  score?: number;
  /** One human sentence. */
  reason: string;
  /** Unix seconds (snapshot or flow time) when the alert fired. */
  started_at: number;
  resolved_at?: number;
  /** Unix seconds of this event (started_at when firing, resolved_at when resolved). */
  time: number;
}

export interface AlertListQuery {
  /** Default 100, at most 1000. */
  limit?: number;
  state?: AlertState;
}

export interface WebhookStats {
  /** Deliveries waiting (including the one being tried). */
  queued: number;
  delivered: number;
  /** Attempts that failed (each retry counts). */
  failed_attempts: number;
  /** Deliveries given up: rejected by the receiver (4xx) or pushed out of a full queue. */
  dead_letters: number;
  /** True when the queue lives in memory only (no database): lost on restart. */
  in_memory: boolean;
  last_error: string | null;
  /** Milliseconds from enqueue to the receiver's 2xx, for the last delivery. */
  last_latency_ms: number | null;
}

export interface AlertsStats {
  rules: number;
  /** Rules that cannot be evaluated (unsupported metric/scope, window not configured): skipped. */
  rules_ignored: string[];
  firing: number;
  events: { threshold: number; anomaly: number };
  /** Anomalies not raised: rate limit per host, or covered by a firing fan_out of the same host. */
  suppressed: number;
  baselines: {
    enabled: boolean;
    hosts: number;
    /** Hosts still in their learning period (at the latest flow time seen). */
    learning: number;
    evicted_hosts: number;
    /** Stored baseline rows that could not be read (rebuilt). */
    corrupt_rows: number;
    /** Unix ms of the last write to the database, null when never. */
    persisted_at: number | null;
  };
  webhook: WebhookStats | null;
  /** Database writes that failed (logged; never fatal). */
  db_errors: number;
}

export interface AlertsEvents {
  alert: [event: AlertEvent];
}

export interface Alerts extends EventEmitter<AlertsEvents> {
  /** Threshold rules, evaluated in the snapshot's time (packet time for replays). Call once per tick. */
  onSnapshot(snapshot: DaemonSnapshot): void;
  /** Baselines and anomalies from a group of ended flow records (one call per tick). */
  onFlows(records: readonly FlowRecord[]): void;
  /** Alerts, newest first, each in its latest state. */
  list(query?: AlertListQuery): AlertEvent[];
  /** Live config change: rules, baselines, local networks, webhook. */
  reconfigure(config: AlertsConfig): void;
  stats(): AlertsStats;
  /** Persists baselines, stops the webhook (undelivered alerts stay queued in the database). Idempotent. */
  close(): Promise<void>;
}

export interface RetryOptions {
  /** First retry delay, ms. Default 1000. */
  baseMs?: number;
  /** Longest retry delay, ms. Default 60000. */
  maxMs?: number;
}

export interface CreateAlertsOptions {
  config: AlertsConfig;
  /** Alert history, baselines and the webhook queue live here (tables created by migrateAlerts). Absent: memory only. */
  db?: Database;
  logger?: Logger;
  /** Wall clock in ms (webhook timestamps, retries, persistence). Default Date.now. */
  now?: () => number;
  /** Default globalThis.fetch. */
  fetch?: typeof fetch;
  /** Webhook retry backoff. */
  retry?: RetryOptions;
  /** How often changed baselines are written, ms. Default 300000 (and always on close). */
  persistMs?: number;
}

// The validated, fully defaulted config. Keys are the YAML keys (snake_case).
// Defaults and ranges live in schema.ts; examples/wirewatch.yaml explains each key.
import type { FlowTimeouts } from '../flows/timeouts.js';

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';
export type Role = 'viewer' | 'admin';

/** An `interfaces` entry; a plain name in YAML becomes `{ name }`. Unset options inherit from `capture`. */
export interface InterfaceConfig {
  name: string;
  bpf?: string;
  promiscuous?: boolean;
}

export interface CaptureConfig {
  /** Always set after validation: inferred from `interfaces` / `file` when the YAML leaves it out. */
  backend: 'pcap' | 'file';
  bpf: string;
  promiscuous: boolean;
  snaplen: number;
  buffer_mb: number;
  /** Absolute path (resolved against the config file's directory). Set when backend is file. */
  file?: string;
  speed: number | 'max';
  loop: boolean;
  /** backend file: shift packet times so the replay starts now (a demo's history then looks live). */
  rebase_time: boolean;
}

export interface AggregationConfig {
  /** Window lengths in seconds, ascending, unique. */
  windows: number[];
  top_n: number;
}

export interface TrackingConfig {
  max_flows: number;
  timeouts: FlowTimeouts;
}

export interface StorageConfig {
  enabled: boolean;
  /** Absolute path of the SQLite file. */
  path: string;
  retention_days: number;
  samples_hours: number;
  flush_ms: number;
}

export interface UserConfig {
  username: string;
  /** Output of `wirewatch hash-password` (secret: redacted in output and logs). */
  password_hash: string;
  role: Role;
}

export interface TokenConfig {
  name: string;
  /** Bearer token (secret). */
  token: string;
  role: Role;
}

export interface ApiConfig {
  enabled: boolean;
  bind: string;
  /** 0 picks a free port (tests). */
  port: number;
  users: UserConfig[];
  tokens: TokenConfig[];
  metrics_auth: boolean;
  session_idle_minutes: number;
  session_max_hours: number;
  trust_proxy: boolean;
}

export interface PrivilegesConfig {
  drop: boolean;
  user: string;
  group: string;
  allow_root: boolean;
}

export type AlertMetric = 'bytes_per_s' | 'packets_per_s' | 'new_flows_per_s' | 'active_flows' | 'drops';

export interface AlertRuleConfig {
  name: string;
  metric: AlertMetric;
  scope: 'total' | 'source' | 'host';
  /** Only with scope `source`: restrict the rule to this source name. */
  source?: string;
  window: 1 | 10 | 60;
  op: '>' | '>=' | '<' | '<=';
  threshold: number;
  for_s: number;
  cooldown_s: number;
  severity: 'info' | 'warning' | 'critical';
}

export interface WebhookConfig {
  url: string;
  /** HMAC key for signing deliveries (secret). */
  secret: string;
  /** Key for anonymizing addresses in payloads (secret); absent = addresses sent as is. */
  anonymize_key?: string;
  timeout_ms: number;
  max_queue: number;
}

export interface AlertsConfig {
  local_networks: string[];
  learning_hours: number;
  rules: AlertRuleConfig[];
  baselines: { enabled: boolean; max_hosts: number; max_peers_per_host: number };
  /** Absent = no webhook. */
  webhook?: WebhookConfig;
}

export interface IpfixExportConfig {
  /** `host:port`, IPv6 as `[::1]:4739`. */
  collector: string;
  transport: 'udp' | 'tcp';
  observation_domain_id: number;
  template_refresh_s: number;
  max_message_size: number;
  queue: number;
}

export interface JsonlExportConfig {
  /** '-' = stdout, otherwise an absolute path. */
  path: string;
  max_size_mb: number;
  keep: number;
}

export interface ExportConfig {
  /** Absent = no IPFIX export (an empty `ipfix:` section enables it with defaults). */
  ipfix?: IpfixExportConfig;
  /** Absent = no JSONL export. */
  jsonl?: JsonlExportConfig;
}

export interface LoggingConfig {
  level: LogLevel;
  format: 'auto' | 'json' | 'text';
}

export interface Config {
  interfaces: InterfaceConfig[];
  capture: CaptureConfig;
  aggregation: AggregationConfig;
  tracking: TrackingConfig;
  storage: StorageConfig;
  api: ApiConfig;
  privileges: PrivilegesConfig;
  alerts: AlertsConfig;
  export: ExportConfig;
  logging: LoggingConfig;
}

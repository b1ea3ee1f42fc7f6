// The config schema, one zod schema per top-level section so that sections can
// be validated independently (cross-field checks then run on every section that
// is valid, and all problems are reported together). Every error message is
// "expected ..."; load.ts adds the key path and ", got <value>".
import { isIP } from 'node:net';
import { z } from 'zod';
import { isPasswordHash } from '../auth/password.js';
import { DEFAULT_TIMEOUTS } from '../flows/timeouts.js';

const E = (what: string) => ({ error: `expected ${what}` });

function int(min: number, max: number) {
  const e = E(`an integer ${min}..${max}`);
  return z.number(e).int(e).min(min, e).max(max, e);
}

const bool = () => z.boolean(E('true or false'));

function text(what: string, max = 1024) {
  const e = E(what);
  return z.string(e).min(1, e).max(max, e);
}

/** A string matching `re` (which also bounds its length): one message for every way it can be wrong. */
function pattern(what: string, re: RegExp) {
  return z.string(E(what)).regex(re, E(what));
}

function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, E(`one of ${values.join(', ')}`));
}

/** A mapping; an empty YAML section (`capture:` with nothing under it) means "all defaults". */
function section<S extends z.core.$ZodLooseShape>(shape: S) {
  return z.preprocess((v) => v ?? {}, z.strictObject(shape, E('a mapping')));
}

/** A section that is off unless present; present but empty = on with defaults. */
function optionalSection<S extends z.core.$ZodLooseShape>(shape: S) {
  return z.preprocess((v) => (v === null ? {} : v), z.strictObject(shape, E('a mapping')).optional());
}

/** A list; empty in YAML (`users:` with nothing under it) = []. */
function list<T extends z.ZodType>(item: T, what: string, max: number) {
  return z.preprocess((v) => v ?? [], z.array(item, E(what)).max(max, E(`at most ${max} entries`)));
}

const seconds = () => {
  const e = E('a number of seconds > 0 and <= 86400');
  return z.number(e).positive(e).max(86400, e);
};

function isCidr(s: string): boolean {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(s);
  if (!m) return false;
  const family = isIP(m[1]!);
  const bits = Number(m[2]);
  return family !== 0 && bits <= (family === 4 ? 32 : 128);
}

/** `host:port`, or `[v6]:port`; the port 1..65535. */
export function parseHostPort(s: string): { host: string; port: number } | undefined {
  const m = /^\[([^\]]+)\]:(\d{1,5})$/.exec(s) ?? /^([A-Za-z0-9.-]+):(\d{1,5})$/.exec(s);
  if (!m) return undefined;
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return undefined;
  if (s.startsWith('[') && isIP(m[1]!) !== 6) return undefined;
  return { host: m[1]!, port };
}

function speed() {
  const e = E('a number > 0 (1 = real time) or "max"');
  return z.union([z.literal('max', e), z.number(e).positive(e)], e).default(1);
}

const HOST_NAME = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

const role = () => oneOf(['viewer', 'admin'] as const).default('viewer');

// ---- sections -------------------------------------------------------------

const interfaceEntry = z.preprocess(
  (v) => (typeof v === 'string' ? { name: v } : v),
  z.strictObject(
    {
      // Linux names plus libpcap's pseudo-devices (any, nflog:5, usbmon0).
      name: pattern('an interface name (letters, digits, . _ - : @ +, at most 64)', /^[\w.:@+-]{1,64}$/),
      bpf: z.string(E('a BPF filter string')).max(8192, E('a BPF filter of at most 8192 characters')).optional(),
      promiscuous: bool().optional(),
    },
    E('an interface name or {name, bpf?, promiscuous?}'),
  ),
);

const interfaces = list(interfaceEntry, 'a list of interface names or {name, bpf?, promiscuous?}', 64);

const capture = section({
  backend: oneOf(['pcap', 'file'] as const).optional(),
  bpf: z.string(E('a BPF filter string')).max(8192, E('a BPF filter of at most 8192 characters')).default(''),
  promiscuous: bool().default(true),
  snaplen: int(64, 262144).default(256),
  buffer_mb: int(1, 1024).default(32),
  file: text('a path to a pcap or pcapng file', 4096).optional(),
  speed: speed(),
  loop: bool().default(false),
  rebase_time: bool().default(false),
});

const aggregation = section({
  windows: list(int(1, 3600), 'a list of window lengths in seconds', 8)
    .refine((w) => w.length >= 1, E('at least one window'))
    .refine((w) => new Set(w).size === w.length, E('unique window lengths'))
    .transform((w) => [...w].sort((a, b) => a - b))
    .default(() => [1, 10, 60]),
  top_n: int(1, 1000).default(10),
});

const timeoutShape = Object.fromEntries(
  Object.entries(DEFAULT_TIMEOUTS).map(([key, value]) => [key, seconds().default(value)]),
) as { [K in keyof typeof DEFAULT_TIMEOUTS]: z.ZodDefault<z.ZodNumber> };

const tracking = section({
  max_flows: int(1000, 50_000_000).default(1_000_000),
  timeouts: section(timeoutShape),
});

const storage = section({
  enabled: bool().default(true),
  path: text('a path for the SQLite database', 4096).default('./data/wirewatch.db'),
  retention_days: int(1, 3650).default(30),
  samples_hours: int(1, 8760).default(24),
  flush_ms: int(100, 60000).default(1000),
});

const user = z.strictObject(
  {
    username: pattern('a user name (letters, digits, . _ @ -, at most 64)', /^[\w.@-]{1,64}$/),
    password_hash: z
      .string(E('a hash printed by `wirewatch hash-password` (scrypt$15$8$1$<salt>$<key>)'))
      .refine(isPasswordHash, E('a hash printed by `wirewatch hash-password` (scrypt$15$8$1$<salt>$<key>)')),
    role: role(),
  },
  E('a mapping {username, password_hash, role}'),
);

const token = z.strictObject(
  {
    name: pattern('a token name (letters, digits, . _ -, at most 64)', /^[\w.-]{1,64}$/),
    // Bearer tokens are compared as given; short ones could be guessed.
    token: pattern('a token of 16..512 printable characters without spaces', /^[\x21-\x7e]{16,512}$/),
    role: role(),
  },
  E('a mapping {name, token, role}'),
);

const api = section({
  enabled: bool().default(true),
  bind: z
    .string(E('an IP address or host name to listen on'))
    .refine((s) => isIP(s) !== 0 || HOST_NAME.test(s), E('an IP address or host name to listen on'))
    .default('127.0.0.1'),
  port: int(0, 65535).default(8080),
  users: list(user, 'a list of {username, password_hash, role}', 1000),
  tokens: list(token, 'a list of {name, token, role}', 1000),
  metrics_auth: bool().default(false),
  session_idle_minutes: int(1, 10080).default(60),
  session_max_hours: int(1, 8760).default(24),
  trust_proxy: bool().default(false),
});

const privileges = section({
  drop: bool().default(true),
  // Numeric ids are accepted as well (`user: 1000`).
  user: z.preprocess((v) => (typeof v === 'number' ? String(v) : v), text('a user name or uid', 256)).default('nobody'),
  group: z.preprocess((v) => (typeof v === 'number' ? String(v) : v), text('a group name or gid', 256)).default('nogroup'),
  allow_root: bool().default(false),
});

const rule = z.strictObject(
  {
    name: text('a rule name (at most 128 characters)', 128),
    metric: oneOf(['bytes_per_s', 'packets_per_s', 'new_flows_per_s', 'active_flows', 'drops'] as const),
    scope: oneOf(['total', 'source', 'host'] as const),
    source: text('a source name', 256).optional(),
    window: z.union([z.literal(1), z.literal(10), z.literal(60)], E('a window of 1, 10 or 60 seconds')),
    op: oneOf(['>', '>=', '<', '<='] as const),
    threshold: z.number(E('a number')),
    for_s: int(0, 86400).default(0),
    cooldown_s: int(0, 86400).default(60),
    severity: oneOf(['info', 'warning', 'critical'] as const),
  },
  E('a mapping {name, metric, scope, window, op, threshold, severity, ...}'),
);

const secretKey = (what: string) => z.string(E(`${what} of at least 16 characters`)).min(16, E(`${what} of at least 16 characters`)).max(1024, E(`${what} of at most 1024 characters`));

const alerts = section({
  local_networks: list(
    z.string(E('a network in CIDR form, e.g. 10.0.0.0/8')).refine(isCidr, E('a network in CIDR form, e.g. 10.0.0.0/8')),
    'a list of networks in CIDR form',
    1000,
  ).default(() => ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7']),
  learning_hours: int(0, 720).default(24),
  rules: list(rule, 'a list of alert rules', 1000),
  baselines: section({
    enabled: bool().default(true),
    max_hosts: int(1, 10_000_000).default(10000),
    max_peers_per_host: int(1, 65536).default(256),
  }),
  webhook: optionalSection({
    url: z.url({ protocol: /^https?$/, ...E('an http:// or https:// URL') }),
    secret: secretKey('a signing secret'),
    anonymize_key: secretKey('a key').optional(),
    timeout_ms: int(100, 60000).default(5000),
    max_queue: int(1, 1_000_000).default(10000),
  }),
});

const exportSection = section({
  ipfix: optionalSection({
    collector: z
      .string(E('host:port (IPv6 as [::1]:4739)'))
      .refine((s) => parseHostPort(s) !== undefined, E('host:port (IPv6 as [::1]:4739)'))
      .default('127.0.0.1:4739'),
    transport: oneOf(['udp', 'tcp'] as const).default('udp'),
    observation_domain_id: int(0, 4294967295).default(1),
    template_refresh_s: int(1, 86400).default(600),
    max_message_size: int(512, 65535).default(1400),
    queue: int(1, 1_000_000).default(10000),
  }),
  jsonl: optionalSection({
    path: text('"-" (stdout) or a file path', 4096).default('-'),
    max_size_mb: int(1, 1_000_000).default(100),
    keep: int(0, 1000).default(5),
  }),
});

const logging = section({
  level: oneOf(['error', 'warn', 'info', 'debug'] as const).default('info'),
  format: oneOf(['auto', 'json', 'text'] as const).default('auto'),
});

/** Top-level sections in the order they are validated and printed. */
export const SECTIONS = {
  interfaces,
  capture,
  aggregation,
  tracking,
  storage,
  api,
  privileges,
  alerts,
  export: exportSection,
  logging,
};

export type SectionName = keyof typeof SECTIONS;
export type ParsedSections = { [K in SectionName]: z.output<(typeof SECTIONS)[K]> };

// Schemas of every query and body the API accepts (validation), and of the
// main responses (documentation; tests parse real answers with them). The
// OpenAPI document is generated from these, so docs and checks cannot drift.
import { z } from 'zod';
import { END_REASON_NAMES, FLOW_STATE_NAMES } from '../flows/records.js';
import { SAMPLE_CLASSES } from '../store/types.js';
import { FLOW_SORTS } from './live-flows.js';
import { flag, int, num, oneOf, text } from './params.js';

/** Largest unix second the store accepts (ns fit in int64). */
export const MAX_SECONDS = 9_223_372_036;
/** Longest range of one history or ended-flows query. */
export const MAX_RANGE_S = 366 * 86400;
export const MAX_LIMIT = 1000;

export const PROTOCOL_NAMES: Readonly<Record<string, number>> = Object.freeze({ icmp: 1, tcp: 6, udp: 17, gre: 47, esp: 50, icmpv6: 58, sctp: 132 });

/** An IP protocol: a number 0..255 or a name (tcp, udp, icmp, icmpv6, ...). */
const proto = () =>
  z
    .string({ error: 'expected a single value' })
    .transform((s, ctx) => {
      const name = s.toLowerCase();
      // own keys only: "constructor" must not find Object.prototype.constructor
      const n = /^\d{1,3}$/.test(s) ? Number(s) : Object.hasOwn(PROTOCOL_NAMES, name) ? PROTOCOL_NAMES[name] : undefined;
      if (n === undefined || n > 255) {
        ctx.addIssue({ code: 'custom', message: `expected a protocol number 0..255 or one of ${Object.keys(PROTOCOL_NAMES).join(', ')}` });
        return z.NEVER;
      }
      return n;
    })
    .meta({ type: 'string', description: `IP protocol: a number 0..255 or one of ${Object.keys(PROTOCOL_NAMES).join(', ')}` });

export const emptyQuery = z.strictObject({});

export const statsQuery = z.strictObject({
  window: int(1, 3600, 'Window length in seconds; one of the configured windows (default: the shortest).').optional(),
});

export const flowsQuery = z.strictObject({
  ended: flag('1: ended flows from the history (needs storage) instead of live flows.').optional(),
  from: num(0, MAX_SECONDS, 'Ended flows: unix seconds, inclusive (default: to − 1 h).').optional(),
  to: num(0, MAX_SECONDS, 'Ended flows: unix seconds, exclusive (default: now).').optional(),
  ip: text(64, 'Either endpoint is this IPv4/IPv6 address.').optional(),
  cidr: text(64, 'Either endpoint is inside this prefix, e.g. 10.0.0.0/8 or 2001:db8::/32.').optional(),
  port: int(0, 65535, 'Either port (ICMP: type/code) equals this.').optional(),
  proto: proto().optional(),
  state: oneOf(FLOW_STATE_NAMES, 'Live flows: flow state.').optional(),
  source: int(0, 65535, 'Capture source id.').optional(),
  min_bytes: int(0, Number.MAX_SAFE_INTEGER, 'Bytes in both directions at least this.').optional(),
  sort: oneOf(FLOW_SORTS, 'Live flows: bytes, packets, rate (bits/s) or age (default bytes).').optional(),
  order: oneOf(['asc', 'desc'] as const, 'desc (default) or asc. Ended flows are ordered by end time.').optional(),
  limit: int(1, MAX_LIMIT, `Rows per page, 1..${MAX_LIMIT} (default 100).`).optional(),
  offset: int(0, 10_000_000, 'Live flows: rows to skip (or use cursor).').optional(),
  cursor: text(1024, 'next_cursor of the previous page.').optional(),
});

export const historyQuery = z.strictObject({
  from: num(0, MAX_SECONDS, 'Unix seconds, inclusive (default: to − 1 h).').optional(),
  to: num(0, MAX_SECONDS, 'Unix seconds, exclusive (default: now).').optional(),
  step: int(1, MAX_RANGE_S, 'Seconds per point (default: automatic, at most ~1440 points).').optional(),
  source: int(0, 65535, 'Capture source id (default: all).').optional(),
  cls: oneOf(SAMPLE_CLASSES, 'One protocol class (default: all).').optional(),
});

export const topTalkersQuery = z.strictObject({
  from: num(0, MAX_SECONDS, 'Unix seconds, inclusive (default: to − 1 h).').optional(),
  to: num(0, MAX_SECONDS, 'Unix seconds, exclusive (default: now).').optional(),
  limit: int(1, MAX_LIMIT, 'Hosts (default 10).').optional(),
  source: int(0, 65535, 'Capture source id (default: all).').optional(),
});

export const alertsQuery = z.strictObject({
  limit: int(1, MAX_LIMIT, 'Alerts, newest first (default 100).').optional(),
  state: oneOf(['firing', 'resolved'] as const, 'Only alerts in this state.').optional(),
});

export const loginBody = z.strictObject(
  {
    username: z.string({ error: 'expected a string' }).min(1, 'expected a non-empty string').max(256, 'expected at most 256 characters'),
    password: z.string({ error: 'expected a string' }).min(1, 'expected a non-empty string').max(1024, 'expected at most 1024 characters'),
  },
  { error: 'expected a JSON object {"username", "password"}' },
);

/** Control requests carry no parameters: no body, or an empty JSON object. */
export const emptyBody = z.strictObject({}).optional();

// ------------------------------------------------------------ responses

const rate = z.object({ packets: z.number(), bytes: z.number(), pps: z.number(), bps: z.number() });
const role = z.enum(['viewer', 'admin']);

export const errorResponse = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

export const healthResponse = z.object({ status: z.literal('ok'), state: z.enum(['running', 'paused', 'stopping', 'stopped']) });

export const readyResponse = z.object({
  ready: z.boolean(),
  checks: z.array(z.object({ name: z.string(), ok: z.boolean(), detail: z.string().optional() })),
});

export const loginResponse = z.object({
  token: z.string().describe('Session token (256 random bits); also set as the HttpOnly cookie wirewatch_session.'),
  username: z.string(),
  role,
  expires_at: z.number().describe('Unix seconds: the absolute end of the session.'),
  idle_timeout_s: z.number(),
});

export const sessionResponse = z.object({
  auth_required: z.boolean().describe('false when no users or tokens are configured (loopback-only open mode).'),
  authenticated: z.boolean(),
  kind: z.enum(['session', 'token', 'open']).optional(),
  name: z.string().optional(),
  role: role.optional(),
  expires_at: z.number().optional(),
});

export const okResponse = z.object({ ok: z.literal(true) });

const topHost = z.object({ ip: z.string(), bytes: z.number(), packets: z.number(), error: z.number() });
const topFlow = z.object({
  source: z.number(), vlan: z.number(), proto: z.number(), a_ip: z.string(), a_port: z.number(), b_ip: z.string(), b_port: z.number(),
  bytes: z.number(), packets: z.number(), error: z.number(),
});

export const statsResponse = z.object({
  time: z.number().describe('Unix seconds the snapshot describes (packet time for replays).'),
  stats_time: z.number().describe('The open second: the window covers the closed seconds before it.'),
  taken: z.number(),
  clock: z.enum(['packet', 'wall']),
  state: z.string(),
  lag_s: z.number(),
  window: z.number(),
  windows: z.array(z.number()),
  rate,
  classes: z.record(z.string(), rate),
  sources: z.array(rate.extend({ source: z.number(), name: z.string().nullable() })),
  top_hosts: z.array(topHost),
  top_flows: z.array(topFlow),
  flows: z.object({
    active: z.number(),
    created: z.object({ total: z.number(), tcp: z.number(), udp: z.number(), icmp: z.number(), other: z.number() }),
    ended: z.number(),
    evicted: z.number(),
    active_reports: z.number(),
    skipped: z.record(z.string(), z.number()),
    new_per_s: z.number(),
  }),
  totals: z.object({ packets: z.number(), bytes: z.number(), layers: z.record(z.string(), z.number()), errors: z.record(z.string(), z.number()) }),
});

export const flowResponseItem = z.object({
  community_id: z.string(), source: z.number(), vlan: z.number(), proto: z.number(),
  src_ip: z.string(), src_port: z.number(), dst_ip: z.string(), dst_port: z.number(),
  first_ns: z.string(), last_ns: z.string(),
  packets_c2s: z.number(), bytes_c2s: z.number(), packets_s2c: z.number(), bytes_s2c: z.number(),
  tcp_flags: z.number(), state: z.enum(FLOW_STATE_NAMES), end_reason: z.enum(END_REASON_NAMES).nullable(),
  bytes: z.number(), packets: z.number(), duration_s: z.number(), bps: z.number(),
});

export const flowsResponse = z.object({
  live: z.boolean(),
  flows: z.array(flowResponseItem),
  total: z.number().nullable().describe('Live: flows matching the filters. Ended: null (not counted).'),
  offset: z.number().nullable(),
  next_cursor: z.string().nullable(),
  truncated: z.boolean().describe('Live: more flows were open than the API scans.'),
});

const historyPoint = z.object({ ts: z.number(), packets: z.number(), bytes: z.number(), pps: z.number(), bps: z.number() });
export const historyResponse = z.object({
  from: z.number(), to: z.number(), step: z.number(), resolution: z.enum(['second', 'minute']),
  series: z.record(z.string(), z.array(historyPoint)),
});

export const topTalkersResponse = z.object({
  from: z.number(), to: z.number(),
  hosts: z.array(z.object({ ip: z.string(), bytes: z.number(), bytes_sent: z.number(), bytes_received: z.number(), packets: z.number(), flows: z.number() })),
});

export const sourcesResponse = z.object({
  state: z.string(),
  sources: z.array(z.object({
    id: z.number(), name: z.string(), kind: z.enum(['live', 'file']), state: z.string(),
    packets: z.number(), bytes: z.number(), kernel_drops: z.number(), if_drops: z.number(), ring_drops: z.number(),
    drops: z.number().describe('kernel + interface + ring drops.'),
    errors: z.object({ truncated: z.number(), malformed: z.number(), unsupported_link: z.number() }),
    error: z.object({ kind: z.string(), message: z.string() }).optional(),
  })),
  exports: z.array(z.object({
    name: z.string().describe('ipfix or jsonl.'),
    connected: z.boolean().describe('UDP socket open, TCP connected, or JSON-lines file open.'),
    sent: z.number(),
    dropped: z.number().describe('Records lost: queue full, failed send or write, or queued at close.'),
    invalid: z.number().describe('Records that cannot be encoded faithfully, skipped.'),
    queued: z.number(),
    errors: z.number(),
    reconnects: z.number(),
    last_error: z.string().nullable(),
  })).describe('One entry per configured flow exporter.'),
});

export const alertsResponse = z.object({ enabled: z.boolean(), alerts: z.array(z.record(z.string(), z.unknown())) });

export const controlResponse = z.object({ state: z.string(), changed: z.boolean() });

export const reloadResponse = z.object({
  ok: z.boolean(), applied: z.array(z.string()), restart_required: z.array(z.string()), error: z.string().optional(),
});

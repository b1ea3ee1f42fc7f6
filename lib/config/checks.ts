// Rules that span keys or sections. Each rule runs when the sections it reads
// passed the schema, so its findings join the schema's in one report.
import { isIP } from 'node:net';
import { type ConfigIssue, issue } from './errors.js';
import type { ParsedSections } from './schema.js';

type Partial_ = Partial<ParsedSections>;

/** Loopback addresses and the name that always means them. */
export function isLoopback(host: string): boolean {
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) {
    const h = host.toLowerCase();
    return h === '::1' || h === '0:0:0:0:0:0:0:1' || /^::ffff:127\./.test(h);
  }
  return false;
}

function duplicates<T>(items: readonly T[], key: (item: T) => string, path: (i: number) => string, what: string, out: ConfigIssue[], show = true) {
  const first = new Map<string, number>();
  items.forEach((item, i) => {
    const k = key(item);
    const j = first.get(k);
    if (j === undefined) first.set(k, i);
    else out.push(issue(path(i), show ? `duplicate ${what} ${JSON.stringify(k)} (also at ${path(j)})` : `same ${what} as ${path(j)}`));
  });
}

/** Which capture backend a config means; undefined when it cannot tell. */
export function resolveBackend(s: Pick<ParsedSections, 'capture' | 'interfaces'>): 'pcap' | 'file' | undefined {
  if (s.capture.backend) return s.capture.backend;
  if (s.interfaces.length > 0) return 'pcap';
  if (s.capture.file !== undefined) return 'file';
  return undefined;
}

export function crossChecks(s: Partial_): ConfigIssue[] {
  const out: ConfigIssue[] = [];

  if (s.capture && s.interfaces) {
    const backend = resolveBackend({ capture: s.capture, interfaces: s.interfaces });
    if (backend === undefined) {
      out.push(issue('capture.backend', 'nothing to capture from: set interfaces (live capture) or capture.file (replay a capture file)'));
    } else if (backend === 'file' && s.capture.file === undefined) {
      out.push(issue('capture.file', 'missing: backend file needs capture.file, the pcap or pcapng file to replay'));
    } else if (backend === 'pcap' && s.interfaces.length === 0) {
      out.push(issue('interfaces', 'missing: backend pcap needs at least one interface to capture on'));
    }
  }
  if (s.interfaces) {
    duplicates(s.interfaces, (i) => i.name, (i) => `interfaces[${i}].name`, 'interface', out);
  }

  if (s.api) {
    const a = s.api;
    if (a.enabled && !isLoopback(a.bind) && a.users.length === 0 && a.tokens.length === 0) {
      out.push(
        issue('api.bind', `${JSON.stringify(a.bind)} is reachable from other machines, so api.users or api.tokens must be set (or bind 127.0.0.1)`),
      );
    }
    if (a.metrics_auth && a.users.length === 0 && a.tokens.length === 0) {
      out.push(issue('api.metrics_auth', 'true needs at least one entry in api.tokens (or api.users) to scrape with'));
    }
    duplicates(a.users, (u) => u.username, (i) => `api.users[${i}].username`, 'user name', out);
    duplicates(a.tokens, (t) => t.name, (i) => `api.tokens[${i}].name`, 'token name', out);
    // The value itself is a secret: name only the other entry.
    duplicates(a.tokens, (t) => t.token, (i) => `api.tokens[${i}].token`, 'token', out, false);
  }

  if (s.alerts) {
    const rules = s.alerts.rules;
    duplicates(rules, (r) => r.name, (i) => `alerts.rules[${i}].name`, 'rule name', out);
    rules.forEach((r, i) => {
      if (r.source !== undefined && r.scope !== 'source') {
        out.push(issue(`alerts.rules[${i}].source`, `only applies with scope source (this rule has scope ${r.scope})`));
      }
      if (s.aggregation && !s.aggregation.windows.includes(r.window)) {
        out.push(issue(`alerts.rules[${i}].window`, `${r.window} is not one of aggregation.windows (${s.aggregation.windows.join(', ')})`));
      }
    });
  }
  return out;
}

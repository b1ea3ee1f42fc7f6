// diffConfig: which changes a SIGHUP can apply live and which need a restart.
import { describe, expect, it } from 'vitest';
import { changedPaths, diffConfig, isReloadable, parseConfig, RELOADABLE_PATHS } from '../../../lib/config/index.js';

const base = 'interfaces:\n  - eth0\n  - {name: eth1, bpf: udp}\n';
const cfg = (extra = '', ifaces = base) => parseConfig(`${ifaces}${extra}`, {}, '/etc/ww/w.yaml');

describe('isReloadable', () => {
  it('matches the listed paths and what lies under them, nothing that merely shares a prefix', () => {
    expect(RELOADABLE_PATHS).toContain('tracking.timeouts');
    for (const p of ['capture.bpf', 'interfaces[0].bpf', 'interfaces[12].bpf', 'aggregation.windows', 'aggregation.windows[2]', 'tracking.timeouts.udp', 'alerts', 'alerts.rules[0].threshold', 'alerts.webhook.url', 'logging.level']) {
      expect(isReloadable(p), p).toBe(true);
    }
    for (const p of ['capture.bpfx', 'capture.snaplen', 'interfaces', 'interfaces[0].name', 'interfaces[0].promiscuous', 'interfaces.bpf', 'aggregation.top_n', 'tracking.max_flows', 'tracking', 'alertsx', 'logging.format', 'logging', 'api.port', 'storage.path']) {
      expect(isReloadable(p), p).toBe(false);
    }
  });
});

describe('diffConfig', () => {
  it('no change, no paths', () => {
    expect(diffConfig(cfg(), cfg())).toEqual({ changed: [], applied: [], restart_required: [] });
  });

  it('live changes: filters, windows, timeouts, alerts, log level', () => {
    const next = cfg(
      'capture:\n  bpf: tcp\naggregation:\n  windows: [1, 10, 30]\ntracking:\n  timeouts:\n    udp: 30\nalerts:\n  learning_hours: 1\nlogging:\n  level: debug\n',
      'interfaces:\n  - {name: eth0, bpf: "port 53"}\n  - {name: eth1, bpf: tcp}\n',
    );
    const d = diffConfig(cfg(), next);
    expect(d.changed).toEqual(['interfaces[0].bpf', 'interfaces[1].bpf', 'capture.bpf', 'aggregation.windows[2]', 'tracking.timeouts.udp', 'alerts.learning_hours', 'logging.level']);
    expect(d.applied).toEqual(d.changed);
    expect(d.restart_required).toEqual([]);
  });

  it('restart changes: an interface added or renamed, snaplen, port, storage, users, log format', () => {
    const next = cfg(
      'capture:\n  snaplen: 512\napi:\n  port: 9000\n  tokens: [{name: a, token: abcdefghijklmnopq}]\nstorage:\n  path: /x.db\nlogging:\n  format: json\n',
      'interfaces:\n  - eth0\n  - {name: eth2, bpf: udp}\n',
    );
    const d = diffConfig(cfg(), next);
    expect(d.restart_required).toEqual(['interfaces[1].name', 'capture.snaplen', 'storage.path', 'api.port', 'api.tokens', 'logging.format']);
    expect(d.applied).toEqual([]);
    expect(diffConfig(cfg(), cfg('', 'interfaces: [eth0, eth1, eth2]\n')).restart_required).toEqual(['interfaces']);
  });

  it('a mixed change splits; values (secrets) never appear', () => {
    const a = cfg('alerts:\n  webhook: {url: "https://a/", secret: secret-one-0123456789}\n');
    const b = cfg('alerts:\n  webhook: {url: "https://a/", secret: secret-two-0123456789}\napi:\n  port: 1\n');
    const d = diffConfig(a, b);
    expect(d).toEqual({ changed: ['api.port', 'alerts.webhook.secret'], applied: ['alerts.webhook.secret'], restart_required: ['api.port'] });
    expect(JSON.stringify(d)).not.toContain('secret-');
  });

  it('optional keys appearing or disappearing count as changes', () => {
    expect(changedPaths(cfg(), cfg('export:\n  jsonl:\n'))).toEqual(['export.jsonl']);
    expect(changedPaths(cfg('', 'interfaces: [eth0, eth1]\n'), cfg())).toEqual(['interfaces[1].bpf']);
  });
});

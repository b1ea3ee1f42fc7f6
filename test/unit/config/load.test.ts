// loadConfig/parseConfig: every kind of mistake first (with the exact key path),
// then env substitution, defaults, path resolution and the shipped examples.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../../lib/auth/password.js';
import { ConfigError, configFromObject, defaultConfig, demoConfig, loadConfig, parseConfig } from '../../../lib/config/index.js';
import { repoRoot } from '../../support/paths.js';
import { load, MINIMAL, problems, tmpDir, writeConfig } from './helpers.js';

let HASH = '';
beforeAll(async () => {
  HASH = await hashPassword('correct horse battery');
});

const SECTIONS = 'interfaces, capture, aggregation, tracking, storage, api, privileges, alerts, export, logging';
const INTERFACE = 'an interface name (letters, digits, . _ - : @ +, at most 64)';
const SPEED = 'expected a number > 0 (1 = real time) or "max"';
const HASH_EXPECTED = 'expected a hash printed by `wirewatch hash-password` (scrypt$15$8$1$<salt>$<key>)';

describe('config errors: wrong type', () => {
  it.each([
    ['capture:\n  file: x.pcap\n  snaplen: big\n', 'capture.snaplen: expected an integer 64..262144, got "big"'],
    ['capture:\n  file: x.pcap\n  snaplen: 256.5\n', 'capture.snaplen: expected an integer 64..262144, got 256.5'],
    ['capture:\n  file: x.pcap\n  promiscuous: yes\n', 'capture.promiscuous: expected true or false, got "yes"'],
    ['capture:\n  file: x.pcap\n  bpf: 80\n', 'capture.bpf: expected a BPF filter string, got 80'],
    ['capture: 5\n', 'capture: expected a mapping, got 5'],
    ['capture:\n  file: x.pcap\napi:\n  users: admin\n', 'api.users: expected a list of {username, password_hash, role}, got "admin"'],
    ['capture:\n  file: x.pcap\napi:\n  users: [admin]\n', 'api.users[0]: expected a mapping {username, password_hash, role}, got "admin"'],
    ['capture:\n  file: x.pcap\nlogging:\n  level: loud\n', 'logging.level: expected one of error, warn, info, debug, got "loud"'],
    ['capture:\n  file: x.pcap\ntracking:\n  timeouts:\n    udp: soon\n', 'tracking.timeouts.udp: expected a number of seconds > 0 and <= 86400, got "soon"'],
    ['capture:\n  file: x.pcap\naggregation:\n  windows: 10\n', 'aggregation.windows: expected a list of window lengths in seconds, got 10'],
    ['capture:\n  file: x.pcap\nalerts:\n  local_networks: [10.0.0.0/33]\n', 'alerts.local_networks[0]: expected a network in CIDR form, e.g. 10.0.0.0/8, got "10.0.0.0/33"'],
    ['capture:\n  file: x.pcap\nexport:\n  ipfix:\n    collector: "::1:4739"\n', 'export.ipfix.collector: expected host:port (IPv6 as [::1]:4739), got "::1:4739"'],
    ['capture:\n  file: x.pcap\nexport:\n  ipfix:\n    transport: sctp\n', 'export.ipfix.transport: expected one of udp, tcp, got "sctp"'],
    ['capture:\n  file: x.pcap\napi:\n  bind: "not an address"\n', 'api.bind: expected an IP address or host name to listen on, got "not an address"'],
  ])('%j', (text, message) => {
    expect(problems(text)).toEqual([message]);
  });
});

describe('config errors: out of range', () => {
  it.each([
    ['capture.snaplen', 'capture:\n  file: x.pcap\n  snaplen: 63\n', 'expected an integer 64..262144, got 63'],
    ['capture.snaplen', 'capture:\n  file: x.pcap\n  snaplen: 262145\n', 'expected an integer 64..262144, got 262145'],
    ['capture.buffer_mb', 'capture:\n  file: x.pcap\n  buffer_mb: 0\n', 'expected an integer 1..1024, got 0'],
    ['tracking.max_flows', 'capture:\n  file: x.pcap\ntracking:\n  max_flows: 999\n', 'expected an integer 1000..50000000, got 999'],
    ['tracking.timeouts.active', 'capture:\n  file: x.pcap\ntracking:\n  timeouts:\n    active: 0\n', 'expected a number of seconds > 0 and <= 86400, got 0'],
    ['aggregation.windows[1]', 'capture:\n  file: x.pcap\naggregation:\n  windows: [1, 3601]\n', 'expected an integer 1..3600, got 3601'],
    ['aggregation.top_n', 'capture:\n  file: x.pcap\naggregation:\n  top_n: 1001\n', 'expected an integer 1..1000, got 1001'],
    ['api.port', 'capture:\n  file: x.pcap\napi:\n  port: 65536\n', 'expected an integer 0..65535, got 65536'],
    ['export.ipfix.max_message_size', 'capture:\n  file: x.pcap\nexport:\n  ipfix:\n    max_message_size: 511\n', 'expected an integer 512..65535, got 511'],
  ])('%s', (path, text, message) => {
    expect(problems(text)).toEqual([`${path}: ${message}`]);
  });

  it('window lists: unique, 1..8 entries', () => {
    expect(problems(`${MINIMAL}aggregation:\n  windows: [10, 10]\n`)).toEqual(['aggregation.windows: expected unique window lengths, got a list of 2']);
    expect(problems(`${MINIMAL}aggregation:\n  windows: []\n`)).toEqual(['aggregation.windows: expected at least one window, got a list of 0']);
    expect(problems(`${MINIMAL}aggregation:\n  windows: [1, 2, 3, 4, 5, 6, 7, 8, 9]\n`)).toEqual(['aggregation.windows: expected at most 8 entries, got a list of 9']);
  });
});

describe('config errors: unknown keys', () => {
  it('at the top level, naming the sections that exist', () => {
    expect(problems(`${MINIMAL}captur:\n  snaplen: 1\n`)).toEqual([`captur: unknown key (the sections are ${SECTIONS})`]);
  });

  it('nested, deeply nested and inside list entries', () => {
    expect(problems('capture:\n  file: x.pcap\n  snaplenn: 128\n')).toEqual(['capture.snaplenn: unknown key']);
    expect(problems(`${MINIMAL}tracking:\n  timeouts:\n    tcp: 5\n`)).toEqual(['tracking.timeouts.tcp: unknown key']);
    expect(problems(`${MINIMAL}api:\n  users:\n    - username: a\n      password_hash: "${HASH}"\n      pasword: x\n`)).toEqual([
      'api.users[0].pasword: unknown key',
    ]);
  });

  it('an unknown key never shows its value (it may be a misspelt secret)', () => {
    const [message] = problems(`${MINIMAL}api:\n  tokens:\n    - name: t\n      tokn: s3cr3t-value-0123456789\n      token: abcdefghijklmnopqrstuvwx\n`);
    expect(message).toBe('api.tokens[0].tokn: unknown key');
  });
});

describe('config errors: environment variables', () => {
  it('a missing variable without default names the key path and the variable', () => {
    expect(problems(`${MINIMAL}api:\n  port: \${WW_TEST_PORT}\n`)).toEqual([
      'api.port: environment variable WW_TEST_PORT is not set (give a default with ${WW_TEST_PORT:-default})',
    ]);
  });

  it('inside lists, with the index in the path', () => {
    expect(problems('interfaces:\n  - eth0\n  - ${WW_IFACE}\n')).toEqual([
      'interfaces[1]: environment variable WW_IFACE is not set (give a default with ${WW_IFACE:-default})',
    ]);
    expect(problems(`${MINIMAL}api:\n  tokens:\n    - name: ci\n      token: \${WW_TOKEN}\n`)).toEqual([
      'api.tokens[0].token: environment variable WW_TOKEN is not set (give a default with ${WW_TOKEN:-default})',
    ]);
  });

  it('malformed substitutions', () => {
    expect(problems(`${MINIMAL}logging:\n  level: "\${1LEVEL}"\n`)).toEqual([
      'logging.level: bad substitution at character 1: expected ${NAME} or ${NAME:-default} with NAME made of letters, digits and _',
    ]);
    expect(problems(`${MINIMAL}logging:\n  level: "x\${LEVEL"\n`)).toEqual(['logging.level: unterminated "${" at character 2: expected ${NAME} or ${NAME:-default}']);
  });
});

describe('config errors: interfaces', () => {
  it.each([
    ['interfaces: [eth0, {name: "bad name"}]', `interfaces[1].name: expected ${INTERFACE}, got "bad name"`],
    ['interfaces: [eth0, 42]', 'interfaces[1]: expected an interface name or {name, bpf?, promiscuous?}, got 42'],
    ['interfaces: [eth0, [eth1]]', 'interfaces[1]: expected an interface name or {name, bpf?, promiscuous?}, got a list of 1'],
    ['interfaces: [eth0, {name: eth1, bfp: tcp}]', 'interfaces[1].bfp: unknown key'],
    ['interfaces: [eth0, {bpf: tcp}]', `interfaces[1].name: missing: expected ${INTERFACE}`],
    ['interfaces: [eth0, {name: eth1, promiscuous: off}]', 'interfaces[1].promiscuous: expected true or false, got "off"'],
    ['interfaces: [eth0, ""]', `interfaces[1].name: expected ${INTERFACE}, got ""`],
    ['interfaces: eth0', 'interfaces: expected a list of interface names or {name, bpf?, promiscuous?}, got "eth0"'],
    ['interfaces: [eth0, {name: eth0, bpf: tcp}]', 'interfaces[1].name: duplicate interface "eth0" (also at interfaces[0].name)'],
  ])('%s', (text, message) => {
    expect(problems(`${text}\n`)).toEqual([message]);
  });
});

describe('config errors: capture.speed', () => {
  it.each([['-1', '-1'], ['0', '0'], ['fast', '"fast"'], ['[1]', 'a list of 1'], ['.inf', 'Infinity']])('speed: %s', (value, shown) => {
    expect(problems(`capture:\n  file: x.pcap\n  speed: ${value}\n`)).toEqual([`capture.speed: ${SPEED}, got ${shown}`]);
  });
});

describe('config errors: YAML itself', () => {
  it('duplicate keys, top level and nested, with their lines', () => {
    expect(problems('capture:\n  file: a.pcap\ncapture:\n  file: b.pcap\n')).toEqual(['capture: duplicate key (line 3; first set on line 1)']);
    expect(problems(`${MINIMAL}api:\n  port: 1\n  bind: 127.0.0.1\n  port: 2\n`)).toEqual(['api.port: duplicate key (line 6; first set on line 4)']);
  });

  it('a syntax error gives its line and column, once', () => {
    const issues = problems('capture:\n  file: x.pcap\n snaplen: [1\n');
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(/^line \d+, column \d+: /);
  });

  it('suggests quoting ${...} inside flow collections', () => {
    const [message] = problems('capture: {file: ${F:-x.pcap}}\n');
    expect(message).toContain('quote values that use ${...}');
  });

  it('a document that is not a mapping', () => {
    expect(problems('- capture\n- api\n')).toEqual([`expected a mapping of sections (${SECTIONS}), got a list of 2`]);
  });

  it('an empty file: nothing to capture from', () => {
    expect(problems('')).toEqual([
      'capture.backend: nothing to capture from: set interfaces (live capture) or capture.file (replay a capture file)',
    ]);
  });

  it('an unreadable file is a ConfigError too', () => {
    const file = join(tmpDir, 'does-not-exist.yaml');
    expect(() => loadConfig(file)).toThrow(ConfigError);
    try {
      loadConfig(file);
    } catch (error) {
      expect((error as ConfigError).issues).toEqual([{ path: '', message: 'cannot read the config file: no such file (ENOENT)' }]);
    }
    expect(() => loadConfig(tmpDir)).toThrow(/is a directory/);
  });

  it('alias expansion is bounded ("billion laughs")', () => {
    const lines = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 8; i++) lines.push(`${'b'.repeat(i)}: &${'b'.repeat(i)} [${Array(10).fill(i === 1 ? '*a' : `*${'b'.repeat(i - 1)}`).join(',')}]`);
    const issues = problems(`${lines.join('\n')}\n`);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(/^cannot expand the document/);
  });
});

describe('config errors: capture backend', () => {
  it('backend file needs capture.file', () => {
    expect(problems('capture:\n  backend: file\n')).toEqual(['capture.file: missing: backend file needs capture.file, the pcap or pcapng file to replay']);
  });
  it('backend pcap needs interfaces', () => {
    expect(problems('capture:\n  backend: pcap\n  file: x.pcap\n')).toEqual(['interfaces: missing: backend pcap needs at least one interface to capture on']);
  });
  it('an unknown backend', () => {
    expect(problems('capture:\n  backend: afpacket\n  file: x.pcap\n')).toEqual(['capture.backend: expected one of pcap, file, got "afpacket"']);
  });
  it('inferred: file when only capture.file, pcap when interfaces', () => {
    expect(load(MINIMAL).capture.backend).toBe('file');
    expect(load('interfaces: [eth0]\n').capture.backend).toBe('pcap');
    expect(load('interfaces: [eth0]\ncapture:\n  file: x.pcap\n').capture.backend).toBe('pcap');
    expect(load('interfaces: [eth0]\ncapture:\n  backend: file\n  file: x.pcap\n').capture.backend).toBe('file');
  });
});

describe('config errors: api', () => {
  it.each(['0.0.0.0', '"::"', '192.168.1.10', 'monitor.example.com'])('bind %s without users or tokens', (bind) => {
    const shown = JSON.stringify(bind.replace(/"/g, ''));
    expect(problems(`${MINIMAL}api:\n  bind: ${bind}\n`)).toEqual([
      `api.bind: ${shown} is reachable from other machines, so api.users or api.tokens must be set (or bind 127.0.0.1)`,
    ]);
  });

  it('loopback binds, a disabled API, or a token or a user make it valid', () => {
    for (const bind of ['127.0.0.1', '127.0.0.2', '"::1"', 'localhost']) expect(load(`${MINIMAL}api:\n  bind: ${bind}\n`).api.bind).toBe(bind.replace(/"/g, ''));
    expect(load(`${MINIMAL}api:\n  bind: 0.0.0.0\n  enabled: false\n`).api.enabled).toBe(false);
    expect(load(`${MINIMAL}api:\n  bind: 0.0.0.0\n  tokens: [{name: ci, token: abcdefghijklmnop}]\n`).api.tokens).toEqual([
      { name: 'ci', token: 'abcdefghijklmnop', role: 'viewer' },
    ]);
    const c = load(`${MINIMAL}api:\n  bind: 0.0.0.0\n  users:\n    - {username: ann, password_hash: "${HASH}", role: admin}\n`);
    expect(c.api.users).toEqual([{ username: 'ann', password_hash: HASH, role: 'admin' }]);
  });

  it.each([
    ['$2b$10$abcdefghijklmnopqrstuuJ8yq0sXjv4zP1aQ8QY0uFzE9c1X0Yx2'],
    ['scrypt$15$8$1$bad$bad'],
    ['scrypt$30$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA='],
    ['hunter2-plaintext'],
  ])('a malformed password_hash: %s (never echoed)', (hash) => {
    const issues = problems(`${MINIMAL}api:\n  users:\n    - username: ann\n      password_hash: '${hash}'\n`);
    expect(issues).toEqual([`api.users[0].password_hash: ${HASH_EXPECTED}, got [redacted]`]);
  });

  it('password_hash given as a number or missing', () => {
    expect(problems(`${MINIMAL}api:\n  users:\n    - {username: ann, password_hash: 12345}\n`)).toEqual([
      `api.users[0].password_hash: ${HASH_EXPECTED}, got [redacted]`,
    ]);
    expect(problems(`${MINIMAL}api:\n  users:\n    - {username: ann}\n`)).toEqual([`api.users[0].password_hash: missing: ${HASH_EXPECTED}`]);
  });

  it('duplicate user names, token names and token values (value not shown)', () => {
    const text = `${MINIMAL}api:\n  users:\n    - {username: ann, password_hash: "${HASH}"}\n    - {username: bob, password_hash: "${HASH}"}\n    - {username: ann, password_hash: "${HASH}"}\n  tokens:\n    - {name: a, token: aaaaaaaaaaaaaaaaaaaa}\n    - {name: a, token: aaaaaaaaaaaaaaaaaaaa}\n`;
    const issues = problems(text);
    expect(issues).toEqual([
      'api.users[2].username: duplicate user name "ann" (also at api.users[0].username)',
      'api.tokens[1].name: duplicate token name "a" (also at api.tokens[0].name)',
      'api.tokens[1].token: same token as api.tokens[0].token',
    ]);
    expect(issues.join('\n')).not.toContain('aaaaaaaaaaaaaaaaaaaa');
  });

  it('a short token or a token with spaces is refused without echoing it', () => {
    expect(problems(`${MINIMAL}api:\n  tokens: [{name: ci, token: shortsecret}]\n`)).toEqual([
      'api.tokens[0].token: expected a token of 16..512 printable characters without spaces, got [redacted]',
    ]);
    expect(problems(`${MINIMAL}api:\n  tokens: [{name: ci, token: "abcdefgh ijklmnopq"}]\n`)).toHaveLength(1);
  });

  it('metrics_auth with nobody to authenticate', () => {
    expect(problems(`${MINIMAL}api:\n  metrics_auth: true\n`)).toEqual([
      'api.metrics_auth: true needs at least one entry in api.tokens (or api.users) to scrape with',
    ]);
  });

  it('an unknown role', () => {
    expect(problems(`${MINIMAL}api:\n  tokens: [{name: ci, token: abcdefghijklmnop, role: root}]\n`)).toEqual([
      'api.tokens[0].role: expected one of viewer, admin, got "root"',
    ]);
  });
});

describe('config errors: alerts', () => {
  const RULE = 'name: r1, metric: bytes_per_s, scope: total, window: 10, op: ">", threshold: 1000, severity: warning';

  it('a rule missing its required fields', () => {
    expect(problems(`${MINIMAL}alerts:\n  rules:\n    - {name: r1, metric: drops}\n`)).toEqual([
      'alerts.rules[0].scope: missing: expected one of total, source, host',
      'alerts.rules[0].window: missing: expected a window of 1, 10 or 60 seconds',
      'alerts.rules[0].op: missing: expected one of >, >=, <, <=',
      'alerts.rules[0].threshold: missing: expected a number',
      'alerts.rules[0].severity: missing: expected one of info, warning, critical',
    ]);
  });

  it('window 30, a window not in aggregation.windows, source with scope total, duplicate names', () => {
    expect(problems(`${MINIMAL}alerts:\n  rules:\n    - {${RULE.replace('window: 10', 'window: 30')}}\n`)).toEqual([
      'alerts.rules[0].window: expected a window of 1, 10 or 60 seconds, got 30',
    ]);
    expect(problems(`${MINIMAL}aggregation:\n  windows: [1, 60]\nalerts:\n  rules:\n    - {${RULE}}\n`)).toEqual([
      'alerts.rules[0].window: 10 is not one of aggregation.windows (1, 60)',
    ]);
    expect(problems(`${MINIMAL}alerts:\n  rules:\n    - {${RULE}, source: eth0}\n    - {${RULE}}\n`)).toEqual([
      'alerts.rules[1].name: duplicate rule name "r1" (also at alerts.rules[0].name)',
      'alerts.rules[0].source: only applies with scope source (this rule has scope total)',
    ]);
  });

  it('webhook: URL scheme and secret length (secrets never echoed)', () => {
    const issues = problems(`${MINIMAL}alerts:\n  webhook:\n    url: ftp://example.com/x\n    secret: tooshort\n    anonymize_key: alsoshort\n`);
    expect(issues).toEqual([
      'alerts.webhook.url: expected an http:// or https:// URL, got "ftp://example.com/x"',
      'alerts.webhook.secret: expected a signing secret of at least 16 characters, got [redacted]',
      'alerts.webhook.anonymize_key: expected a key of at least 16 characters, got [redacted]',
    ]);
  });
});

describe('config errors: all at once', () => {
  it('reports every problem, across sections, in one error', () => {
    const text = [
      'interfaces: [eth0, {name: eth1, bfp: tcp}]',
      'capture:',
      '  snaplen: big',
      '  speed: 0',
      'api:',
      '  bind: 0.0.0.0',
      '  port: ${WW_NOPE}',
      'logging:',
      '  level: loud',
      'extra: 1',
      '',
    ].join('\n');
    const file = writeConfig(text);
    let error: ConfigError | undefined;
    try {
      loadConfig(file, {});
    } catch (e) {
      error = e as ConfigError;
    }
    expect(error?.issues.map((i) => i.path)).toEqual([
      'api.port',
      'extra',
      'interfaces[1].bfp',
      'capture.snaplen',
      'capture.speed',
      'logging.level',
      'api.bind',
    ]);
    // One line (a rejected reload logs it as one line), naming the file and the count.
    expect(error!.message).not.toContain('\n');
    expect(error!.message.startsWith(`${file}: 7 problems: api.port: environment variable WW_NOPE`)).toBe(true);
  });
});

describe('environment substitution', () => {
  it('${VAR} in unquoted values is typed like YAML; quoted values stay strings', () => {
    const c = load('capture:\n  file: ${F}\n  speed: ${S}\n  loop: ${L}\napi:\n  port: ${P}\n', { F: 'a.pcap', S: '2.5', L: 'true', P: '9090' });
    expect(c.capture).toMatchObject({ file: join(tmpDir, 'a.pcap'), speed: 2.5, loop: true });
    expect(c.api.port).toBe(9090);
    expect(problems(`${MINIMAL}api:\n  port: "\${P}"\n`, { P: '9090' })).toEqual(['api.port: expected an integer 0..65535, got "9090"']);
  });

  it('${VAR:-default}: used when unset or empty, ignored when set', () => {
    const text = `${MINIMAL}api:\n  port: \${P:-8081}\nlogging:\n  level: \${LVL:-debug}\n`;
    expect(load(text, {}).api.port).toBe(8081);
    expect(load(text, { P: '' }).api.port).toBe(8081);
    expect(load(text, { P: '7000', LVL: 'warn' })).toMatchObject({ api: { port: 7000 }, logging: { level: 'warn' } });
    // Defaults may hold spaces and colons; `${BPF:-}` is the empty string, not null.
    expect(load(`${MINIMAL}  bpf: "\${BPF:-tcp port 80 or host ::1}"\n`).capture.bpf).toBe('tcp port 80 or host ::1');
    expect(load(`${MINIMAL}  bpf: \${BPF:-}\n`).capture.bpf).toBe('');
  });

  it('several substitutions in one value, mixed with text', () => {
    const c = load(`${MINIMAL}export:\n  ipfix:\n    collector: \${HOST}:\${PORT:-4739}\n`, { HOST: 'collector.lan' });
    expect(c.export.ipfix?.collector).toBe('collector.lan:4739');
  });

  it('$${ is a literal ${, and a lone $ is left alone', () => {
    const c = load(`${MINIMAL}  bpf: "$\${NOT_A_VAR} and $5 and \${X}"\n`, { X: 'x' });
    expect(c.capture.bpf).toBe('${NOT_A_VAR} and $5 and x');
  });

  it('values from the environment are not substituted again', () => {
    expect(load(`${MINIMAL}  bpf: \${B}\n`, { B: '${OTHER}' }).capture.bpf).toBe('${OTHER}');
  });

  it('keys are not substituted', () => {
    expect(problems(`${MINIMAL}\${SECTION}:\n  level: info\n`, { SECTION: 'logging' })).toEqual([`\${SECTION}: unknown key (the sections are ${SECTIONS})`]);
  });

  it('secrets from the environment (the usual way to keep them out of the file)', async () => {
    const c = load(`${MINIMAL}api:\n  users:\n    - username: ann\n      password_hash: \${ANN_HASH}\n`, { ANN_HASH: HASH });
    expect(c.api.users[0]!.password_hash).toBe(HASH);
  });

  it('process.env is the default', () => {
    process.env.WW_TEST_SNAPLEN = '1500';
    try {
      expect(loadConfig(writeConfig(`${MINIMAL}  snaplen: \${WW_TEST_SNAPLEN}\n`)).capture.snaplen).toBe(1500);
    } finally {
      delete process.env.WW_TEST_SNAPLEN;
    }
  });
});

describe('defaults', () => {
  it('a minimal config is filled in completely, exactly as documented', () => {
    const c = load(MINIMAL);
    expect(c).toEqual({
      interfaces: [],
      capture: { backend: 'file', bpf: '', promiscuous: true, snaplen: 256, buffer_mb: 32, file: join(tmpDir, 'x.pcap'), speed: 1, loop: false, rebase_time: false },
      aggregation: { windows: [1, 10, 60], top_n: 10 },
      tracking: {
        max_flows: 1000000,
        timeouts: { tcp_established: 300, tcp_half_open: 30, tcp_closed: 10, udp: 60, udp_dns: 10, icmp: 30, other: 60, active: 300 },
      },
      storage: { enabled: true, path: join(tmpDir, 'data', 'wirewatch.db'), retention_days: 30, samples_hours: 24, flush_ms: 1000 },
      api: {
        enabled: true,
        bind: '127.0.0.1',
        port: 8080,
        users: [],
        tokens: [],
        metrics_auth: false,
        session_idle_minutes: 60,
        session_max_hours: 24,
        trust_proxy: false,
      },
      privileges: { drop: true, user: 'nobody', group: 'nogroup', allow_root: false },
      alerts: {
        local_networks: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
        learning_hours: 24,
        rules: [],
        baselines: { enabled: true, max_hosts: 10000, max_peers_per_host: 256 },
      },
      export: {},
      logging: { level: 'info', format: 'auto' },
    });
  });

  it('empty sections and lists mean defaults; present-but-empty exporters are on with defaults', () => {
    const c = load(`${MINIMAL}api:\n  users:\ntracking:\nexport:\n  jsonl:\n  ipfix: {}\nalerts:\n  rules:\n`);
    expect(c.api.users).toEqual([]);
    expect(c.tracking.max_flows).toBe(1000000);
    expect(c.export.jsonl).toEqual({ path: '-', max_size_mb: 100, keep: 5 });
    expect(c.export.ipfix).toEqual({
      collector: '127.0.0.1:4739',
      transport: 'udp',
      observation_domain_id: 1,
      template_refresh_s: 600,
      max_message_size: 1400,
      queue: 10000,
    });
  });

  it('interface names become objects; windows are sorted; defaults are fresh objects per load', () => {
    const c = load('interfaces:\n  - eth0\n  - {name: "nflog:5", bpf: udp, promiscuous: false}\naggregation:\n  windows: [60, 1, 10]\n');
    expect(c.interfaces).toEqual([{ name: 'eth0' }, { name: 'nflog:5', bpf: 'udp', promiscuous: false }]);
    expect(c.aggregation.windows).toEqual([1, 10, 60]);
    const a = load(MINIMAL);
    a.aggregation.windows.push(5);
    a.alerts.local_networks.pop();
    expect(load(MINIMAL).aggregation.windows).toEqual([1, 10, 60]);
    expect(load(MINIMAL).alerts.local_networks).toHaveLength(4);
  });

  it('numeric privilege user and group are accepted as ids', () => {
    expect(load(`${MINIMAL}privileges:\n  user: 1000\n  group: 1000\n`).privileges).toMatchObject({ user: '1000', group: '1000' });
  });
});

describe('relative paths', () => {
  it('resolve against the config file directory; absolute paths and "-" are kept', () => {
    const sub = join(tmpDir, 'etc', 'ww');
    mkdirSync(sub, { recursive: true });
    const text = 'capture:\n  file: ../captures/x.pcap\nstorage:\n  path: db/ww.db\nexport:\n  jsonl:\n    path: out/flows.jsonl\n';
    const c = loadConfig(writeConfig(text, 'etc/ww/rel.yaml'), {});
    expect(c.capture.file).toBe(join(tmpDir, 'etc', 'captures', 'x.pcap'));
    expect(c.storage.path).toBe(join(sub, 'db', 'ww.db'));
    expect(c.export.jsonl?.path).toBe(join(sub, 'out', 'flows.jsonl'));
    const abs = loadConfig(writeConfig('capture:\n  file: /srv/x.pcap\nstorage:\n  path: /var/lib/ww/db\nexport:\n  jsonl:\n    path: "-"\n', 'etc/ww/abs.yaml'), {});
    expect([abs.capture.file, abs.storage.path, abs.export.jsonl?.path]).toEqual(['/srv/x.pcap', '/var/lib/ww/db', '-']);
  });

  it('parseConfig without an origin resolves against the current directory', () => {
    expect(parseConfig(MINIMAL, {}).capture.file).toBe(join(process.cwd(), 'x.pcap'));
    expect(parseConfig(MINIMAL, {}, '/etc/wirewatch/w.yaml').capture.file).toBe('/etc/wirewatch/x.pcap');
  });
});

describe('the shipped examples and the embedded demo', () => {
  const live = join(repoRoot, 'examples', 'wirewatch.yaml');
  const demo = join(repoRoot, 'examples', 'demo.yaml');

  it('examples/wirewatch.yaml loads as is: live capture on eth0, defaults everywhere else', () => {
    const c = loadConfig(live, {});
    expect(c.capture.backend).toBe('pcap');
    expect(c.interfaces).toEqual([{ name: 'eth0' }]);
    expect(c.storage.path).toBe('/var/lib/wirewatch/wirewatch.db');
    // It documents the defaults: apart from those lines, it equals the minimal live config.
    const minimal = parseConfig('interfaces: [eth0]\nstorage:\n  path: /var/lib/wirewatch/wirewatch.db\n', {});
    expect(c).toEqual(minimal);
  });

  it('examples/wirewatch.yaml with every optional "#~" line enabled loads too', () => {
    const text = readFileSync(live, 'utf8').replace(/^(\s*)#~ /gm, '$1');
    const env = {
      WIREWATCH_ADMIN_HASH: HASH,
      WIREWATCH_METRICS_TOKEN: 'f'.repeat(64),
      WIREWATCH_WEBHOOK_SECRET: 'webhook-secret-0123456789',
      WIREWATCH_ANONYMIZE_KEY: 'anonymize-key-0123456789',
    };
    const c = loadConfig(writeConfig(text, 'examples-all.yaml'), env);
    expect(c.interfaces).toEqual([{ name: 'eth0' }, { name: 'eth1', bpf: 'not port 22', promiscuous: false }]);
    expect(c.api.users).toEqual([{ username: 'admin', password_hash: HASH, role: 'admin' }]);
    expect(c.api.tokens).toHaveLength(1);
    expect(c.alerts.rules.map((r) => r.name)).toEqual(['traffic-spike', 'capture-drops']);
    expect(c.alerts.webhook?.anonymize_key).toBe(env.WIREWATCH_ANONYMIZE_KEY);
    expect(c.export.ipfix?.collector).toBe('127.0.0.1:4739');
    expect(c.export.jsonl?.path).toBe('-');
  });

  it('examples/demo.yaml is exactly the embedded demo run from the package root', () => {
    expect(loadConfig(demo, {})).toEqual(demoConfig(repoRoot, repoRoot));
  });

  it('demoConfig: bundled capture in a loop at real time, ./data under the cwd, loopback API without users', () => {
    const c = demoConfig('/opt/wirewatch', '/home/me');
    expect(c.capture).toMatchObject({ backend: 'file', file: '/opt/wirewatch/fixtures/demo.pcap', speed: 1, loop: true });
    expect(c.storage.path).toBe('/home/me/data/wirewatch.db');
    expect(c.api).toMatchObject({ enabled: true, bind: '127.0.0.1', port: 8080, users: [], tokens: [] });
    expect(c.privileges.drop).toBe(true);
    const d = defaultConfig();
    expect(existsSync(d.capture.file!)).toBe(true);
    expect(d.storage.path).toBe(join(process.cwd(), 'data', 'wirewatch.db'));
  });

  it('configFromObject validates objects the same way', () => {
    expect(() => configFromObject({ capture: { file: 'x', snaplen: 1 } }, '/')).toThrow('capture.snaplen: expected an integer 64..262144, got 1');
  });
});

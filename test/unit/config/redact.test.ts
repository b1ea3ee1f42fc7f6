// Secrets never leave: redactConfig, formatEffectiveConfig and check-config output.
import { Writable } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { hashPassword } from '../../../lib/auth/password.js';
import { checkConfigCommand, formatEffectiveConfig, parseConfig, redactConfig, type Config } from '../../../lib/config/index.js';
import { MINIMAL, writeConfig } from './helpers.js';

const TOKEN_A = 'tok-aaaaaaaaaaaaaaaaaaaaaaaa';
const TOKEN_B = 'tok-bbbbbbbbbbbbbbbbbbbbbbbb';
const WEBHOOK_SECRET = 'whsec-0123456789abcdef';
const ANON_KEY = 'anon-0123456789abcdef';
let HASH_1 = '';
let HASH_2 = '';
let text = '';
let config: Config;

function sink() {
  let data = '';
  const stream = new Writable({
    write(chunk, _enc, done) {
      data += String(chunk);
      done();
    },
  });
  return { stream, text: () => data };
}

beforeAll(async () => {
  [HASH_1, HASH_2] = await Promise.all([hashPassword('password-one'), hashPassword('password-two')]);
  text = `${MINIMAL}api:
  users:
    - {username: ann, password_hash: "${HASH_1}", role: admin}
    - {username: bob, password_hash: "\${BOB_HASH}"}
  tokens:
    - {name: a, token: ${TOKEN_A}}
    - {name: b, token: ${TOKEN_B}, role: admin}
alerts:
  webhook:
    url: https://hooks.example.com/x
    secret: ${WEBHOOK_SECRET}
    anonymize_key: ${ANON_KEY}
`;
  config = parseConfig(text, { BOB_HASH: HASH_2 }, '/etc/ww/w.yaml');
});

const SECRETS = () => [HASH_1, HASH_2, TOKEN_A, TOKEN_B, WEBHOOK_SECRET, ANON_KEY];

describe('redactConfig', () => {
  it('replaces every secret and nothing else, in a copy', () => {
    const r = redactConfig(config);
    expect(r.api.users.map((u) => u.password_hash)).toEqual(['[redacted]', '[redacted]']);
    expect(r.api.tokens.map((t) => t.token)).toEqual(['[redacted]', '[redacted]']);
    expect(r.alerts.webhook).toMatchObject({ secret: '[redacted]', anonymize_key: '[redacted]', url: 'https://hooks.example.com/x' });
    expect(r.api.users.map((u) => u.username)).toEqual(['ann', 'bob']);
    // The original is untouched, and nothing but the secrets differs.
    expect(config.api.users[0]!.password_hash).toBe(HASH_1);
    expect(config.alerts.webhook!.secret).toBe(WEBHOOK_SECRET);
    const restored = structuredClone(r);
    restored.api.users.forEach((u, i) => (u.password_hash = config.api.users[i]!.password_hash));
    restored.api.tokens.forEach((t, i) => (t.token = config.api.tokens[i]!.token));
    restored.alerts.webhook!.secret = WEBHOOK_SECRET;
    restored.alerts.webhook!.anonymize_key = ANON_KEY;
    expect(restored).toEqual(config);
  });

  it('leaves an absent anonymize_key absent', () => {
    const c = parseConfig(`${MINIMAL}alerts:\n  webhook:\n    url: http://x/\n    secret: ${WEBHOOK_SECRET}\n`, {});
    expect(redactConfig(c).alerts.webhook).not.toHaveProperty('anonymize_key');
  });

  it('JSON of the redacted config holds none of the secrets', () => {
    const json = JSON.stringify(redactConfig(config));
    for (const s of SECRETS()) expect(json).not.toContain(s);
  });
});

describe('formatEffectiveConfig', () => {
  it('is YAML of the redacted config, which loads back to the same config', () => {
    const out = formatEffectiveConfig(config);
    for (const s of SECRETS()) expect(out).not.toContain(s);
    expect(parse(out)).toEqual(JSON.parse(JSON.stringify(redactConfig(config))));
    // Paths are absolute in the output, so it loads from anywhere (secrets aside).
    const back = parseConfig(formatEffectiveConfig(parseConfig(MINIMAL, {}, '/etc/ww/w.yaml')), {}, '/somewhere/else.yaml');
    expect(back).toEqual(parseConfig(MINIMAL, {}, '/etc/ww/w.yaml'));
  });
});

describe('checkConfigCommand', () => {
  it('a valid file: the effective config on stdout, exit 0, secrets never printed', () => {
    const file = writeConfig(text);
    const out = sink();
    const err = sink();
    expect(checkConfigCommand(file, out.stream, err.stream, { BOB_HASH: HASH_2 })).toBe(0);
    expect(err.text()).toBe('');
    expect(out.text()).toContain('username: ann');
    expect(out.text()).toContain('password_hash: "[redacted]"');
    for (const s of SECRETS()) expect(out.text()).not.toContain(s);
  });

  it('an invalid file: one "wirewatch: FILE: problem" line per problem on stderr, exit 2, secrets never printed', () => {
    const bad = text
      .replace(`token: ${TOKEN_A}`, 'token: short-secret')
      .replace(`secret: ${WEBHOOK_SECRET}`, 'secret: tiny-secret')
      .replace('  tokens:', '  port: huge\n  tokens:');
    const file = writeConfig(bad);
    const out = sink();
    const err = sink();
    expect(checkConfigCommand(file, out.stream, err.stream, {})).toBe(2);
    expect(out.text()).toBe('');
    expect(err.text().trimEnd().split('\n')).toEqual([
      `wirewatch: ${file}: api.users[1].password_hash: environment variable BOB_HASH is not set (give a default with \${BOB_HASH:-default})`,
      `wirewatch: ${file}: api.port: expected an integer 0..65535, got "huge"`,
      `wirewatch: ${file}: api.tokens[0].token: expected a token of 16..512 printable characters without spaces, got [redacted]`,
      `wirewatch: ${file}: alerts.webhook.secret: expected a signing secret of at least 16 characters, got [redacted]`,
    ]);
    for (const s of [...SECRETS(), 'short-secret', 'tiny-secret']) expect(err.text()).not.toContain(s);
  });

  it('a missing file: exit 2', () => {
    const err = sink();
    expect(checkConfigCommand('/nonexistent/wirewatch.yaml', sink().stream, err.stream)).toBe(2);
    expect(err.text()).toBe('wirewatch: /nonexistent/wirewatch.yaml: cannot read the config file: no such file (ENOENT)\n');
  });
});

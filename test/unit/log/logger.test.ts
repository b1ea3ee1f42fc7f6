// createLogger: line shape, secret masking at any depth, levels at runtime, formats.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, type LoggerOptions, redactSecrets } from '../../../lib/log/index.js';

function capture(options: Omit<LoggerOptions, 'stream'> = {}, tty = false) {
  const stream = new PassThrough();
  if (tty) Object.assign(stream, { isTTY: true });
  let data = '';
  stream.on('data', (chunk) => (data += String(chunk)));
  const logger = createLogger({ ...options, stream });
  const lines = async () => {
    await new Promise((r) => setImmediate(r));
    return data.split('\n').filter(Boolean);
  };
  const json = async () => (await lines()).map((l) => JSON.parse(l) as Record<string, unknown>);
  return { logger, lines, json };
}

describe('options', () => {
  it('refuses unknown levels and formats, at creation and at runtime', () => {
    expect(() => createLogger({ level: 'verbose' as never, stream: new PassThrough() })).toThrow(RangeError);
    expect(() => createLogger({ format: 'xml' as never, stream: new PassThrough() })).toThrow(RangeError);
    const { logger } = capture();
    expect(() => logger.setLevel('trace' as never)).toThrow('level: expected one of error, warn, info, debug, got "trace"');
    expect(logger.level).toBe('info');
  });

  it('format auto: JSON to a pipe or file, text to a TTY', () => {
    expect(capture().logger.format).toBe('json');
    expect(capture({}, true).logger.format).toBe('text');
    expect(capture({ format: 'json' }, true).logger.format).toBe('json');
    expect(capture({ format: 'text' }).logger.format).toBe('text');
  });
});

describe('secret masking', () => {
  it('masks secret-named keys at any depth, in objects, arrays and errors, without touching the caller', async () => {
    const { logger, lines } = capture();
    const context = {
      user: { name: 'ann', password: 'hunter2-pw' },
      config: { api: { users: [{ username: 'ann', password_hash: 'scrypt$15$8$1$SALT$KEY' }], tokens: [{ name: 't', token: 'tok-123456' }] } },
      alerts: { webhook: { secret: 'wh-secret', anonymize_key: 'anon-key' } },
      headers: { Authorization: 'Bearer abc.def', Cookie: 'sid=xyz', 'Set-Cookie': 'sid=new', accept: 'text/html' },
      err: Object.assign(new Error('login failed'), { code: 'E_AUTH', token: 'tok-in-error' }),
      list: [[{ deep: { deeper: { SECRET: 'shh-upper' } } }]],
    };
    const before = structuredClone({ ...context, err: undefined });
    logger.warn('request', context);
    const [line] = await lines();
    for (const s of ['hunter2-pw', 'SALT', 'tok-123456', 'wh-secret', 'anon-key', 'abc.def', 'sid=xyz', 'sid=new', 'tok-in-error', 'shh-upper']) {
      expect(line).not.toContain(s);
    }
    const parsed = JSON.parse(line!);
    expect(parsed.user).toEqual({ name: 'ann', password: '[redacted]' });
    expect(parsed.config.api.users[0]).toEqual({ username: 'ann', password_hash: '[redacted]' });
    expect(parsed.headers).toEqual({ Authorization: '[redacted]', Cookie: '[redacted]', 'Set-Cookie': '[redacted]', accept: 'text/html' });
    expect(parsed.err).toEqual({ name: 'Error', message: 'login failed', code: 'E_AUTH', token: '[redacted]' });
    expect(parsed.list[0][0].deep.deeper.SECRET).toBe('[redacted]');
    expect({ ...context, err: undefined }).toEqual(before);
  });

  it('a secret key holding an object is masked whole; child context is masked too', async () => {
    const { logger, json } = capture();
    logger.child({ component: 'api', token: 'child-token-value' }).info('x', { secret: { a: 1 } });
    const [line] = await json();
    expect(line).toMatchObject({ component: 'api', token: '[redacted]', secret: '[redacted]' });
  });

  it('text format masks as well', async () => {
    const { logger, lines } = capture({ format: 'text' });
    logger.info('login', { user: 'ann', password: 'hunter2-pw' });
    const [line] = await lines();
    expect(line).toContain('password=[redacted]');
    expect(line).not.toContain('hunter2');
  });

  it('cycles, bigints, buffers, non-finite numbers, functions and very deep values stay loggable', () => {
    const a: Record<string, unknown> = { n: 10n, buf: Buffer.alloc(3), inf: Infinity, fn: () => 1, when: new Date(0), set: new Set([1]), map: new Map([['k', { token: 't' }]]) };
    a.self = a;
    let deep: Record<string, unknown> = {};
    const root = deep;
    for (let i = 0; i < 20; i++) deep = deep.next = {};
    const out = redactSecrets({ a, root });
    expect(() => JSON.stringify(out)).not.toThrow();
    expect(out.a).toMatchObject({ n: '10', buf: '[3 bytes]', inf: 'Infinity', when: '1970-01-01T00:00:00.000Z', set: [1], map: { k: { token: '[redacted]' } }, self: '[circular]' });
    expect(out.a).not.toHaveProperty('fn');
    expect(JSON.stringify(out.root)).toContain('[too deep]');
    // The same object twice side by side is not a cycle.
    const shared = { x: 1 };
    expect(redactSecrets({ p: shared, q: shared })).toEqual({ p: { x: 1 }, q: { x: 1 } });
  });
});

describe('JSON lines', () => {
  it('one object per line: time, level, msg first, then the context fields', async () => {
    const { logger, lines } = capture();
    logger.info('capture started', { sources: ['eth0'], packets: 0 });
    const [line] = await lines();
    const parsed = JSON.parse(line!);
    expect(Object.keys(parsed)).toEqual(['time', 'level', 'msg', 'sources', 'packets']);
    expect(parsed).toMatchObject({ level: 'info', msg: 'capture started', sources: ['eth0'], packets: 0 });
    expect(new Date(parsed.time).toISOString()).toBe(parsed.time);
    expect(Math.abs(Date.parse(parsed.time) - Date.now())).toBeLessThan(5000);
  });

  it('child loggers add their context; context cannot overwrite time, level or msg', async () => {
    const { logger, json } = capture();
    const capture_ = logger.child({ component: 'capture' });
    capture_.child({ source: 'eth0' }).error('capture failed', { kind: 'interface_down', level: 'fake', msg: 'fake', time: 'fake' });
    logger.info('plain');
    const [a, b] = await json();
    expect(a).toMatchObject({ level: 'error', msg: 'capture failed', component: 'capture', source: 'eth0', kind: 'interface_down', ctx_level: 'fake', ctx_msg: 'fake', ctx_time: 'fake' });
    expect(a!.time).not.toBe('fake');
    expect(b).not.toHaveProperty('component');
  });

  it('every level writes its own name; log(level, ...) works too', async () => {
    const { logger, json } = capture({ level: 'debug' });
    logger.error('e');
    logger.warn('w');
    logger.info('i');
    logger.debug('d');
    logger.log('warn', 'via log');
    expect((await json()).map((l) => [l.level, l.msg])).toEqual([['error', 'e'], ['warn', 'w'], ['info', 'i'], ['debug', 'd'], ['warn', 'via log']]);
  });
});

describe('levels at runtime', () => {
  it('setLevel on the root or any child changes what every logger of the tree writes', async () => {
    const { logger, json } = capture({ level: 'warn' });
    const child = logger.child({ component: 'api' });
    logger.info('dropped 1');
    child.debug('dropped 2');
    expect(child.isLevelEnabled('info')).toBe(false);
    child.setLevel('debug');
    expect(logger.level).toBe('debug');
    logger.debug('kept 1');
    child.debug('kept 2');
    logger.setLevel('error');
    child.warn('dropped 3');
    child.error('kept 3');
    expect((await json()).map((l) => l.msg)).toEqual(['kept 1', 'kept 2', 'kept 3']);
  });
});

describe('text format', () => {
  it('time, level, [component], message, then key=value (quoted when needed)', async () => {
    const { logger, lines } = capture({}, true);
    logger.child({ component: 'api' }).warn('listening', { port: 8080, addr: 'two words', list: [1, 2] });
    const [line] = await lines();
    expect(line).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z WARN  \[api\] listening port=8080 addr="two words" list=\[1,2\]$/);
  });
});

describe('close', () => {
  it('resolves after pending lines are written, and twice is fine', async () => {
    const { logger, lines } = capture();
    logger.info('last words');
    await logger.close();
    await logger.child({ component: 'x' }).close();
    logger.error('after close: dropped, no throw');
    expect(await lines()).toEqual([expect.stringContaining('"msg":"last words"')]);
  });
});

// scrypt password hashes: malformed and hostile encodings first, then the round trip.
import { scryptSync } from 'node:crypto';
import { PassThrough, Writable } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { hashPassword, isPasswordHash, MAX_PASSWORD_LENGTH, SCRYPT_PARAMS, verifyPassword } from '../../../lib/auth/password.js';
import { hashPasswordCommand } from '../../../lib/config/index.js';

const PASSWORD = 'correct horse battery staple';
let HASH = '';
beforeAll(async () => {
  HASH = await hashPassword(PASSWORD);
});

const b64 = (n: number, fill = 1) => Buffer.alloc(n, fill).toString('base64');
const enc = (logN: number | string, r: number | string, p: number | string, salt = b64(16), key = b64(32)) => `scrypt$${logN}$${r}$${p}$${salt}$${key}`;

describe('malformed or hostile encodings', () => {
  const bad: [string, unknown][] = [
    ['empty', ''],
    ['not a string', 42],
    ['null', null],
    ['bcrypt', '$2b$10$abcdefghijklmnopqrstuuJ8yq0sXjv4zP1aQ8QY0uFzE9c1X0Yx2'],
    ['argon2', '$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2g'],
    ['wrong scheme name', enc(15, 8, 1).replace('scrypt', 'scrypt2')],
    ['upper case', enc(15, 8, 1).replace('scrypt', 'SCRYPT')],
    ['missing field', `scrypt$15$8$1$${b64(16)}`],
    ['extra field', `${enc(15, 8, 1)}$x`],
    ['trailing newline', `${enc(15, 8, 1)}\n`],
    ['leading space', ` ${enc(15, 8, 1)}`],
    ['leading zero', enc('015', 8, 1)],
    ['negative', enc(-15, 8, 1)],
    ['N too large (DoS)', enc(30, 8, 1)],
    ['N just above the cap', enc(18, 8, 1)],
    ['N too small', enc(4, 8, 1)],
    ['memory cap via r', enc(17, 16, 1)],
    ['r = 0', enc(15, 0, 1)],
    ['p too large (CPU DoS)', enc(15, 8, 99)],
    ['salt too short', enc(15, 8, 1, b64(8))],
    ['key too short', enc(15, 8, 1, b64(16), b64(8))],
    ['key too long', enc(15, 8, 1, b64(16), b64(96))],
    ['non-canonical base64 (missing padding)', enc(15, 8, 1, b64(16).replace(/=+$/, ''))],
    ['non-canonical base64 (garbage bits)', enc(15, 8, 1, 'AAAAAAAAAAAAAAAAAAAAAB==')],
    ['base64url alphabet', enc(15, 8, 1, Buffer.alloc(16, 0xfb).toString('base64url'))],
    ['huge string', `scrypt$15$8$1$${'A'.repeat(100_000)}$${b64(32)}`],
  ];

  it.each(bad)('isPasswordHash rejects %s', (_name, value) => {
    expect(isPasswordHash(value)).toBe(false);
  });

  it.each(bad)('verifyPassword is false (never throws, never runs scrypt with those parameters) for %s', async (_name, value) => {
    const started = performance.now();
    await expect(verifyPassword(PASSWORD, value as string)).resolves.toBe(false);
    // A rejected encoding returns before any key derivation.
    expect(performance.now() - started).toBeLessThan(20);
  });

  it('the parameter bounds themselves are accepted', async () => {
    expect(isPasswordHash(enc(14, 8, 1))).toBe(true);
    expect(isPasswordHash(enc(17, 8, 1))).toBe(true);
    expect(isPasswordHash(enc(15, 16, 4, b64(64), b64(64)))).toBe(true);
  });
});

describe('hashPassword', () => {
  it('refuses non-strings, empty and over-long passwords', async () => {
    await expect(hashPassword(undefined as unknown as string)).rejects.toThrow(TypeError);
    await expect(hashPassword('')).rejects.toThrow(RangeError);
    await expect(hashPassword('x'.repeat(MAX_PASSWORD_LENGTH + 1))).rejects.toThrow(RangeError);
  });

  it('writes the self-describing format with the documented cost and a random salt', async () => {
    expect(HASH).toMatch(/^scrypt\$15\$8\$1\$[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=$/);
    expect(isPasswordHash(HASH)).toBe(true);
    const again = await hashPassword(PASSWORD);
    expect(again).not.toBe(HASH);
    // An independent scrypt computation gives the stored key (the format means what it says).
    const [, , , , salt, key] = HASH.split('$');
    const { logN, r, p, keyBytes } = SCRYPT_PARAMS;
    const expected = scryptSync(PASSWORD, Buffer.from(salt!, 'base64'), keyBytes, { N: 2 ** logN, r, p, maxmem: 64 * 1024 * 1024 });
    expect(expected.toString('base64')).toBe(key);
  });
});

describe('verifyPassword', () => {
  it('round trip: the right password is true, anything else false', async () => {
    await expect(verifyPassword(PASSWORD, HASH)).resolves.toBe(true);
    for (const wrong of ['', 'correct horse battery stapl', `${PASSWORD} `, PASSWORD.toUpperCase(), 'x'.repeat(MAX_PASSWORD_LENGTH + 1)]) {
      await expect(verifyPassword(wrong, HASH)).resolves.toBe(false);
    }
    await expect(verifyPassword(42 as unknown as string, HASH)).resolves.toBe(false);
  });

  it('a stored key changed in one bit does not match', async () => {
    const parts = HASH.split('$');
    const key = Buffer.from(parts[5]!, 'base64');
    key[31]! ^= 1;
    parts[5] = key.toString('base64');
    await expect(verifyPassword(PASSWORD, parts.join('$'))).resolves.toBe(false);
  });

  it('verifies hashes with other accepted parameters (cost can change later)', async () => {
    const salt = Buffer.alloc(16, 7);
    const key = scryptSync(PASSWORD, salt, 48, { N: 2 ** 14, r: 4, p: 2 });
    await expect(verifyPassword(PASSWORD, enc(14, 4, 2, salt.toString('base64'), key.toString('base64')))).resolves.toBe(true);
  });

  it('NFC normalization: composed and decomposed forms are the same password', async () => {
    const h = await hashPassword('caf\u00e9-passw0rd');
    await expect(verifyPassword('cafe\u0301-passw0rd', h)).resolves.toBe(true);
  });

  it('an unknown user (hash undefined) costs a full scrypt and is false', async () => {
    const time = async (hash: string | undefined) => {
      const t = performance.now();
      await verifyPassword('some password', hash);
      return performance.now() - t;
    };
    await time(HASH); // warm up
    const real = Math.min(await time(HASH), await time(HASH));
    const missing = Math.min(await time(undefined), await time(undefined));
    await expect(verifyPassword('', undefined)).resolves.toBe(false);
    // Same work either way: within a factor that scheduling noise on a shared machine allows.
    expect(missing).toBeGreaterThan(real * 0.3);
    expect(missing).toBeLessThan(real * 3);
  });
});

function sink() {
  let data = '';
  return {
    stream: new Writable({
      write(chunk, _enc, done) {
        data += String(chunk);
        done();
      },
    }),
    text: () => data,
  };
}

async function runHash(input: string | Buffer[], end = true) {
  const stdin = new PassThrough();
  const out = sink();
  const err = sink();
  const done = hashPasswordCommand(stdin, out.stream, err.stream);
  for (const chunk of typeof input === 'string' ? [input] : input) stdin.write(chunk);
  if (end) stdin.end();
  return { code: await done, out: out.text(), err: err.text() };
}

describe('hashPasswordCommand', () => {
  it('refuses an empty password (exit 2)', async () => {
    for (const input of ['', '\n', '\r\n']) {
      const r = await runHash(input);
      expect(r).toMatchObject({ code: 2, out: '' });
      expect(r.err).toMatch(/^wirewatch: hash-password: empty password/);
    }
  });

  it('refuses a password shorter than 8 characters (exit 2), counting characters not bytes', async () => {
    const r = await runHash('short7!\n');
    expect(r).toEqual({ code: 2, out: '', err: 'wirewatch: hash-password: the password is shorter than 8 characters\n' });
    expect((await runHash('ééééééé\n')).code).toBe(2); // 7 characters, 14 bytes
  });

  it('refuses an over-long line without waiting for its end', async () => {
    const r = await runHash('x'.repeat(MAX_PASSWORD_LENGTH * 5), false);
    expect(r.code).toBe(2);
    expect(r.err).toContain('longer than');
  });

  it('hashes the first line only, without its line ending; split chunks are joined', async () => {
    const r = await runHash([Buffer.from('correct horse '), Buffer.from('battery staple\r\nsecond line\n')]);
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    const hash = r.out.trimEnd();
    expect(r.out.endsWith('\n')).toBe(true);
    expect(isPasswordHash(hash)).toBe(true);
    await expect(verifyPassword(PASSWORD, hash)).resolves.toBe(true);
  });

  it('input without a newline (printf %s) works, and inner spaces are kept', async () => {
    const r = await runHash('  spaced out  ');
    expect(r.code).toBe(0);
    await expect(verifyPassword('  spaced out  ', r.out.trim())).resolves.toBe(true);
  });
});

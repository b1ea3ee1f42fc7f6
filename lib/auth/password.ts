// Password hashes for api.users[].password_hash: scrypt from node:crypto, stored
// self-describing so the cost can be raised later without breaking old hashes:
//   scrypt$<log2 N>$<r>$<p>$<salt, base64>$<key, base64>
// e.g. scrypt$15$8$1$3q2+7w...==$Zm9v...=
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/** Cost used for new hashes: N = 2^15, r = 8, p = 1 (32 MiB, ~50-100 ms per hash). */
export const SCRYPT_PARAMS = Object.freeze({ logN: 15, r: 8, p: 1, saltBytes: 16, keyBytes: 32 });

// Accepted when verifying. The hash comes from a config file, but a hand-edited
// `scrypt$30$...` must not make every login allocate gigabytes or spin for minutes.
const LIMITS = { logN: [14, 17], r: [1, 16], p: [1, 4], saltBytes: [16, 64], keyBytes: [16, 64] } as const;
const MAX_MEMORY = 128 * 1024 * 1024; // 128·N·r bytes of scrypt memory at most
/** Longer passwords are refused (hashing) or never match (verifying): no megabyte inputs at login. */
export const MAX_PASSWORD_LENGTH = 1024;

interface ParsedHash {
  logN: number;
  r: number;
  p: number;
  salt: Buffer;
  key: Buffer;
}

const FORMAT = /^scrypt\$(\d{1,2})\$(\d{1,2})\$(\d{1,2})\$([A-Za-z0-9+/]+={0,2})\$([A-Za-z0-9+/]+={0,2})$/;

function inRange(value: number, [min, max]: readonly [number, number]): boolean {
  return value >= min && value <= max;
}

/** Strict parse: canonical numbers and base64 only, parameters within LIMITS. */
function parseHash(encoded: unknown): ParsedHash | undefined {
  if (typeof encoded !== 'string' || encoded.length > 256) return undefined;
  const m = FORMAT.exec(encoded);
  if (!m) return undefined;
  const [logN, r, p] = [m[1]!, m[2]!, m[3]!].map((s) => (String(Number(s)) === s ? Number(s) : NaN)) as [number, number, number];
  if (!inRange(logN, LIMITS.logN) || !inRange(r, LIMITS.r) || !inRange(p, LIMITS.p)) return undefined;
  if (128 * 2 ** logN * r > MAX_MEMORY) return undefined;
  const salt = Buffer.from(m[4]!, 'base64');
  const key = Buffer.from(m[5]!, 'base64');
  // Buffer.from() skips garbage silently; a round trip proves the text was canonical.
  if (salt.toString('base64') !== m[4] || key.toString('base64') !== m[5]) return undefined;
  if (!inRange(salt.length, LIMITS.saltBytes) || !inRange(key.length, LIMITS.keyBytes)) return undefined;
  return { logN, r, p, salt, key };
}

function derive(password: string, salt: Buffer, keyBytes: number, logN: number, r: number, p: number): Promise<Buffer> {
  const N = 2 ** logN;
  // Node's default maxmem (32 MiB) is exactly 128·N·r for the default cost, and
  // OpenSSL needs a little more than that: give it twice the block memory.
  const maxmem = 2 * 128 * N * r * p;
  return new Promise((resolve, reject) => {
    // NFC: the same password typed on two keyboards may arrive composed or decomposed.
    scrypt(password.normalize('NFC'), salt, keyBytes, { N, r, p, maxmem }, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

/** True if `s` is a hash in the format hashPassword() writes, with acceptable parameters. */
export function isPasswordHash(s: unknown): s is string {
  return parseHash(s) !== undefined;
}

/** Hashes a password for the config (`wirewatch hash-password`). */
export async function hashPassword(password: string): Promise<string> {
  if (typeof password !== 'string') throw new TypeError('password: expected a string');
  if (password.length === 0) throw new RangeError('password: expected a non-empty string');
  if (password.length > MAX_PASSWORD_LENGTH) throw new RangeError(`password: expected at most ${MAX_PASSWORD_LENGTH} characters`);
  const { logN, r, p, saltBytes, keyBytes } = SCRYPT_PARAMS;
  const salt = randomBytes(saltBytes);
  const key = await derive(password, salt, keyBytes, logN, r, p);
  return `scrypt$${logN}$${r}$${p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

// Verified against when the user does not exist, so an unknown user name costs
// the same scrypt work as a wrong password and cannot be told apart by timing.
const DUMMY_HASH = `scrypt$${SCRYPT_PARAMS.logN}$${SCRYPT_PARAMS.r}$${SCRYPT_PARAMS.p}$${Buffer.alloc(16).toString('base64')}$${Buffer.alloc(32).toString('base64')}`;

/**
 * Checks a password against a stored hash. Never throws for bad input: a
 * malformed hash, a hash with out-of-bounds parameters, a non-string or an
 * over-long password all give false. Pass `undefined` as the hash for an
 * unknown user: the full scrypt work is done anyway and the answer is false.
 */
export async function verifyPassword(password: string, encoded: string | undefined): Promise<boolean> {
  const known = encoded !== undefined;
  const parsed = parseHash(known ? encoded : DUMMY_HASH);
  if (!parsed) return false;
  const usable = typeof password === 'string' && password.length <= MAX_PASSWORD_LENGTH;
  const key = await derive(usable ? password : '', parsed.salt, parsed.key.length, parsed.logN, parsed.r, parsed.p);
  // Same length by construction (derived to the stored key's length).
  const equal = timingSafeEqual(key, parsed.key);
  return equal && usable && known;
}

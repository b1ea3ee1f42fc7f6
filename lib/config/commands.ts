// `wirewatch check-config FILE` and `wirewatch hash-password`. Exit codes as
// in the CLI: 0 ok, 2 bad input.
import { hashPassword, MAX_PASSWORD_LENGTH } from '../auth/password.js';
import { ConfigError } from './errors.js';
import { loadConfig } from './load.js';
import { formatEffectiveConfig } from './redact.js';
import type { Env } from './env.js';

/** Validates FILE; prints the effective config (secrets redacted) to `out`, or one line per problem to `err`. */
export function checkConfigCommand(
  file: string,
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream = process.stderr,
  env: Env = process.env,
): number {
  try {
    out.write(formatEffectiveConfig(loadConfig(file, env)));
    return 0;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const i of error.issues) err.write(`wirewatch: ${file}: ${i.message}\n`);
    return 2;
  }
}

export const MIN_PASSWORD_LENGTH = 8;

/** Reads up to the first newline (or the end); undefined if the line is longer than `max` bytes. */
function readLine(stdin: NodeJS.ReadableStream, max: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (value: string | undefined) => {
      stdin.off('data', onData);
      stdin.off('end', onEnd);
      stdin.off('error', onError);
      stdin.pause(); // stop reading so a piped stdin does not keep the process alive
      resolve(value);
    };
    const onData = (chunk: Buffer | string) => {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      const nl = buf.indexOf(0x0a);
      chunks.push(nl === -1 ? buf : buf.subarray(0, nl));
      size += nl === -1 ? buf.length : nl;
      if (size > max) finish(undefined);
      else if (nl !== -1) finish(Buffer.concat(chunks).toString('utf8'));
    };
    const onEnd = () => finish(Buffer.concat(chunks).toString('utf8'));
    const onError = (error: Error) => {
      stdin.off('data', onData);
      stdin.off('end', onEnd);
      reject(error);
    };
    stdin.on('data', onData);
    stdin.on('end', onEnd);
    stdin.on('error', onError);
    stdin.resume();
  });
}

/** Reads one line (the password) from stdin and prints its hash for api.users[].password_hash. */
export async function hashPasswordCommand(
  stdin: NodeJS.ReadableStream,
  stdout: NodeJS.WritableStream,
  stderr: NodeJS.WritableStream,
): Promise<number> {
  const line = await readLine(stdin, MAX_PASSWORD_LENGTH * 4);
  const password = line?.replace(/\r$/, '');
  if (password === undefined || password.length > MAX_PASSWORD_LENGTH) {
    stderr.write(`wirewatch: hash-password: the password is longer than ${MAX_PASSWORD_LENGTH} characters\n`);
    return 2;
  }
  if (password.length === 0) {
    stderr.write('wirewatch: hash-password: empty password (pipe it in: printf %s "$PASSWORD" | wirewatch hash-password)\n');
    return 2;
  }
  if ([...password].length < MIN_PASSWORD_LENGTH) {
    stderr.write(`wirewatch: hash-password: the password is shorter than ${MIN_PASSWORD_LENGTH} characters\n`);
    return 2;
  }
  stdout.write(`${await hashPassword(password)}\n`);
  return 0;
}

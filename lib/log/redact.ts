// Masks secrets in log context by key name, at any depth, in a copy (the
// caller's objects are never modified). Also makes the context JSON-safe:
// cycles, bigints, errors, buffers and very deep or wide values.

export const REDACTED = '[redacted]';

/** Keys whose values never reach a log line (compared case-insensitively). */
export const SECRET_LOG_KEYS: ReadonlySet<string> = new Set([
  'password',
  'password_hash',
  'token',
  'secret',
  'anonymize_key',
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
]);

const MAX_DEPTH = 8;
const MAX_KEYS = 100;
const MAX_ITEMS = 100;

export function isSecretKey(key: string): boolean {
  return SECRET_LOG_KEYS.has(key.toLowerCase());
}

function errorFields(e: Error): Record<string, unknown> {
  const out: Record<string, unknown> = { name: e.name, message: e.message };
  // Typed errors carry their stable code/kind/issues as own properties.
  for (const key of Object.keys(e)) out[key] = (e as unknown as Record<string, unknown>)[key];
  if (e.cause !== undefined) out.cause = e.cause;
  return out;
}

function copy(value: unknown, depth: number, seen: WeakSet<object>): unknown {
  switch (typeof value) {
    case 'bigint':
      return value.toString();
    case 'function':
    case 'symbol':
      return undefined;
    case 'number':
      return Number.isFinite(value) ? value : String(value);
    case 'object':
      break;
    default:
      return value;
  }
  if (value === null) return null;
  if (seen.has(value)) return '[circular]';
  if (depth >= MAX_DEPTH) return '[too deep]';
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  if (ArrayBuffer.isView(value)) return `[${value.byteLength} bytes]`;
  seen.add(value);
  try {
    if (Array.isArray(value)) {
      const items = value.slice(0, MAX_ITEMS).map((v) => copy(v, depth + 1, seen));
      if (value.length > MAX_ITEMS) items.push(`[${value.length - MAX_ITEMS} more]`);
      return items;
    }
    let source: Record<string, unknown> = value as Record<string, unknown>;
    if (value instanceof Error) source = errorFields(value);
    else if (value instanceof Map) source = Object.fromEntries([...value].map(([k, v]) => [String(k), v]));
    else if (value instanceof Set) return copy([...value], depth, seen);
    const out: Record<string, unknown> = {};
    let n = 0;
    for (const key of Object.keys(source)) {
      if (n++ === MAX_KEYS) {
        out['…'] = `${Object.keys(source).length - MAX_KEYS} more keys`;
        break;
      }
      const v = source[key];
      if (isSecretKey(key)) out[key] = v === undefined || v === null || v === '' ? v : REDACTED;
      else {
        const c = copy(v, depth + 1, seen);
        if (c !== undefined) out[key] = c;
      }
    }
    return out;
  } finally {
    seen.delete(value); // the same object twice side by side is not a cycle
  }
}

/** A JSON-safe copy of `context` with every secret-named key's value replaced by "[redacted]". */
export function redactSecrets(context: Record<string, unknown>): Record<string, unknown> {
  return copy(context, 0, new WeakSet()) as Record<string, unknown>;
}

// ConfigError: every problem found in a config file at once, each naming the key
// path, the bad value and what was expected.

export interface ConfigIssue {
  /** Key path, e.g. `capture.snaplen` or `interfaces[1].name`; '' for the file as a whole. */
  path: string;
  /** The full line: `capture.snaplen: expected an integer 64..262144, got "big"`. */
  message: string;
}

export class ConfigError extends Error {
  /** Stable code for callers that branch on it (CLI exit 2, reload rejected). */
  readonly code = 'config_invalid';
  readonly issues: ConfigIssue[];
  /** The config file, when the text came from one. */
  readonly file: string | undefined;

  constructor(issues: ConfigIssue[], file?: string) {
    const where = file ?? 'config';
    const n = issues.length;
    // One line, so a rejected reload logs as one line.
    super(`${where}: ${n === 1 ? '1 problem' : `${n} problems`}: ${issues.map((i) => i.message).join('; ')}`);
    this.name = 'ConfigError';
    this.issues = issues;
    this.file = file;
  }
}

/** `['api', 'users', 0, 'username']` → `api.users[0].username`. */
export function keyPath(segments: readonly PropertyKey[]): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else out += out === '' ? String(s) : `.${String(s)}`;
  }
  return out;
}

export function issue(path: string, text: string): ConfigIssue {
  return { path, message: path === '' ? text : `${path}: ${text}` };
}

// Paths whose values are secrets: never echoed back, not even in an error.
const SECRET_PATH = /^(api\.users\[\d+\]\.password_hash|api\.tokens\[\d+\]\.token|alerts\.webhook\.(secret|anonymize_key))$/;

export function isSecretPath(path: string): boolean {
  return SECRET_PATH.test(path);
}

/** A short rendering of a bad value for an error message. */
export function showValue(value: unknown, path = ''): string {
  if (value === undefined) return 'nothing';
  if (isSecretPath(path)) return '[redacted]';
  if (value === null) return 'null (an empty value)';
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
  return String(value);
}

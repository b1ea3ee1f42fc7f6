// What changed between two configs, and which of those changes the daemon can
// apply on SIGHUP without a restart (flow state and counters survive).
import type { Config } from './types.js';

/**
 * Key paths that apply live. A changed path is live when it is one of these or
 * lies under one; `interfaces[].bpf` matches every interface's filter.
 */
export const RELOADABLE_PATHS = [
  'capture.bpf',
  'interfaces[].bpf',
  'aggregation.windows',
  'tracking.timeouts',
  'alerts',
  'logging.level',
] as const;

const LIVE = RELOADABLE_PATHS.map(
  (p) => new RegExp(`^${p.replace(/[.[\]]/g, (c) => `\\${c}`).replace(/\\\[\\\]/g, '\\[\\d+\\]')}($|[.[])`),
);

export function isReloadable(path: string): boolean {
  return LIVE.some((re) => re.test(path));
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function walk(a: unknown, b: unknown, path: string, out: string[]): void {
  if (Array.isArray(a) && Array.isArray(b)) {
    // A list that grew or shrank is one change (an interface added = restart).
    if (a.length !== b.length) out.push(path);
    else a.forEach((item, i) => walk(item, b[i], `${path}[${i}]`, out));
  } else if (isPlainObject(a) && isPlainObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const key of keys) walk(a[key], b[key], path === '' ? key : `${path}.${key}`, out);
  } else if (!Object.is(a, b)) {
    out.push(path);
  }
}

/** Changed key paths, most specific first found, in config order. Values never appear (secrets). */
export function changedPaths(before: Config, after: Config): string[] {
  const out: string[] = [];
  walk(before, after, '', out);
  return out;
}

export interface ConfigDiff {
  /** Every changed key path. */
  changed: string[];
  /** Changed paths that apply live on reload. */
  applied: string[];
  /** Changed paths that only take effect after a restart. */
  restart_required: string[];
}

export function diffConfig(before: Config, after: Config): ConfigDiff {
  const changed = changedPaths(before, after);
  return {
    changed,
    applied: changed.filter(isReloadable),
    restart_required: changed.filter((p) => !isReloadable(p)),
  };
}

// Config file → validated, fully defaulted Config, or a ConfigError listing
// every problem: YAML syntax, duplicate keys, unset environment variables,
// schema errors and cross-field rules.
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { z } from 'zod';
import { crossChecks, resolveBackend } from './checks.js';
import type { Env } from './env.js';
import { ConfigError, type ConfigIssue, issue, keyPath, showValue } from './errors.js';
import { type ParsedSections, SECTIONS, type SectionName } from './schema.js';
import type { Config } from './types.js';
import { readYaml } from './yaml.js';

const SECTION_NAMES = Object.keys(SECTIONS) as SectionName[];

function fromZodIssue(section: string, iss: z.core.$ZodIssue): ConfigIssue[] {
  const at = [section, ...iss.path];
  if (iss.code === 'unrecognized_keys') {
    return iss.keys.map((key) => issue(keyPath([...at, key]), 'unknown key'));
  }
  const path = keyPath(at);
  const input = (iss as { input?: unknown }).input;
  if (input === undefined) return [issue(path, `missing: ${iss.message}`)];
  return [issue(path, `${iss.message}, got ${showValue(input, path)}`)];
}

type Path = readonly PropertyKey[];

function deleteAt(root: unknown, path: Path): void {
  let node = root as Record<PropertyKey, unknown> | undefined;
  for (const key of path.slice(0, -1)) node = node?.[key] as Record<PropertyKey, unknown> | undefined;
  if (node && typeof node === 'object') delete node[path[path.length - 1]!];
}

/**
 * For cross-field rules only: the section with its bad values removed (so
 * defaults stand in), when that makes it valid. Keeps a bad api.port from
 * hiding the api.bind rule. Anything inside a list is not repaired: removing
 * a list entry would shift the indexes the rules report.
 */
function repaired(schema: (typeof SECTIONS)[SectionName], value: unknown, issues: readonly z.core.$ZodIssue[]): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const copy = structuredClone(value);
  for (const iss of issues) {
    if (iss.path.length === 0 && iss.code !== 'unrecognized_keys') return undefined;
    if (iss.path.some((k) => typeof k === 'number')) return undefined;
    if (iss.code === 'unrecognized_keys') for (const key of iss.keys) deleteAt(copy, [...iss.path, key]);
    else deleteAt(copy, iss.path);
  }
  const again = schema.safeParse(copy);
  return again.success ? again.data : undefined;
}

const within = (path: string, base: string) => path === base || path.startsWith(`${base}.`) || path.startsWith(`${base}[`);

/** Validates a plain object (already substituted) against the schema and the cross-field rules. */
function validate(raw: unknown, baseDir: string, skip: ReadonlySet<string> = new Set()): { config?: Config; issues: ConfigIssue[] } {
  if (raw === null || raw === undefined) raw = {}; // an empty file: defaults everywhere (and then "nothing to capture")
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    return { issues: [issue('', `expected a mapping of sections (${SECTION_NAMES.join(', ')}), got ${showValue(raw)}`)] };
  }
  const input = raw as Record<string, unknown>;
  const issues: ConfigIssue[] = [];
  for (const key of Object.keys(input)) {
    if (!(key in SECTIONS)) issues.push(issue(key, `unknown key (the sections are ${SECTION_NAMES.join(', ')})`));
  }
  const parsed: Partial<ParsedSections> = {};
  const forChecks: Partial<ParsedSections> = {};
  let valid = true;
  for (const name of SECTION_NAMES) {
    const result = SECTIONS[name].safeParse(input[name], { reportInput: true });
    if (result.success) {
      (parsed as Record<string, unknown>)[name] = result.data;
      (forChecks as Record<string, unknown>)[name] = result.data;
      continue;
    }
    valid = false;
    for (const iss of result.error.issues) issues.push(...fromZodIssue(name, iss));
    const fixed = repaired(SECTIONS[name], input[name], result.error.issues);
    if (fixed !== undefined) (forChecks as Record<string, unknown>)[name] = fixed;
  }
  const schemaPaths = issues.map((i) => i.path);
  // A rule reading a value the schema already refused would only repeat it.
  issues.push(...crossChecks(forChecks).filter((c) => !schemaPaths.some((p) => within(c.path, p) || within(p, c.path))));
  if (valid && issues.length === 0) return { config: assemble(parsed as ParsedSections, baseDir), issues: [] };
  // Drop repeats, and problems at a value whose ${VAR} could not be substituted (it already has its issue).
  const seen = new Set<string>();
  const kept = issues.filter((i) => {
    if (seen.has(i.message)) return false;
    seen.add(i.message);
    return ![...skip].some((p) => within(i.path, p));
  });
  return { issues: kept };
}

function assemble(s: ParsedSections, baseDir: string): Config {
  const at = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));
  const { backend: _given, ...rest } = s.capture;
  const capture = { backend: resolveBackend(s)!, ...rest }; // backend first: it reads best that way in check-config
  if (capture.file !== undefined) capture.file = at(capture.file);
  const jsonl = s.export.jsonl;
  return {
    interfaces: s.interfaces,
    capture,
    aggregation: s.aggregation,
    tracking: s.tracking,
    storage: { ...s.storage, path: at(s.storage.path) },
    api: s.api,
    privileges: s.privileges,
    alerts: s.alerts,
    export: { ...s.export, ...(jsonl ? { jsonl: { ...jsonl, path: jsonl.path === '-' ? '-' : at(jsonl.path) } } : {}) },
    logging: s.logging,
  };
}

/**
 * Parses config text. Relative paths (capture.file, storage.path,
 * export.jsonl.path) resolve against the directory of `origin` when given,
 * else against the current directory. Throws ConfigError.
 */
export function parseConfig(text: string, env: Env = process.env, origin?: string): Config {
  const yaml = readYaml(text, env);
  if (!yaml.usable) throw new ConfigError(yaml.issues, origin);
  const baseDir = origin === undefined ? process.cwd() : dirname(resolve(origin));
  const { config, issues } = validate(yaml.value, baseDir, yaml.unresolved);
  if (yaml.issues.length > 0 || !config) throw new ConfigError([...yaml.issues, ...issues], origin);
  return config;
}

/** Reads and parses a config file. Throws ConfigError (also when the file cannot be read). */
export function loadConfig(file: string, env: Env = process.env): Config {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'no such file' : e.code === 'EACCES' ? 'permission denied' : e.code === 'EISDIR' ? 'is a directory' : e.message;
    throw new ConfigError([issue('', `cannot read the config file: ${why}${e.code ? ` (${e.code})` : ''}`)], file);
  }
  return parseConfig(text, env, file);
}

/**
 * Validates a config given as a plain object (the same keys as the YAML, no
 * substitution), resolving relative paths against `baseDir`. Throws ConfigError.
 */
export function configFromObject(raw: unknown, baseDir: string = process.cwd()): Config {
  const { config, issues } = validate(raw, baseDir);
  if (issues.length > 0 || !config) throw new ConfigError(issues);
  return config;
}

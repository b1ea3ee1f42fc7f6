// YAML text → plain JS value, with the problems YAML itself can have: syntax
// errors, duplicate keys (found here so the message names the key path) and
// environment substitution in scalar values (never in keys).
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { type Env, substitute, typePlainScalar } from './env.js';
import { type ConfigIssue, issue, keyPath } from './errors.js';

export interface YamlResult {
  value: unknown;
  issues: ConfigIssue[];
  /** Paths whose value could not be substituted: schema errors there would only repeat the problem. */
  unresolved: Set<string>;
  /** False when the structure itself is unusable (syntax errors). */
  usable: boolean;
}

export function readYaml(text: string, env: Env): YamlResult {
  const lineCounter = new LineCounter();
  // uniqueKeys: false because walk() reports duplicates with their key path.
  const doc = parseDocument(text, { uniqueKeys: false, lineCounter, prettyErrors: false });
  const issues: ConfigIssue[] = [];
  const unresolved = new Set<string>();
  if (doc.errors.length > 0) {
    // Later syntax errors are almost always knock-on effects of the first one.
    const e = doc.errors[0]!;
    const pos = lineCounter.linePos(e.pos[0]);
    const line = text.split('\n')[pos.line - 1] ?? '';
    const hint = /[{[].*\$\{/.test(line) ? ' (inside {...} or [...], quote values that use ${...})' : '';
    const more = doc.errors.length > 1 ? ` (${doc.errors.length - 1} more syntax errors may follow from this one)` : '';
    issues.push(issue('', `line ${pos.line}, column ${pos.col}: ${e.message.split('\n')[0]}${hint}${more}`));
    return { value: undefined, issues, unresolved, usable: false };
  }

  const walk = (node: unknown, path: (string | number)[]): void => {
    if (isAlias(node)) return; // its anchor is walked where it is defined
    if (isMap(node)) {
      const seen = new Map<string, number>();
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        const here = keyPath([...path, key]);
        const line = pair.key && (pair.key as Node).range ? lineCounter.linePos((pair.key as Node).range![0]).line : 0;
        const first = seen.get(key);
        if (first !== undefined) issues.push(issue(here, `duplicate key (line ${line}; first set on line ${first})`));
        else seen.set(key, line);
        walk(pair.value, [...path, key]);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => walk(item, [...path, i]));
    } else if (isScalar(node) && typeof node.value === 'string') {
      const result = substitute(node.value, env);
      const here = keyPath(path);
      if (!result.ok) {
        issues.push(issue(here, result.error));
        unresolved.add(here);
      } else if (result.changed) {
        node.value = node.type === 'PLAIN' ? typePlainScalar(result.value) : result.value;
      }
    }
  };
  walk(doc.contents, []);
  // maxAliasCount bounds alias expansion ("billion laughs").
  try {
    return { value: doc.toJS({ maxAliasCount: 100 }) as unknown, issues, unresolved, usable: true };
  } catch (error) {
    issues.push(issue('', `cannot expand the document: ${(error as Error).message}`));
    return { value: undefined, issues, unresolved, usable: false };
  }
}

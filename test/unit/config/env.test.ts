// substitute(): the ${VAR} / ${VAR:-default} / $${ rules on their own.
import { describe, expect, it } from 'vitest';
import { substitute, typePlainScalar } from '../../../lib/config/env.js';

const ok = (text: string, env: Record<string, string> = {}) => {
  const r = substitute(text, env);
  if (!r.ok) throw new Error(r.error);
  return r.value;
};

describe('substitute', () => {
  it('refuses malformed references with the position', () => {
    expect(substitute('${', {})).toEqual({ ok: false, error: 'unterminated "${" at character 1: expected ${NAME} or ${NAME:-default}' });
    expect(substitute('ab${A', { A: 'x' })).toMatchObject({ ok: false, error: expect.stringContaining('character 3') });
    for (const bad of ['${}', '${ A}', '${A B}', '${A-b}', '${A:b}', '${9A}', '${A.B}']) {
      expect(substitute(bad, { A: 'x' })).toMatchObject({ ok: false, error: expect.stringMatching(/^bad substitution at character 1/) });
    }
  });

  it('a missing variable names it', () => {
    expect(substitute('x${MISSING}y', {})).toEqual({ ok: false, error: 'environment variable MISSING is not set (give a default with ${MISSING:-default})' });
  });

  it('set, unset, empty, default', () => {
    expect(ok('${A}', { A: 'a' })).toBe('a');
    expect(ok('${A}', { A: '' })).toBe('');
    expect(ok('${A:-d}', {})).toBe('d');
    expect(ok('${A:-d}', { A: '' })).toBe('d');
    expect(ok('${A:-d}', { A: 'a' })).toBe('a');
    expect(ok('${A:-}', {})).toBe('');
    expect(ok('${A:-a:-b c}', {})).toBe('a:-b c');
    expect(ok('<${A}|${B:-2}|${A}>', { A: '1' })).toBe('<1|2|1>');
  });

  it('escapes and plain dollars', () => {
    expect(ok('$${A}', { A: 'no' })).toBe('${A}');
    expect(ok('$${A} ${A}', { A: 'yes' })).toBe('${A} yes');
    expect(ok('scrypt$15$8$1$abc=$def=', {})).toBe('scrypt$15$8$1$abc=$def=');
    expect(ok('cost $5 {x}', {})).toBe('cost $5 {x}');
    expect(substitute('no refs', {})).toEqual({ ok: true, value: 'no refs', changed: false });
  });

  it('the default is literal (no nesting) and ends at the first }', () => {
    expect(ok('${A:-${B}}', { B: 'b' })).toBe('${B}');
  });
});

describe('typePlainScalar', () => {
  it('types like YAML core, except that empty stays a string', () => {
    expect(typePlainScalar('8080')).toBe(8080);
    expect(typePlainScalar('-3')).toBe(-3);
    expect(typePlainScalar('2.5')).toBe(2.5);
    expect(typePlainScalar('1e3')).toBe(1000);
    expect(typePlainScalar('0x1F')).toBe(31);
    expect(typePlainScalar('0o17')).toBe(15);
    expect(typePlainScalar('true')).toBe(true);
    expect(typePlainScalar('False')).toBe(false);
    expect(typePlainScalar('~')).toBe(null);
    expect(typePlainScalar('')).toBe('');
    expect(typePlainScalar('99999999999999999999')).toBe('99999999999999999999');
    expect(typePlainScalar('yes')).toBe('yes');
    expect(typePlainScalar('max')).toBe('max');
    expect(typePlainScalar('10.0.0.1')).toBe('10.0.0.1');
  });
});

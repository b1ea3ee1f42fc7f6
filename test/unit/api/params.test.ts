import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../lib/api/errors.js';
import { flag, int, num, oneOf, validate } from '../../../lib/api/params.js';
import { flowsQuery } from '../../../lib/api/schemas.js';

const q = z.strictObject({ n: int(1, 10, 'n').optional(), x: num(0, 100, 'x').optional(), w: oneOf(['a', 'b'] as const, 'w').optional(), f: flag('f').optional() });
const fail = (input: unknown) => {
  try {
    validate(q, input, 'invalid_query');
  } catch (error) {
    expect(error).toBeInstanceOf(ApiError);
    return (error as ApiError).message;
  }
  throw new Error('accepted');
};

describe('query parameters', () => {
  it('refuse hostile spellings of numbers', () => {
    for (const n of ['', ' 1', '1 ', '0x5', '1e1', '+5', '5.0', '١', 'Infinity', 'NaN', '99999999999999999999', '0', '11']) {
      expect(fail({ n }), JSON.stringify(n)).toMatch(/^n: expected an integer 1\.\.10$/);
    }
    for (const x of ['1e2', '.5', '5.', '-0.1', '100.0000000001', '1'.repeat(30)]) {
      expect(fail({ x }), x).toMatch(/^x: expected a number 0\.\.100$/);
    }
  });

  it('refuse repeated parameters, arrays, objects and unknown names', () => {
    expect(fail({ n: ['1', '2'] })).toBe('n: expected a single value');
    expect(fail({ n: { a: '1' } })).toBe('n: expected a single value');
    expect(fail({ w: 'c' })).toBe('w: expected one of a, b');
    expect(fail({ f: 'yes' })).toBe('f: expected 1, 0, true or false');
    expect(fail({ zz: '1', yy: '2' })).toBe('unknown parameters "zz", "yy"');
    expect(fail(JSON.parse('{"__proto__":"1"}'))).toBe('unknown parameter "__proto__"');
  });

  it('parse good values into their types', () => {
    expect(validate(q, { n: '10', x: '99.5', w: 'b', f: 'true' }, 'invalid_query')).toEqual({ n: 10, x: 99.5, w: 'b', f: true });
    expect(validate(q, {}, 'invalid_query')).toEqual({});
    expect(validate(q, Object.assign(Object.create(null), { f: '0' }), 'invalid_query')).toEqual({ f: false });
  });

  it('protocol names and numbers', () => {
    expect(validate(flowsQuery, { proto: 'TCP' }, 'invalid_query').proto).toBe(6);
    expect(validate(flowsQuery, { proto: 'icmpv6' }, 'invalid_query').proto).toBe(58);
    expect(validate(flowsQuery, { proto: '0' }, 'invalid_query').proto).toBe(0);
    expect(() => validate(flowsQuery, { proto: '1234' }, 'invalid_query')).toThrow(/^proto: expected a protocol number 0\.\.255/);
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      expect(() => validate(flowsQuery, { proto: name }, 'invalid_query'), name).toThrow(/^proto: expected a protocol number/);
    }
  });
});

// Query and body validation with zod. Query values arrive as strings (or
// arrays when repeated); each helper accepts exactly one string and turns it
// into the typed value, with a message that names what was expected. The
// `.meta()` on each helper is what the OpenAPI document shows for it.
import { z } from 'zod';
import { ApiError, type ApiErrorCode } from './errors.js';

const single = () =>
  z.string({ error: (issue) => (issue.input === undefined ? 'required' : 'expected a single value') });

/** An integer min..max. */
export function int(min: number, max: number, description: string) {
  const msg = `expected an integer ${min}..${max}`;
  return single()
    .regex(/^-?\d{1,16}$/, msg)
    .transform(Number)
    .pipe(z.number().int(msg).min(min, msg).max(max, msg))
    .meta({ type: 'integer', minimum: min, maximum: max, description });
}

/** A decimal number min..max (unix seconds may have fractions). */
export function num(min: number, max: number, description: string) {
  const msg = `expected a number ${min}..${max}`;
  return single()
    .regex(/^-?\d{1,16}(\.\d{1,9})?$/, msg)
    .transform(Number)
    .pipe(z.number().min(min, msg).max(max, msg))
    .meta({ type: 'number', minimum: min, maximum: max, description });
}

/** One of a fixed list of words. */
export function oneOf<const T extends readonly [string, ...string[]]>(values: T, description: string) {
  const msg = `expected one of ${values.join(', ')}`;
  return single()
    .refine((s) => (values as readonly string[]).includes(s), msg)
    .transform((s) => s as T[number])
    .meta({ type: 'string', enum: [...values], description });
}

/** A flag: 1/true or 0/false. */
export function flag(description: string) {
  return single()
    .refine((s) => ['1', '0', 'true', 'false'].includes(s), 'expected 1, 0, true or false')
    .transform((s) => s === '1' || s === 'true')
    .meta({ type: 'string', enum: ['1', '0', 'true', 'false'], description });
}

/** Free text up to `max` characters. */
export function text(max: number, description: string) {
  return single().max(max, `expected at most ${max} characters`).meta({ type: 'string', maxLength: max, description });
}

/** The message of the first issue, naming the parameter. */
export function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0]!;
  if (issue.code === 'unrecognized_keys') {
    return `unknown parameter${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`;
  }
  const path = issue.path.map(String).join('.');
  return path ? `${path}: ${issue.message}` : issue.message;
}

/** Parses `input` or throws the ApiError `code` (invalid_query / invalid_body). */
export function validate<T>(schema: z.ZodType<T>, input: unknown, code: ApiErrorCode): T {
  const result = schema.safeParse(input);
  if (!result.success) throw new ApiError(code, describeIssue(result.error));
  return result.data;
}

import type { Request } from 'express';
import { z } from 'zod';
import { ORDER_ID_MAX, orderIdFits } from '../domain/orderId.js';

/** Query-parameter building blocks shared by the finance endpoints. Every value reaches SQL as a bind
 * parameter; the character sets below are there so a mistyped or hostile value is a 400, not a search. */

// Stripe ids: no quotes, spaces, semicolons, backslashes or comment markers.
const ID = /^(?!.*--)[A-Za-z0-9_.:@#/+-]{1,255}$/;

export const idParam = (what: string) =>
  z.string().regex(ID, `must be ${what}: 1 to 255 letters, digits or _ . : @ # / + -`);

/**
 * A merchant's order id is whatever its shop put in the payment intent's `metadata.order_id`, and ingest
 * stores it as sent: "Order 1001", "o'brien-1003", "ÄÖ-1002". Every one must be found as stored, so this
 * is any text up to Stripe's limit (it reaches SQL only as a bind parameter); NUL, which no text column
 * holds, is refused.
 */
export const orderIdParam = z
  .string()
  .min(1, `must be an order id: 1 to ${ORDER_ID_MAX} characters`)
  // As ingest takes them (any text Stripe allows).
  .refine(orderIdFits, { error: `must be an order id: 1 to ${ORDER_ID_MAX} characters` })
  .refine((value) => !value.includes('\u0000'), 'must be an order id: no NUL character');

export const currencyParam = z
  .string()
  .regex(/^[A-Za-z]{3}$/, 'must be a three-letter ISO currency code, e.g. usd')
  .transform((value) => value.toLowerCase());

export const booleanParam = z
  .enum(['true', 'false'], { error: 'must be true or false' })
  .transform((value) => value === 'true');

// Years PostgreSQL and JavaScript both print and parse the same way (PostgreSQL has no year 0).
const sensibleYear = (value: string) => value >= '1970' && value < '9999';
const YEARS = 'with a year from 1970 to 9998';

export const dateParam = z.iso
  .date({ error: 'must be a date YYYY-MM-DD' })
  .refine(sensibleYear, `must be a date ${YEARS}`);

/** A date (the whole UTC day) or an ISO-8601 date-time with Z or an offset. */
export const timeParam = z
  .union([z.iso.date(), z.iso.datetime({ offset: true })], {
    error: 'must be a date YYYY-MM-DD or an ISO-8601 date-time such as 2024-05-01T12:00:00Z',
  })
  .refine(sensibleYear, `must be a date or date-time ${YEARS}`);

export const enumParam = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { error: `must be one of ${values.join(', ')}` });

/** Parameters every list endpoint takes. `limit` has no default here: JSON pages default to 100, CSV
 * exports to every matching row. */
export const listParams = {
  limit: z
    // Decimal digits only: Number() (and z.coerce) would also take 0x10, 1e2 and 16.0 as 16.
    .preprocess(
      (value) => (typeof value === 'string' && /^\d{1,4}$/.test(value) ? Number(value) : value),
      z
        .number({ error: 'must be an integer from 1 to 1000' })
        .int('must be an integer from 1 to 1000')
        .min(1, 'must be an integer from 1 to 1000')
        .max(1000, 'must be an integer from 1 to 1000'),
    )
    .optional()
    .describe('page size, 1 to 1000; JSON default 100, CSV default: every matching row'),
  cursor: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,1024}$/, 'must be a next_cursor value from an earlier page')
    .optional()
    .describe('next_cursor of the previous page'),
  format: z
    .enum(['json', 'csv'], { error: 'must be json or csv' })
    .optional()
    .describe('csv: same as Accept: text/csv'),
};

export class BadParameter extends Error {
  constructor(
    readonly parameter: string,
    message: string,
  ) {
    super(`${parameter}: ${message}`);
  }
}

const describeIssue = (issue: z.core.$ZodIssue, input: Record<string, unknown>): BadParameter => {
  if (issue.code === 'unrecognized_keys')
    return new BadParameter(issue.keys[0] ?? 'query', 'unknown parameter');
  const name = String(issue.path[0] ?? 'query');
  if (Array.isArray(input[name])) return new BadParameter(name, 'must be given once');
  if (input[name] === undefined) return new BadParameter(name, 'is required');
  return new BadParameter(name, issue.message);
};

/** Validates a request's query string (or path parameters); throws BadParameter naming the first bad one. */
export const parseParams = <S extends z.ZodType>(schema: S, input: Request['query'] | Request['params']) => {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw describeIssue(parsed.error.issues[0]!, input as Record<string, unknown>);
  return parsed.data as z.output<S>;
};

/**
 * Stripe payloads built from a few facts, shaped as Stripe sends them (API 2024-06-20 by default; the
 * older embedded shapes on request), checked against the recorded payloads in
 * ../shared/stripe-fixtures. The one builder behind `stripe-ledger demo`, the tests and the benchmarks.
 */
export type Json = Record<string, unknown>;

/** The API version whose shapes the builders give unless told otherwise. */
export const PAYLOAD_API_VERSION = '2024-06-20';

/** A list embedded in an object (`charges` of a payment intent up to API 2022-08-01, `refunds` of a charge). */
export const stripeList = (data: readonly Json[], url: string): Json => ({
  object: 'list',
  data,
  has_more: false,
  total_count: data.length,
  url,
});

/** The part of an id after its prefix: Stripe's related ids (txn_, pm_, receipts) look alike. */
export const idSuffix = (id: string): string => id.slice(id.indexOf('_') + 1);

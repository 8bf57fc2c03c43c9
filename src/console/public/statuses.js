// The status values the filters offer: the API's own (src/api/rows.ts, SPEC section 5), written again
// here because the console runs as written, without a build; tests/console.statuses.test.ts keeps
// the two equal.

export const PAYMENT_STATUSES = [
  'pending',
  'failed',
  'requires_action',
  'processing',
  'authorized',
  'paid',
  'partially_refunded',
  'refunded',
  'canceled',
];

/** Stripe's payment intent statuses, in the order a payment moves through them. */
export const INTENT_STATUSES = [
  'requires_payment_method',
  'requires_confirmation',
  'requires_action',
  'processing',
  'requires_capture',
  'canceled',
  'succeeded',
];

export const DISPUTE_STATUSES = [
  'warning_needs_response',
  'warning_under_review',
  'warning_closed',
  'needs_response',
  'under_review',
  'charge_refunded',
  'prevented',
  'lost',
  'won',
];

/** Stripe's payout statuses (https://docs.stripe.com/api/payouts/object#payout_object-status). */
export const PAYOUT_STATUSES = ['pending', 'in_transit', 'paid', 'failed', 'canceled'];

/**
 * The statuses Stripe gives each object the ledger models, as far as the ledger knows them. The
 * projections rank every one (projections/shared/ranks.ts, SPEC section 5 rule 2) and stop on any other;
 * the query API filters by them. Both read this one list, so they cannot drift apart.
 */

export const PAYMENT_INTENT_STATUSES = [
  'requires_payment_method',
  'requires_confirmation',
  'requires_action',
  'processing',
  'requires_capture',
  'canceled',
  'succeeded',
] as const;
export type PaymentIntentStatus = (typeof PAYMENT_INTENT_STATUSES)[number];

export const CHARGE_STATUSES = ['pending', 'succeeded', 'failed'] as const;
export type ChargeStatus = (typeof CHARGE_STATUSES)[number];

export const REFUND_STATUSES = ['pending', 'requires_action', 'succeeded', 'failed', 'canceled'] as const;
export type RefundStatus = (typeof REFUND_STATUSES)[number];

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
] as const;
export type DisputeStatus = (typeof DISPUTE_STATUSES)[number];

/** Stripe's payout statuses. The payouts fold still stores one it does not know (ranked lowest). */
export const PAYOUT_STATUSES = ['pending', 'in_transit', 'paid', 'failed', 'canceled'] as const;
export type PayoutStatus = (typeof PAYOUT_STATUSES)[number];

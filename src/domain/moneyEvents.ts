/**
 * Money domain events (SPEC section 12): payouts as Stripe announces them by webhook, and the balance
 * transactions the sync reads from Stripe's API. They live beside the payment events of events.ts; the
 * payment projections skip them (isMoneyEventType), the money projections read only them.
 */

export const PAYOUT_EVENT_TYPES = {
  'payout.created': 'PayoutCreated',
  'payout.updated': 'PayoutUpdated',
  'payout.paid': 'PayoutPaid',
  'payout.failed': 'PayoutFailed',
  'payout.canceled': 'PayoutCanceled',
  'payout.reconciliation_completed': 'PayoutReconciliationCompleted',
} as const;

export type PayoutStripeEventType = keyof typeof PAYOUT_EVENT_TYPES;
export type PayoutEventType = (typeof PAYOUT_EVENT_TYPES)[PayoutStripeEventType];

/** Appended by the sync: one balance transaction as Stripe lists it, once per status it was seen in. */
export const BALANCE_TRANSACTION_RECORDED = 'BalanceTransactionRecorded';
/** Appended by the sync: a paid payout with the balance transactions it paid out, in parts under a
 * size budget (payoutParts.ts). */
export const PAYOUT_RECONCILED = 'PayoutReconciled';

export type MoneyEventType = PayoutEventType | typeof BALANCE_TRANSACTION_RECORDED | typeof PAYOUT_RECONCILED;

const PAYOUT_TYPES: ReadonlySet<string> = new Set(Object.values(PAYOUT_EVENT_TYPES));

export const isPayoutEventType = (type: string): type is PayoutEventType => PAYOUT_TYPES.has(type);

export const isMoneyEventType = (type: string): type is MoneyEventType =>
  isPayoutEventType(type) || type === BALANCE_TRANSACTION_RECORDED || type === PAYOUT_RECONCILED;

/** isMoneyEventType of a whole event, narrowing it: a `switch (event.type)` after it lists only these. */
export const isMoneyEvent = <E extends { type: string }>(
  event: E,
): event is Extract<E, { type: MoneyEventType }> => isMoneyEventType(event.type);

/** hasOwn, not `in`: a Stripe type such as "constructor" must not hit Object.prototype. */
export const payoutEventTypeOf = (stripeType: string): PayoutEventType | null =>
  Object.hasOwn(PAYOUT_EVENT_TYPES, stripeType)
    ? PAYOUT_EVENT_TYPES[stripeType as PayoutStripeEventType]
    : null;

/** Stream of a payout's events (contract). */
export const payoutStream = (payoutId: string): string => `payout-${payoutId}`;

/** Stream of balance transactions that concern neither a known payment nor a payout (Stripe's own
 * fees, adjustments, top-ups): one per account, `platform` for the account of the API key. */
export const accountStream = (account: string | null): string => `balance-${account ?? 'platform'}`;

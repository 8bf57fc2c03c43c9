/**
 * Status ranks (SPEC section 5, rule 2). `tier` is the absorbing order: a status of a higher tier always
 * wins. Within a tier the freshest snapshot wins, and `rank` breaks ties between snapshots of the same
 * second (one-second `created` resolution), so it orders the open payment intent statuses by progress.
 */
import type {
  ChargeStatus,
  DisputeStatus,
  PaymentIntentStatus,
  RefundStatus,
} from '../../src/domain/statuses.js';

export type { ChargeStatus, DisputeStatus, PaymentIntentStatus, RefundStatus };

type Rank = { tier: number; rank: number };

const table = <S extends string>(entries: Record<S, [tier: number, rank: number]>): Record<S, Rank> =>
  Object.fromEntries(
    Object.entries<[number, number]>(entries).map(([s, [tier, rank]]) => [s, { tier, rank }]),
  ) as Record<S, Rank>;

export const PAYMENT_INTENT_RANKS = table<PaymentIntentStatus>({
  requires_payment_method: [0, 0],
  requires_confirmation: [0, 1],
  requires_action: [0, 2],
  processing: [0, 3],
  requires_capture: [1, 4],
  canceled: [2, 5],
  succeeded: [2, 6],
});

/** Accounts pinned to API versions before 2019-02-11 still receive the old names. */
const PAYMENT_INTENT_ALIASES: Record<string, PaymentIntentStatus> = {
  requires_source: 'requires_payment_method',
  requires_source_action: 'requires_action',
};

export const CHARGE_RANKS = table<ChargeStatus>({ pending: [0, 0], succeeded: [1, 1], failed: [1, 2] });

export const REFUND_RANKS = table<RefundStatus>({
  pending: [0, 0],
  requires_action: [0, 1],
  succeeded: [1, 2],
  failed: [2, 3],
  canceled: [2, 4],
});

export const DISPUTE_RANKS = table<DisputeStatus>({
  warning_needs_response: [0, 0],
  warning_under_review: [1, 1],
  warning_closed: [2, 2],
  needs_response: [3, 3],
  under_review: [4, 4],
  charge_refunded: [5, 5],
  prevented: [5, 6],
  lost: [5, 7],
  won: [6, 8],
});

export const CLOSED_DISPUTE_STATUSES: readonly DisputeStatus[] = [
  'warning_closed',
  'charge_refunded',
  'prevented',
  'lost',
  'won',
];

/** Unknown statuses stop the projection (recorded as a failure) rather than being ranked by guesswork. */
const known = <S extends string>(ranks: Record<S, Rank>, status: string, what: string): S => {
  if (Object.hasOwn(ranks, status)) return status as S;
  throw new Error(
    `${what} status ${JSON.stringify(status)} is not one the ledger ranks: add it to src/domain/statuses.ts and projections/shared/ranks.ts`,
  );
};

export const paymentIntentStatus = (status: string): PaymentIntentStatus =>
  known(
    PAYMENT_INTENT_RANKS,
    Object.hasOwn(PAYMENT_INTENT_ALIASES, status) ? PAYMENT_INTENT_ALIASES[status]! : status,
    'payment intent',
  );
export const chargeStatus = (status: string): ChargeStatus => known(CHARGE_RANKS, status, 'charge');
export const refundStatus = (status: string): RefundStatus => known(REFUND_RANKS, status, 'refund');
export const disputeStatus = (status: string): DisputeStatus => known(DISPUTE_RANKS, status, 'dispute');

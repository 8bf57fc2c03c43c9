import { maxByKey } from '../shared/lattice.js';
import { defineProjection } from '../projection.js';
import { objectFold, type Filed } from '../shared/objectFold.js';
import { isoOf } from '../shared/paymentRow.js';
import type { RefundStatus } from '../shared/ranks.js';
import type { Ranked, RefundSnapshot } from '../shared/stripeObjects.js';

/** Fold state of one refund: status by rank, other fields from the freshest snapshot. */
export type RefundState = { status: Ranked<RefundStatus>; snapshot: RefundSnapshot; updated: number };

export const mergeRefund = (a: RefundState, b: RefundState): RefundState => ({
  status: maxByKey(a.status, b.status),
  snapshot: maxByKey(a.snapshot, b.snapshot),
  updated: Math.max(a.updated, b.updated),
});

const REFUND_COLUMNS = [
  'refund_id',
  'payment_id',
  'charge_id',
  'amount',
  'currency',
  'status',
  'reason',
  'failure_reason',
  'created_at',
  'updated_at',
] as const;

/** Every refund an event carries: refund events' own, and those embedded in charges (API <= 2022-08-01). */
export const refundFold = objectFold<RefundState>({
  name: 'refund',
  statesOf: (carried) =>
    carried.refunds.map(({ id, facts }) => [
      id,
      { status: facts.status, snapshot: facts.snapshot, updated: carried.context.created },
    ]),
  merge: mergeRefund,
});

/** ledger.refunds: every refund, embedded ones included, so the table agrees with
 * payments.amount_refunded. */
export const refundsProjection = defineProjection<Filed<RefundState>>({
  name: 'refunds',
  fold: refundFold,
  state: { table: 'refunds_fold_state', key: 'refund_id' },
  rowTables: { refunds: { key: 'refund_id', columns: REFUND_COLUMNS } },
  rows: (id, { paymentId, state: { status, snapshot, updated } }) => ({
    refunds: [
      {
        refund_id: id,
        payment_id: paymentId,
        charge_id: snapshot.chargeId,
        amount: snapshot.amount,
        currency: snapshot.currency,
        status: status.status,
        reason: snapshot.reason,
        failure_reason: snapshot.failureReason,
        created_at: isoOf(snapshot.created),
        updated_at: isoOf(updated),
      },
    ],
  }),
});

import { maxByKey } from '../shared/lattice.js';
import { objectProjection } from '../shared/objectProjection.js';
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

/** ledger.refunds: refunds from refund events and those embedded in charges (API <= 2022-08-01), so
 * the table agrees with payments.amount_refunded. */
export const refundsProjection = objectProjection<RefundState>({
  name: 'refunds',
  table: 'refunds',
  stateTable: 'refunds_fold_state',
  idColumn: 'refund_id',
  columns: [
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
  ],
  statesOf: (carried) =>
    carried.refunds.map(({ id, facts }) => [
      id,
      { status: facts.status, snapshot: facts.snapshot, updated: carried.context.created },
    ]),
  merge: mergeRefund,
  row: (id, paymentId, { status, snapshot, updated }) => ({
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
  }),
});

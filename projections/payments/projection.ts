import { defineProjection, tableIn } from '../projection.js';
import { paymentFold } from '../shared/paymentFold.js';
import { paymentRow } from '../shared/paymentRow.js';
import type { PaymentState } from '../shared/paymentState.js';
import { refundedAmounts, refundedDays } from '../shared/refundedDays.js';
import { rewriteRefundedDays } from './refundedByDay.js';

const PAYMENT_COLUMNS = [
  'payment_id',
  'livemode',
  'account_id',
  'order_id',
  'customer_id',
  'currency',
  'amount',
  'amount_received',
  'amount_refunded',
  'status',
  'payment_status',
  'dispute_status',
  'latest_charge_id',
  'failure_code',
  'failure_message',
  'created_at',
  'paid_at',
  'updated_at',
  'last_stripe_event_id',
] as const;

/**
 * ledger.payments: one row per payment, from its own copy of the payment fold. A state holding only
 * refunds or disputes (waiting for its charge's link) has no row yet. Beside each state, what it
 * refunded per UTC day (refundedDays.ts), which ledger.refunded_by_day, the daily report's `refunded`,
 * holds as rows: a state holding only refunds counts there too.
 */
export const paymentsProjection = defineProjection<PaymentState>({
  name: 'payments',
  fold: paymentFold,
  state: { table: 'payments_fold_state', key: 'payment_id' },
  rowTables: { payments: { key: 'payment_id', columns: PAYMENT_COLUMNS } },
  rows: (paymentId, state) => {
    const row = paymentRow(paymentId, state);
    return { payments: row === null ? [] : [row] };
  },
  stateColumns: {
    columns: ['refunded_days'],
    of: (paymentId, state) => ({
      refunded_days: refundedDays(refundedAmounts(state), paymentRow(paymentId, state)?.livemode ?? null),
    }),
  },
  derivedTables: ['refunded_by_day'],
  afterWrite: (tx, target, change) =>
    rewriteRefundedDays(
      tx,
      { days: tableIn(target, 'refunded_by_day'), states: tableIn(target, 'payments_fold_state') },
      change,
    ),
});

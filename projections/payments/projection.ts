import { defineProjection } from '../projection.js';
import { paymentFold } from '../shared/paymentFold.js';
import { paymentRow } from '../shared/paymentRow.js';
import type { PaymentState } from '../shared/paymentState.js';

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

/** ledger.payments: one row per payment, from its own copy of the payment fold. A state holding only
 * refunds or disputes (waiting for its charge's link) has no row yet. */
export const paymentsProjection = defineProjection<PaymentState>({
  name: 'payments',
  fold: paymentFold,
  state: { table: 'payments_fold_state', key: 'payment_id' },
  rowTables: { payments: { key: 'payment_id', columns: PAYMENT_COLUMNS } },
  rows: (paymentId, state) => {
    const row = paymentRow(paymentId, state);
    return { payments: row === null ? [] : [row] };
  },
});

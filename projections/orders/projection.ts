import { defineProjection, tableIn } from '../projection.js';
import { paymentFold } from '../shared/paymentFold.js';
import { paymentRow } from '../shared/paymentRow.js';
import type { PaymentState } from '../shared/paymentState.js';
import { recomputeOrders } from './recompute.js';

const SUMMARY_COLUMNS = [
  'order_id',
  'livemode',
  'currency',
  'payment_status',
  'amount_received',
  'amount_refunded',
  'updated_at',
] as const;

/** ledger.orders: per order_id, re-aggregated in SQL from the per-payment summaries kept beside the
 * fold state (ledger.orders_payment_state) whenever one of them changes. */
export const ordersProjection = defineProjection<PaymentState>({
  name: 'orders',
  fold: paymentFold,
  state: { table: 'orders_payment_state', key: 'payment_id' },
  rowTables: {},
  derivedTables: ['orders'],
  stateColumns: {
    columns: SUMMARY_COLUMNS,
    of: (paymentId, state) => {
      const row = paymentRow(paymentId, state);
      return {
        order_id: row?.order_id ?? null,
        livemode: row?.livemode ?? null,
        currency: row?.currency ?? null,
        payment_status: row?.payment_status ?? null,
        amount_received: row?.amount_received ?? null,
        amount_refunded: row?.amount_refunded ?? null,
        updated_at: row?.updated_at ?? null,
      };
    },
  },
  // Orders a payment left (or joined) are re-aggregated too.
  afterWrite: (tx, target, { before, after }) =>
    recomputeOrders(
      tx,
      { orders: tableIn(target, 'orders'), summaries: tableIn(target, 'orders_payment_state') },
      [
        ...new Set(
          [...before, ...after]
            .map((row) => row.order_id)
            .filter((id): id is string => typeof id === 'string'),
        ),
      ],
    ),
});

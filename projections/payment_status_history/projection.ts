import { defineProjection } from '../projection.js';
import { paymentFold } from '../shared/paymentFold.js';
import type { PaymentState } from '../shared/paymentState.js';
import { historyRows, type PendingEvent } from './historyRows.js';

const HISTORY_COLUMNS = [
  'payment_id',
  'order_id',
  'stripe_event_id',
  'event_type',
  'from_status',
  'to_status',
  'occurred_at',
  'recorded_at',
] as const;

/** ledger.payment_status_history: one row per event applied to a payment. recorded_at is when the ledger
 * stored the event (the log's time), so a rebuild writes every row as the live projection did. A row
 * is written once (a redelivered event, or a replay over existing rows, finds its stripe_event_id taken
 * and adds nothing); only its order_id follows the payment's, so an event that arrived before the one
 * naming the order is found by order too. Events applied
 * while their payment has no row yet wait in the fold state's `pending` column. */
export const paymentStatusHistoryProjection = defineProjection<PaymentState, PendingEvent[]>({
  name: 'payment_status_history',
  fold: paymentFold,
  state: { table: 'history_fold_state', key: 'payment_id' },
  rowTables: {},
  history: {
    table: 'payment_status_history',
    spec: { key: 'stripe_event_id', columns: HISTORY_COLUMNS },
    column: 'pending',
    empty: [],
    follows: ['order_id'],
    rows: (steps, waiting) => {
      const { rows, pending, following } = historyRows(steps, waiting);
      return { rows, waiting: pending, following };
    },
  },
});

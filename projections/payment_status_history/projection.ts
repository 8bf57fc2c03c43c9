import { tableIn, type Projection } from '../projection.js';
import { foldBatch, keysToLoad } from '../shared/paymentBatch.js';
import type { PaymentState } from '../shared/paymentState.js';
import { routeEvents } from '../shared/routing.js';
import { deleteByKeys, insertNewRows, selectByKeys, upsertRows } from '../shared/sql.js';
import { historyRows, type PendingEvent } from './historyRows.js';

const HISTORY_COLUMNS = [
  'payment_id',
  'order_id',
  'stripe_event_id',
  'event_type',
  'from_status',
  'to_status',
  'occurred_at',
] as const;

type FoldRow = { payment_id: string; state: PaymentState; pending: PendingEvent[] };

/** ledger.payment_status_history: one row per event applied to a payment. recorded_at defaults to
 * now(), the only clock reading of the projections. A row is never rewritten: a redelivered event
 * (or a replay over existing rows) finds its stripe_event_id taken and adds nothing. */
export const paymentStatusHistoryProjection: Projection = {
  name: 'payment_status_history',
  tables: ['payment_status_history', 'history_fold_state'],
  apply: async (tx, events, target) => {
    const routed = await routeEvents(tx, events);
    if (routed.length === 0) return;
    const stateTable = tableIn(target, 'history_fold_state');
    const loaded = await selectByKeys<FoldRow>(tx, stateTable, 'payment_id', keysToLoad(routed));
    const { states, removed, steps } = foldBatch(new Map(loaded.map((r) => [r.payment_id, r.state])), routed);
    const { rows, pending } = historyRows(steps, new Map(loaded.map((r) => [r.payment_id, r.pending])));
    await deleteByKeys(tx, stateTable, 'payment_id', [...removed]);
    await upsertRows(
      tx,
      stateTable,
      'payment_id',
      ['payment_id', 'state', 'pending'],
      [...states].map(([paymentId, state]) => ({
        payment_id: paymentId,
        state,
        pending: pending.get(paymentId) ?? [],
      })),
    );
    await insertNewRows(
      tx,
      tableIn(target, 'payment_status_history'),
      'stripe_event_id',
      HISTORY_COLUMNS,
      rows,
    );
  },
};

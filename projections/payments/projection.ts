import type { RebuildableProjection } from '../bulk.js';
import { tableIn, type Projection } from '../projection.js';
import { mapRows, paymentFoldSession, valuesIn } from '../shared/bulkSession.js';
import { foldBatch, keysToLoad } from '../shared/paymentBatch.js';
import { paymentRow } from '../shared/paymentRow.js';
import type { PaymentState } from '../shared/paymentState.js';
import { routeEvents } from '../shared/routing.js';
import { deleteByKeys, selectByKeys, upsertRows } from '../shared/sql.js';

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
  'updated_at',
  'last_stripe_event_id',
] as const;

const apply: Projection['apply'] = async (tx, events, target) => {
  const routed = await routeEvents(tx, events);
  if (routed.length === 0) return;
  const stateTable = tableIn(target, 'payments_fold_state');
  const rowTable = tableIn(target, 'payments');
  const loaded = await selectByKeys<{ payment_id: string; state: PaymentState }>(
    tx,
    stateTable,
    'payment_id',
    keysToLoad(routed),
  );
  const { states, removed } = foldBatch(new Map(loaded.map((r) => [r.payment_id, r.state])), routed);
  await deleteByKeys(tx, stateTable, 'payment_id', [...removed]);
  await deleteByKeys(tx, rowTable, 'payment_id', [...removed]);
  const entries = [...states];
  await upsertRows(
    tx,
    stateTable,
    'payment_id',
    ['payment_id', 'state'],
    entries.map(([paymentId, state]) => ({ payment_id: paymentId, state })),
  );
  await upsertRows(
    tx,
    rowTable,
    'payment_id',
    PAYMENT_COLUMNS,
    entries.flatMap(([paymentId, state]) => paymentRow(paymentId, state) ?? []),
  );
};

/** ledger.payments: one row per payment, from its own fold state in ledger.payments_fold_state. */
export const paymentsProjection: RebuildableProjection = {
  name: 'payments',
  tables: ['payments', 'payments_fold_state'],
  apply,
  bulk: {
    mirrors: apply,
    // The shared payment fold; the final states and their rows are loaded at the end.
    start: (shared) => {
      const session = paymentFoldSession(shared);
      return {
        add: async (tx, events) => {
          await session.fold(tx, events);
        },
        write: async (_tx, _target, copy) => {
          await copy(
            'payments_fold_state',
            ['payment_id', 'state'],
            mapRows(session.states, ([paymentId, state]) => [paymentId, state]),
          );
          await copy(
            'payments',
            PAYMENT_COLUMNS,
            mapRows(session.states, ([paymentId, state]) => {
              const row = paymentRow(paymentId, state);
              return row === null ? null : valuesIn(PAYMENT_COLUMNS, row);
            }),
          );
        },
      };
    },
  },
};

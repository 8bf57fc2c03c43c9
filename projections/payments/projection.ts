import type { CopyRows, RebuildableProjection } from '../bulk.js';
import { tableIn, type Projection } from '../projection.js';
import {
  deleteStale,
  mapRows,
  prefetchLinks,
  paymentFoldSession,
  valuesIn,
  type PaymentEntry,
} from '../shared/bulkSession.js';
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
    // The shared payment fold: the rows of states leaving memory are loaded as the log is folded, the
    // rest at the end.
    start: (shared) => {
      const session = paymentFoldSession(shared, 'payments_fold_state');
      const load = async (copy: CopyRows, entries: () => Iterable<PaymentEntry>) => {
        await copy(
          'payments_fold_state',
          ['payment_id', 'state'],
          mapRows(entries(), (e) => [e.paymentId, e.json()]),
        );
        await copy(
          'payments',
          PAYMENT_COLUMNS,
          mapRows(entries(), (e) => {
            const row = e.row();
            return row === null ? null : valuesIn(PAYMENT_COLUMNS, row);
          }),
        );
      };
      return {
        prefetch: prefetchLinks,
        add: async (events, io) => {
          const folded = await session.fold(events, io);
          if (folded === null) return;
          await deleteStale(io, ['payments_fold_state', 'payments'], folded.stale);
          if (folded.spilled.length > 0) await load(io.copy, () => folded.spilled);
        },
        write: (_tx, _target, copy) => load(copy, session.held),
      };
    },
  },
};

import type { RebuildableProjection } from '../bulk.js';
import { tableIn, type Projection } from '../projection.js';
import { mapRows, paymentFoldSession, valuesIn } from '../shared/bulkSession.js';
import { foldBatch, keysToLoad } from '../shared/paymentBatch.js';
import { paymentRow } from '../shared/paymentRow.js';
import type { PaymentState } from '../shared/paymentState.js';
import { routeEvents } from '../shared/routing.js';
import { deleteByKeys, selectByKeys, upsertRows } from '../shared/sql.js';
import { recomputeAllOrders, recomputeOrders } from './recompute.js';

type Summary = {
  payment_id: string;
  state: PaymentState;
  order_id: string | null;
  livemode: boolean | null;
  currency: string | null;
  payment_status: string | null;
  amount_received: number | null;
  amount_refunded: number | null;
  updated_at: string | null;
};
const SUMMARY_COLUMNS = [
  'payment_id',
  'state',
  'order_id',
  'livemode',
  'currency',
  'payment_status',
  'amount_received',
  'amount_refunded',
  'updated_at',
] as const;

const summaryOf = (paymentId: string, state: PaymentState): Summary => {
  const row = paymentRow(paymentId, state);
  return {
    payment_id: paymentId,
    state,
    order_id: row?.order_id ?? null,
    livemode: row?.livemode ?? null,
    currency: row?.currency ?? null,
    payment_status: row?.payment_status ?? null,
    amount_received: row?.amount_received ?? null,
    amount_refunded: row?.amount_refunded ?? null,
    updated_at: row?.updated_at ?? null,
  };
};

const apply: Projection['apply'] = async (tx, events, target) => {
  const routed = await routeEvents(tx, events);
  if (routed.length === 0) return;
  const summaries = tableIn(target, 'orders_payment_state');
  const loaded = await selectByKeys<Summary>(tx, summaries, 'payment_id', keysToLoad(routed));
  const { states, removed } = foldBatch(new Map(loaded.map((r) => [r.payment_id, r.state])), routed);
  const written = [...states].map(([paymentId, state]) => summaryOf(paymentId, state));
  // Orders a payment left (or joined) must be re-aggregated too.
  const touched = new Set(
    [...loaded.filter((r) => states.has(r.payment_id) || removed.has(r.payment_id)), ...written]
      .map((s) => s.order_id)
      .filter((id): id is string => id !== null),
  );
  await deleteByKeys(tx, summaries, 'payment_id', [...removed]);
  await upsertRows(tx, summaries, 'payment_id', SUMMARY_COLUMNS, written);
  await recomputeOrders(tx, { orders: tableIn(target, 'orders'), summaries }, [...touched]);
};

/** ledger.orders: per order_id, re-aggregated from per-payment summaries whenever one of them changes. */
export const ordersProjection: RebuildableProjection = {
  name: 'orders',
  tables: ['orders', 'orders_payment_state'],
  apply,
  bulk: {
    mirrors: apply,
    // The shared payment fold; at the end the final summaries, then every order aggregated at once.
    start: (shared) => {
      const session = paymentFoldSession(shared);
      return {
        add: async (tx, events) => {
          await session.fold(tx, events);
        },
        write: async (tx, target, copy) => {
          await copy(
            'orders_payment_state',
            SUMMARY_COLUMNS,
            mapRows(session.states, ([paymentId, state]) =>
              valuesIn(SUMMARY_COLUMNS, summaryOf(paymentId, state)),
            ),
          );
          await recomputeAllOrders(tx, {
            orders: tableIn(target, 'orders'),
            summaries: tableIn(target, 'orders_payment_state'),
          });
        },
      };
    },
  },
};

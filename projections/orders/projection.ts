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
import { paymentRow, type PaymentRow } from '../shared/paymentRow.js';
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

const summaryOf = (paymentId: string, row: PaymentRow | null): Omit<Summary, 'state'> => ({
  payment_id: paymentId,
  order_id: row?.order_id ?? null,
  livemode: row?.livemode ?? null,
  currency: row?.currency ?? null,
  payment_status: row?.payment_status ?? null,
  amount_received: row?.amount_received ?? null,
  amount_refunded: row?.amount_refunded ?? null,
  updated_at: row?.updated_at ?? null,
});

const apply: Projection['apply'] = async (tx, events, target) => {
  const routed = await routeEvents(tx, events);
  if (routed.length === 0) return;
  const summaries = tableIn(target, 'orders_payment_state');
  const loaded = await selectByKeys<Summary>(tx, summaries, 'payment_id', keysToLoad(routed));
  const { states, removed } = foldBatch(new Map(loaded.map((r) => [r.payment_id, r.state])), routed);
  const written = [...states].map(([paymentId, state]) => ({
    ...summaryOf(paymentId, paymentRow(paymentId, state)),
    state,
  }));
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
    // The shared payment fold: the summaries of states leaving memory are loaded as the log is folded,
    // the rest at the end, then every order is aggregated at once.
    start: (shared) => {
      const session = paymentFoldSession(shared, 'orders_payment_state');
      const load = (copy: CopyRows, entries: Iterable<PaymentEntry>) =>
        copy(
          'orders_payment_state',
          SUMMARY_COLUMNS,
          // The state column takes the state's JSON text as it is.
          mapRows(entries, (e) =>
            valuesIn(SUMMARY_COLUMNS, { ...summaryOf(e.paymentId, e.row()), state: e.json() }),
          ),
        );
      return {
        prefetch: prefetchLinks,
        add: async (events, io) => {
          const folded = await session.fold(events, io);
          if (folded === null) return;
          await deleteStale(io, ['orders_payment_state'], folded.stale);
          if (folded.spilled.length > 0) await load(io.copy, folded.spilled);
        },
        write: async (tx, target, copy) => {
          await load(copy, session.held());
          await recomputeAllOrders(tx, {
            orders: tableIn(target, 'orders'),
            summaries: tableIn(target, 'orders_payment_state'),
          });
        },
      };
    },
  },
};

import type { BulkBuild, BulkShared, CopyRows, RebuildableProjection } from '../bulk.js';
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
import type { PaymentState } from '../shared/paymentState.js';
import { routeEvents } from '../shared/routing.js';
import { IdHashSet } from '../shared/idHashSet.js';
import { deleteByKeys, insertNewRows, selectByKeys, upsertRows } from '../shared/sql.js';
import { historyRows, type HistoryRow, type PendingEvent } from './historyRows.js';

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

const apply: Projection['apply'] = async (tx, events, target) => {
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
};

/** Rows held back from the stream are inserted this many at a time. */
const HELD_BACK_CHUNK = 1000;
const ROWS_PER_LOAD = 4000;

/**
 * The fast path: the shared payment fold gives each batch's steps, historyRows turns them into rows as
 * apply does (over the pending lists apply would load), and the rows are queued for loading at once,
 * being final. Pending lists are kept in memory, non-empty ones only (apply stores [] for the others,
 * which reads the same); a state leaving memory gets its history_fold_state row with its list.
 * `recorded`: the stripe event ids given a row. A row whose id may have one already is held back and
 * inserted at the end with ON CONFLICT DO NOTHING, in order, which keeps the first row of each id as
 * apply's insertNewRows does.
 */
export const historyBulkBuild = (shared: BulkShared, recorded = new IdHashSet()): BulkBuild => {
  const session = paymentFoldSession(shared, 'history_fold_state');
  const pending = new Map<string, PendingEvent[]>();
  const heldBack: HistoryRow[] = [];
  // Rows of several batches go in one load.
  let fresh: (readonly unknown[])[] = [];
  const loadFresh = async (copy: CopyRows) => {
    const rows = fresh;
    fresh = [];
    if (rows.length > 0) await copy('payment_status_history', HISTORY_COLUMNS, rows);
  };
  const load = (copy: CopyRows, entries: Iterable<PaymentEntry>) =>
    copy(
      'history_fold_state',
      ['payment_id', 'state', 'pending'],
      mapRows(entries, (e) => [e.paymentId, e.json(), pending.get(e.paymentId) ?? []]),
    );
  return {
    prefetch: prefetchLinks,
    add: async (events, io) => {
      const folded = await session.fold(events, io);
      if (folded === null) return;
      const { keys, fold, stale, spilled } = folded;
      await deleteStale(io, ['history_fold_state'], stale);
      const loaded = new Map<string, PendingEvent[]>();
      for (const key of keys) {
        const waiting = pending.get(key);
        if (waiting !== undefined) loaded.set(key, waiting);
      }
      const { rows, pending: after } = historyRows(fold.steps, loaded);
      for (const key of fold.removed) pending.delete(key);
      for (const key of fold.states.keys()) {
        const waiting = after.get(key) ?? [];
        if (waiting.length > 0) pending.set(key, waiting);
        else pending.delete(key);
      }
      for (const row of rows) {
        if (recorded.add(row.stripe_event_id)) fresh.push(valuesIn(HISTORY_COLUMNS, row));
        else heldBack.push(row);
      }
      if (fresh.length >= ROWS_PER_LOAD) await loadFresh(io.copy);
      if (spilled.length > 0) await load(io.copy, spilled);
    },
    write: async (tx, target, copy) => {
      await loadFresh(copy);
      await load(copy, session.held());
      for (let i = 0; i < heldBack.length; i += HELD_BACK_CHUNK) {
        await insertNewRows(
          tx,
          tableIn(target, 'payment_status_history'),
          'stripe_event_id',
          HISTORY_COLUMNS,
          heldBack.slice(i, i + HELD_BACK_CHUNK),
        );
      }
    },
  };
};

/** ledger.payment_status_history: one row per event applied to a payment. recorded_at defaults to
 * now(), the only clock reading of the projections. A row is never rewritten: a redelivered event
 * (or a replay over existing rows) finds its stripe_event_id taken and adds nothing. */
export const paymentStatusHistoryProjection: RebuildableProjection = {
  name: 'payment_status_history',
  tables: ['payment_status_history', 'history_fold_state'],
  apply,
  bulk: { mirrors: apply, start: (shared) => historyBulkBuild(shared) },
};

import type { BulkBuild, BulkShared, RebuildableProjection } from '../bulk.js';
import { tableIn, type Projection } from '../projection.js';
import { mapRows, paymentFoldSession, valuesIn } from '../shared/bulkSession.js';
import { foldBatch, keysToLoad } from '../shared/paymentBatch.js';
import type { PaymentState } from '../shared/paymentState.js';
import { routeEvents } from '../shared/routing.js';
import { deleteByKeys, insertNewRows, selectByKeys, upsertRows } from '../shared/sql.js';
import { FirstSightings } from './firstSightings.js';
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

/**
 * The fast path: the shared payment fold gives each batch's steps, historyRows turns them into rows as
 * apply does (over the pending lists apply would load), and the rows go straight to the stream, being
 * final. Only non-empty pending lists are kept; apply stores [] for the others, which reads the same.
 */
export const historyBulkBuild = (shared: BulkShared, sightings = new FirstSightings()): BulkBuild => {
  const session = paymentFoldSession(shared);
  const pending = new Map<string, PendingEvent[]>();
  const heldBack: HistoryRow[] = [];
  return {
    add: async (tx, events, stream) => {
      const folded = await session.fold(tx, events);
      if (folded === null) return;
      const { keys, fold } = folded;
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
      const fresh: (readonly unknown[])[] = [];
      for (const row of rows) {
        if (sightings.firstTime(row.stripe_event_id)) fresh.push(valuesIn(HISTORY_COLUMNS, row));
        else heldBack.push(row);
      }
      if (fresh.length > 0) await stream('payment_status_history', HISTORY_COLUMNS, fresh);
    },
    write: async (tx, target, copy) => {
      await copy(
        'history_fold_state',
        ['payment_id', 'state', 'pending'],
        mapRows(session.states, ([paymentId, state]) => [paymentId, state, pending.get(paymentId) ?? []]),
      );
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

import type { Queryable } from '../../src/db/port.js';
import type { StoredEvent } from '../../src/eventstore/port.js';
import type { BulkShared } from '../bulk.js';
import { foldBatch, keysToLoad, type BatchFold } from './paymentBatch.js';
import type { PaymentState } from './paymentState.js';
import { routeBatch, storedLinks, type Links, type Routed } from './routing.js';

/**
 * What the bulk builders of one rebuild share (projections/bulk.ts BulkShared). Every builder gets the
 * same batch array in turn, so a per-batch result is memoised on the array's identity: the first
 * builder computes it, the others reuse it.
 */

type PerBatch<T> = (tx: Queryable, events: StoredEvent[]) => Promise<T>;

const memoOnBatch = <T>(compute: PerBatch<T>): PerBatch<T> => {
  let last: { events: StoredEvent[]; result: Promise<T> } | null = null;
  return (tx, events) => {
    if (last?.events !== events) last = { events, result: compute(tx, events) };
    return last.result;
  };
};

const sharedValue = <T>(shared: BulkShared, key: string, create: () => T): T => {
  if (!shared.has(key)) shared.set(key, create());
  return shared.get(key) as T;
};

/** storedLinks of the batch (eventstore.charge_links, as apply reads it), one query per batch. */
export const batchLinks = (shared: BulkShared, tx: Queryable, events: StoredEvent[]): Promise<Links> =>
  sharedValue(shared, 'batchLinks', () => memoOnBatch(storedLinks))(tx, events);

/** One batch folded: what foldBatch returns, with its routing and the keys apply would have loaded. */
export type SessionFold = { routed: Routed[]; keys: string[]; fold: BatchFold };

export type PaymentFoldSession = {
  /** Every payment's state after the batches folded so far (orphans merged away are gone). */
  readonly states: ReadonlyMap<string, PaymentState>;
  /** Folds the batch once whoever asks first; null when it routes nothing (apply returns early). */
  fold(tx: Queryable, events: StoredEvent[]): Promise<SessionFold | null>;
};

/**
 * The payment fold of payments, orders and payment_status_history, which keep the same state: routed
 * and folded by foldBatch exactly as their apply does, over only the states the batch touches (the rows
 * apply would select), and merged back into one map.
 */
export const paymentFoldSession = (shared: BulkShared): PaymentFoldSession =>
  sharedValue(shared, 'paymentFold', () => {
    const states = new Map<string, PaymentState>();
    const fold = memoOnBatch(async (tx, events): Promise<SessionFold | null> => {
      const routed = routeBatch(events, await batchLinks(shared, tx, events));
      if (routed.length === 0) return null;
      const keys = keysToLoad(routed);
      const loaded = new Map<string, PaymentState>();
      for (const key of keys) {
        const state = states.get(key);
        if (state !== undefined) loaded.set(key, state);
      }
      const folded = foldBatch(loaded, routed);
      for (const key of folded.removed) states.delete(key);
      for (const [key, state] of folded.states) states.set(key, state);
      return { routed, keys, fold: folded };
    });
    return { states, fold };
  });

/** Lazily maps an iterable (rows for CopyRows, produced as the load consumes them). */
export function* mapRows<T>(
  items: Iterable<T>,
  row: (item: T) => readonly unknown[] | null,
): Generator<readonly unknown[]> {
  for (const item of items) {
    const out = row(item);
    if (out !== null) yield out;
  }
}

/** The values of `record` in `columns` order, as CopyRows takes them. */
export const valuesIn = (columns: readonly string[], record: object): unknown[] =>
  columns.map((column) => (record as Record<string, unknown>)[column]);

import type { StoredEvent } from '../../src/eventstore/port.js';
import type { BulkIo, BulkShared } from '../bulk.js';
import { tableIn } from '../projection.js';
import { IdHashSet } from './idHashSet.js';
import { foldBatch, keysToLoad, type BatchFold } from './paymentBatch.js';
import { paymentRow, type PaymentRow } from './paymentRow.js';
import type { PaymentState } from './paymentState.js';
import { routeBatch, storedLinks, type Links, type Routed } from './routing.js';
import { selectByKeys } from './sql.js';

/**
 * What the bulk builders of one rebuild share: the per-rebuild map (BulkShared) holds the payment fold
 * session, each batch's scratch map (BulkIo.batch) what is computed once per batch for all of them. A
 * batch's scratch goes when its batch does, so nothing keeps a folded batch's events alive.
 */

const sharedValue = <T>(shared: BulkShared, key: string, create: () => T): T => {
  if (!shared.has(key)) shared.set(key, create());
  return shared.get(key) as T;
};

/** `compute` once per batch for all the builders asking for `key`. */
export const perBatch = <T>(io: BulkIo, key: string, compute: () => Promise<T>): Promise<T> =>
  sharedValue(io.batch, key, compute);

/** storedLinks of the batch (eventstore.charge_links, as apply reads it), one query per batch. */
export const batchLinks = (io: BulkIo, events: StoredEvent[]): Promise<Links> =>
  perBatch(io, 'links', () => storedLinks(io.tx, events));

/** BulkBuild.prefetch of the builders that route: the batch's charge links are asked for at once. */
export const prefetchLinks = (events: StoredEvent[], io: BulkIo): void => {
  // Awaited by add; a failure is reported there (or no longer matters).
  batchLinks(io, events).catch(() => undefined);
};

/** BulkShared key: how many payment states the fold holds in memory at most (default HELD_PAYMENTS). */
export const HELD_PAYMENTS_KEY = 'paymentFold.held';
export const HELD_PAYMENTS = 5_000;

/** A payment's state to load: its JSON text and its row, each derived once whoever asks first. */
export type PaymentEntry = {
  paymentId: string;
  state: PaymentState;
  json(): string;
  row(): PaymentRow | null;
};

const entryOf = (paymentId: string, state: PaymentState): PaymentEntry => {
  let json: string | undefined;
  let row: { of: PaymentRow | null } | undefined;
  return {
    paymentId,
    state,
    json: () => (json ??= JSON.stringify(state)),
    row: () => (row ??= { of: paymentRow(paymentId, state) }).of,
  };
};

/** One batch folded, as each sharing builder must reflect it in its own tables. */
export type SessionFold = {
  /** What foldBatch returned, with the routing and the keys apply would have loaded. */
  routed: Routed[];
  keys: string[];
  fold: BatchFold;
  /** Payments read back from the tables: the rows loaded for them earlier are stale. Delete them; they
   * are loaded again when the payment leaves memory again (or at the end), unless merged away. */
  stale: string[];
  /** Payments leaving memory after this batch, least recently folded first: load their rows now. */
  spilled: PaymentEntry[];
};

export type PaymentFoldSession = {
  /** Folds the batch once whoever asks first; null when it routes nothing (apply returns early). */
  fold(events: StoredEvent[], io: BulkIo): Promise<SessionFold | null>;
  /** The states still held, for the rows loaded at the end. */
  held(): Generator<PaymentEntry>;
};

/**
 * The payment fold of payments, orders and payment_status_history, which keep the same state: routed
 * and folded by foldBatch exactly as their apply does, over only the states the batch touches (the
 * rows apply would select).
 *
 * Memory stays bounded whatever the length of the log (a state takes ~2.4 KB of heap): at most
 * HELD_PAYMENTS states are held, least recently folded first out. A state leaving memory is final
 * unless a later event touches its payment, so each sharing builder loads its rows then, while folding
 * goes on; when a later event does touch it, the state is read back from a state table (as apply reads
 * it) and the rows loaded for it are deleted. Logs are mostly in time order and a payment's events
 * close together, so that is rare (and costs what apply pays for every batch).
 *
 * `stateTable`: the caller's table with the state per payment_id, to read spilled states back from.
 */
export const paymentFoldSession = (shared: BulkShared, stateTable: string): PaymentFoldSession => {
  const session = sharedValue(shared, 'paymentFold', () => createSession(shared));
  session.sources.push(stateTable);
  return session;
};

const createSession = (shared: BulkShared) => {
  const held = new Map<string, PaymentState>();
  // Payments whose state left memory (8 bytes each): a "maybe" for one that never did only costs a
  // read that finds nothing.
  const spilled = new IdHashSet();
  const sources: string[] = [];
  const limit = Number(shared.get(HELD_PAYMENTS_KEY) ?? HELD_PAYMENTS);

  const readBack = async (io: BulkIo, keys: string[], into: Map<string, PaymentState>) => {
    await io.settled();
    const table = tableIn(io.target, sources[0]!);
    const rows = await selectByKeys<{ payment_id: string; state: PaymentState }>(
      io.tx,
      table,
      'payment_id',
      keys,
    );
    for (const row of rows) into.set(row.payment_id, row.state);
  };

  const foldBatchOnce = async (io: BulkIo, events: StoredEvent[]): Promise<SessionFold | null> => {
    const routed = routeBatch(events, await batchLinks(io, events));
    if (routed.length === 0) return null;
    const keys = keysToLoad(routed);
    const loaded = new Map<string, PaymentState>();
    const stale: string[] = [];
    for (const key of keys) {
      const state = held.get(key);
      if (state !== undefined) loaded.set(key, state);
      else if (spilled.mightHave(key)) stale.push(key);
    }
    if (stale.length > 0) await readBack(io, stale, loaded);
    const folded = foldBatch(loaded, routed);
    for (const key of folded.removed) held.delete(key);
    for (const [key, state] of folded.states) {
      // Re-inserted: the map's order is the order of the last fold.
      held.delete(key);
      held.set(key, state);
    }
    // Over the limit, a quarter of it leaves at once: fewer, larger loads.
    const leaving: PaymentEntry[] = [];
    if (held.size > limit) {
      const keep = Math.floor((limit * 3) / 4);
      for (const [key, state] of held) {
        if (held.size - leaving.length <= keep) break;
        leaving.push(entryOf(key, state));
      }
    }
    for (const entry of leaving) {
      held.delete(entry.paymentId);
      spilled.add(entry.paymentId);
    }
    return { routed, keys, fold: folded, stale, spilled: leaving };
  };

  return {
    sources,
    fold: (events: StoredEvent[], io: BulkIo) => perBatch(io, 'paymentFold', () => foldBatchOnce(io, events)),
    held: function* () {
      for (const [paymentId, state] of held) yield entryOf(paymentId, state);
    },
  };
};

/** Queues the deletion of the rows of `keys` from the caller's tables (stale rows of SessionFold). */
export const deleteStale = async (io: BulkIo, tables: readonly string[], keys: readonly string[]) => {
  if (keys.length === 0) return;
  for (const table of tables) {
    await io.run(`DELETE FROM ${tableIn(io.target, table)} WHERE payment_id = ANY($1::text[])`, [keys]);
  }
};

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

import type { Queryable, Row } from '../src/db/port.js';
import type { StoredEvent } from '../src/eventstore/port.js';

/**
 * A projection is a declaration; one engine (src/projector/engine/) runs every declaration, for live
 * batches and for rebuilds. To add a read model:
 *
 * 1. Pick or write its Fold: which state each event folds into (`route`), the pure, order-independent
 *    `evolve` and `merge`, and how the state is stored. Read models fed by the same fold share it (the
 *    payment fold feeds payments, orders and status history) and the engine folds once per batch for all.
 * 2. Declare it with `defineProjection({ name, fold, state, rowTables, rows })`: the table holding its copy
 *    of the fold state, and the rows each state gives in each read-model table. The engine loads the
 *    states a batch touches, folds in memory, and writes each table with one set-based statement
 *    (src/projector/engine/applyBatch.ts); a rebuild runs the same fold over the whole log, keeping
 *    states in memory between batches and writing them in bulk (src/projector/engine/rebuildSession.ts).
 * 3. Add a migration creating its tables, and the declaration to projections/index.ts.
 *
 * Optional parts: `stateColumns` (columns beside the state, summaries an SQL aggregate reads),
 * `history` (rows written once per event, with what an event leaves waiting), `afterWrite` (an SQL
 * aggregate over the written rows, run in the same transaction).
 */

/** Where a projection writes: `ledger` for the live tables; a rebuild builds into another schema whose
 * tables it created like the live ones (src/projector/rebuildTables.ts), then swaps them in. */
export type ProjectionTarget = { schema: string };

export type ProjectionName =
  | 'payments'
  | 'orders'
  | 'payment_status_history'
  | 'refunds'
  | 'disputes'
  | 'balance_transactions'
  | 'payouts'
  | 'journal';

/** Charge id -> payment intent id, as far as the event store knows them (read before the batch). */
export type Links = ReadonlyMap<string, string>;

/** A key's whole story in the log, in log order, every link known (a payment's events, its charges'
 * included): what a history restates a key's rows from when a batch joins other keys into it. */
export type StoryOf = (key: string) => Promise<readonly StoredEvent[]>;

/** A modelled event and the state it folds into. `absorbs`: keys whose states merge into `key` first
 * (a payment's events filed under its charge before the payment intent was known). `paymentId`: the
 * payment the event belongs to, links applied; null for an event of no payment. */
export type Routed = {
  event: StoredEvent;
  key: string;
  paymentId: string | null;
  absorbs: readonly string[];
};

/** One routed event as the fold saw it: its key's own state, the state it folded into (the own state
 * joined with the states it absorbed, as a fold that knew the link from the start would have had it)
 * and the state after. */
export type Step<S> = {
  routed: Routed;
  own: S | undefined;
  before: S | undefined;
  absorbed: string[];
  after: S;
};

/**
 * A pure fold keyed by a string: `route` says which keys a batch touches, `evolve` folds one routed
 * event into its key's state, `merge` joins two states (an orphan joining its payment). Both must be
 * commutative and idempotent over events, so rows do not depend on delivery order or duplicates.
 */
export type Fold<S> = {
  readonly name: string;
  /** The routed events of a batch, in order; events the fold does not handle are left out. Throws on
   * an event it cannot read. */
  route(events: readonly StoredEvent[], links: Links): Routed[];
  evolve(state: S | undefined, routed: Routed): S;
  merge(a: S, b: S): S;
  /** How a state sits in a state table: its columns (the key column aside) and the conversions.
   * `json`: those holding JSON, stored as text columns (nothing queries inside a state, and text spares
   * PostgreSQL a jsonb conversion per write and read); the engine parses them only when the batch was
   * not already folded over the same states for another projection. */
  readonly stored: {
    readonly columns: readonly string[];
    readonly json: readonly string[];
    toRow(state: S): Row;
    fromRow(row: Row): S;
  };
  /** A state filed under a charge follows the link to its payment once it is proven (the state keeps
   * its key; its payment_id column changes): the state with the new payment id, or null when the
   * link does not concern it. States whose rows carry a payment_id column are relinked in SQL too. */
  relink?(state: S, links: Links): S | null;
};

/** A read-model table written from states: one statement per batch, keyed by `key`. */
export type TableSpec = { readonly key: string; readonly columns: readonly string[] };

/** Rows of each table (by name) that one state gives. */
export type RowsByTable = Readonly<Record<string, readonly Row[]>>;

/** Rows written once per event, plus what waits for a later event, per key. */
export type HistorySpec<S, W> = {
  readonly table: string;
  readonly spec: TableSpec;
  /** The state-table column holding what waits, and its value when nothing does. */
  readonly column: string;
  readonly empty: W;
  /** Text columns whose value every row of a key takes when a batch says so (`following`), rows
   * written by earlier batches too: the one exception to rows written once. */
  readonly follows?: readonly string[];
  /** The rows of a batch's steps, given what waited for each key before it; pure. `following`: per key,
   * the values of `follows` its earlier rows take. */
  rows(
    steps: readonly Step<S>[],
    waiting: ReadonlyMap<string, W>,
  ): { rows: Row[]; waiting: Map<string, W>; following?: ReadonlyMap<string, Row> };
};

export type StateChange = {
  /** The state-table rows of the touched keys as they were before (those that existed). */
  before: readonly Row[];
  /** The state-table rows written. */
  after: readonly Row[];
};

export type Declaration<S, W = unknown> = {
  readonly name: ProjectionName;
  readonly fold: Fold<S>;
  /** The table holding this projection's copy of the fold state, and its key column. */
  readonly state: { readonly table: string; readonly key: string };
  /** The read-model tables its rows go to (by name), with their keys and columns. */
  readonly rowTables: Readonly<Record<string, TableSpec>>;
  /** The rows a state gives in each table; a key merged away has its rows deleted. */
  rows?(key: string, state: S): RowsByTable;
  /** Columns of the state row beside the state (what an SQL aggregate reads). */
  readonly stateColumns?: { readonly columns: readonly string[]; of(key: string, state: S): Row };
  readonly history?: HistorySpec<S, W>;
  /** Runs after the batch's rows are written, in the same transaction, with a bounded statement count.
   * It reads the state table and the rows it is handed, never the row tables (a rebuild builds their
   * indexes only after the fold), and writes its derivedTables. */
  afterWrite?(tx: Queryable, target: ProjectionTarget, change: StateChange): Promise<void>;
  /** Tables it owns beyond the state and row tables (an aggregate afterWrite fills). */
  readonly derivedTables?: readonly string[];
};

/** What the projector and the rebuild run: a declaration and every table it owns (read model,
 * fold state, aggregates), unqualified, all in schema `ledger`. The state type is erased: the engine
 * only hands a declaration states of its own fold. */
export type Projection = Declaration<unknown, unknown> & { readonly tables: readonly string[] };

/** Declares a projection (see the top of this file). */
export const defineProjection = <S, W = never>(declaration: Declaration<S, W>): Projection => {
  const tables = [
    ...new Set([
      ...Object.keys(declaration.rowTables),
      ...(declaration.history ? [declaration.history.table] : []),
      ...(declaration.derivedTables ?? []),
      declaration.state.table,
    ]),
  ];
  return { ...declaration, tables } as unknown as Projection;
};

const SCHEMA_NAME = /^[a-z_][a-z0-9_]*$/;

/** `"schema".table`. Schema names reach SQL text only through here, so they are checked strictly. */
export const tableIn = (target: ProjectionTarget, table: string): string => {
  if (!SCHEMA_NAME.test(target.schema)) {
    throw new Error(`projection target schema ${JSON.stringify(target.schema)} must match ${SCHEMA_NAME}`);
  }
  return `"${target.schema}".${table}`;
};

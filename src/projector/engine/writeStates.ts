import type { Queryable, Row } from '../../db/port.js';
import type { Links, Projection, ProjectionTarget } from '../../../projections/projection.js';
import { tableIn } from '../../../projections/projection.js';
import { deleteByKeys, insertNewRows, relinkRows, updateFollowing, upsertRows } from './sql.js';

/** What a projection writes after folding: a live batch, or what a rebuild held since its last write. */
export type Writes = {
  /** Touched keys and their states, upserted with their rows. */
  states: ReadonlyMap<string, unknown>;
  /** Keys merged away: their state and rows are deleted. */
  removed: readonly string[];
  /** The state rows of the touched keys as they were loaded (for afterWrite). */
  before: readonly Row[];
  /** What waits per touched key (history projections). */
  waiting: ReadonlyMap<string, unknown>;
  /** History rows, in event order; the first row of a stripe event id wins. */
  historyRows: readonly Row[];
  /** Per key, the values of the history's `follows` columns its rows written earlier take. */
  following: ReadonlyMap<string, Row>;
  /** History rows restated whole (a key that joined others), written over those already there. */
  restated: readonly Row[];
  /** Links proven since the rows were last written: rows filed under a charge follow them. */
  relinks: Links;
  /** Keys merged away -> the key they joined: history rows written under them follow, so they sit
   * where a fold that knew the link from the start (a rebuild) files them. */
  absorbed: ReadonlyMap<string, string>;
};

/** The state-table row of a key: its key, the stored state, the columns beside it. */
export const stateRowOf = (projection: Projection, key: string, state: unknown, waiting: unknown): Row => {
  const { fold, state: table, stateColumns, history } = projection;
  return {
    [table.key]: key,
    ...fold.stored.toRow(state),
    ...stateColumns?.of(key, state),
    ...(history ? { [history.column]: waiting ?? history.empty } : {}),
  };
};

export const stateColumnsOf = (projection: Projection): string[] => {
  const { fold, state, history } = projection;
  const beside = projection.stateColumns?.columns ?? [];
  return [state.key, ...fold.stored.columns, ...beside, ...(history ? [history.column] : [])];
};

/** The tables whose payment_id follows a link: the state table and the row tables having one. */
export const relinkedTables = (projection: Projection, target: ProjectionTarget): string[] => [
  tableIn(target, projection.state.table),
  ...Object.entries(projection.rowTables)
    .filter(([, spec]) => spec.columns.includes('payment_id'))
    .map(([table]) => tableIn(target, table)),
];

/**
 * Writes a projection's folded batch with one set-based statement per table: deletes of merged-away
 * keys, the state rows, each read-model table's rows, history rows (and what earlier ones follow), the
 * relink of rows filed under a charge, then the projection's own aggregate.
 */
export const writeStates = async (
  tx: Queryable,
  projection: Projection,
  target: ProjectionTarget,
  writes: Writes,
): Promise<void> => {
  const { state, rowTables, history, fold } = projection;
  const stateTable = tableIn(target, state.table);
  await deleteByKeys(tx, [stateTable, ...Object.keys(rowTables).map((t) => tableIn(target, t))], state.key, [
    ...writes.removed,
  ]);
  const stateRows: Row[] = [];
  const rows = new Map<string, Row[]>(Object.keys(rowTables).map((t) => [t, []]));
  for (const [key, value] of writes.states) {
    stateRows.push(stateRowOf(projection, key, value, writes.waiting.get(key)));
    for (const [table, produced] of Object.entries(projection.rows?.(key, value) ?? {})) {
      const list = rows.get(table);
      if (list === undefined) throw new Error(`${projection.name}: rows for undeclared table ${table}`);
      list.push(...produced);
    }
  }
  await upsertRows(tx, stateTable, state.key, stateColumnsOf(projection), stateRows);
  for (const [table, spec] of Object.entries(rowTables)) {
    await upsertRows(tx, tableIn(target, table), spec.key, spec.columns, rows.get(table)!);
  }
  if (history) {
    const historyTable = tableIn(target, history.table);
    const { key, columns } = history.spec;
    await insertNewRows(tx, historyTable, key, columns, writes.historyRows);
    if (writes.absorbed.size > 0 && columns.includes('payment_id')) {
      await relinkRows(tx, [historyTable], writes.absorbed);
    }
    // After the relink: rows an orphan brought take the payment's values too, or are restated whole.
    await updateFollowing(tx, historyTable, state.key, history.follows, writes.following);
    await upsertRows(tx, historyTable, key, columns, writes.restated);
  }
  if (fold.relink && writes.relinks.size > 0) {
    await relinkRows(tx, relinkedTables(projection, target), writes.relinks);
  }
  await projection.afterWrite?.(tx, target, { before: writes.before, after: stateRows });
};

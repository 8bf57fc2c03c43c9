import { PREPARED, type Queryable, type Row } from '../../src/db/port.js';
import type { StateChange } from '../projection.js';

/**
 * Aggregates kept per UTC day as balance transactions first arrive. A transaction's amounts never
 * change, so what it adds is added once: for the state rows written now that were not there before.
 * `add` rows are grouped and summed in memory, then upserted (incremented) in one statement.
 */
export const newRows = (change: StateChange, key: string): readonly Row[] => {
  const before = new Set(change.before.map((row) => row[key]));
  return change.after.filter((row) => !before.has(row[key]));
};

export const dayOf = (time: unknown): string =>
  (time instanceof Date ? time.toISOString() : String(time)).slice(0, 10);

export const addToDaily = async (
  tx: Queryable,
  table: string,
  keyColumns: readonly string[],
  sumColumns: readonly string[],
  rows: readonly Row[],
): Promise<void> => {
  const totals = new Map<string, Row>();
  for (const row of rows) {
    const id = JSON.stringify(keyColumns.map((c) => row[c]));
    const mine = totals.get(id);
    if (mine === undefined) totals.set(id, { ...row });
    else for (const c of sumColumns) mine[c] = Number(mine[c]) + Number(row[c]);
  }
  if (totals.size === 0) return;
  const columns = [...keyColumns, ...sumColumns].join(', ');
  await tx.query(
    `INSERT INTO ${table} AS cur (${columns})
     SELECT ${columns} FROM json_populate_recordset(null::${table}, $1::json)
     ON CONFLICT (${keyColumns.join(', ')}) DO UPDATE SET
       ${sumColumns.map((c) => `${c} = cur.${c} + EXCLUDED.${c}`).join(', ')}`,
    [JSON.stringify([...totals.values()])],
    PREPARED,
  );
};

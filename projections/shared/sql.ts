import type { Queryable, Row } from '../../src/db/port.js';

/**
 * Batched statements shared by the projections. Each runs once per batch whatever its size: rows travel
 * as one JSON array and json_populate_recordset turns it into rows of the target table's own type, so
 * the same SQL serves the live schema and a rebuild schema. Table and column names come from code,
 * never from data; `table` is already schema-qualified (projection.ts tableIn).
 */

export const selectByKeys = async <R extends Row>(
  tx: Queryable,
  table: string,
  key: string,
  keys: readonly string[],
): Promise<R[]> => {
  if (keys.length === 0) return [];
  const { rows } = await tx.query<R>(`SELECT * FROM ${table} WHERE ${key} = ANY($1::text[])`, [keys]);
  return rows;
};

export const deleteByKeys = async (
  tx: Queryable,
  table: string,
  key: string,
  keys: readonly string[],
): Promise<void> => {
  if (keys.length > 0) await tx.query(`DELETE FROM ${table} WHERE ${key} = ANY($1::text[])`, [keys]);
};

/** Inserts or updates each row once; an unchanged row is left alone (no dead tuple, no WAL). */
export const upsertRows = async (
  tx: Queryable,
  table: string,
  key: string,
  columns: readonly string[],
  rows: readonly object[],
): Promise<void> => {
  if (rows.length === 0) return;
  const list = columns.join(', ');
  const updated = columns.filter((c) => c !== key);
  await tx.query(
    `INSERT INTO ${table} AS cur (${list})
     SELECT ${list} FROM json_populate_recordset(null::${table}, $1::json)
     ON CONFLICT (${key}) DO UPDATE SET ${updated.map((c) => `${c} = EXCLUDED.${c}`).join(', ')}
     WHERE (${updated.map((c) => `cur.${c}`).join(', ')}) IS DISTINCT FROM (${updated.map((c) => `EXCLUDED.${c}`).join(', ')})`,
    [JSON.stringify(rows)],
  );
};

/** Inserts rows whose key is not there yet (history rows are written once, never updated). */
export const insertNewRows = async (
  tx: Queryable,
  table: string,
  key: string,
  columns: readonly string[],
  rows: readonly object[],
): Promise<void> => {
  if (rows.length === 0) return;
  const list = columns.join(', ');
  await tx.query(
    `INSERT INTO ${table} (${list})
     SELECT ${list} FROM json_populate_recordset(null::${table}, $1::json)
     ON CONFLICT (${key}) DO NOTHING`,
    [JSON.stringify(rows)],
  );
};

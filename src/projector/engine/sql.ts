import { PREPARED, type Queryable, type Row } from '../../db/port.js';
import { columnTexts, columnTypesOf, unnestColumns } from './columnText.js';

/**
 * Batched statements shared by the projections. Each runs once per batch whatever its size: rows travel
 * as one text per column (columnText.ts), or as one JSON array when a value cannot, so the same SQL
 * serves the live schema and a rebuild schema. Table and column names come from code,
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

/** Deletes the keys from every table, in one statement. */
export const deleteByKeys = async (
  tx: Queryable,
  tables: readonly string[],
  key: string,
  keys: readonly string[],
): Promise<void> => {
  if (keys.length === 0 || tables.length === 0) return;
  const [first, ...rest] = tables;
  const ctes = rest.map((table, i) => `d${i} AS (DELETE FROM ${table} WHERE ${key} = ANY($1::text[]))`);
  await tx.query(
    `${ctes.length > 0 ? `WITH ${ctes.join(', ')} ` : ''}DELETE FROM ${first} WHERE ${key} = ANY($1::text[])`,
    [keys],
    PREPARED,
  );
};

/** Rows filed under a charge (payment_id = the charge id) follow its link to the payment intent: one
 * statement for every table, each row matched at most once. */
export const relinkRows = async (
  tx: Queryable,
  tables: readonly string[],
  links: ReadonlyMap<string, string>,
) => {
  if (links.size === 0 || tables.length === 0) return;
  const update = (table: string, alias: string) =>
    `UPDATE ${table} ${alias} SET payment_id = l.payment_id FROM links l WHERE ${alias}.payment_id = l.charge_id`;
  const [first, ...rest] = tables;
  await tx.query(
    `WITH links AS (SELECT * FROM unnest($1::text[], $2::text[]) AS l(charge_id, payment_id))
     ${rest.map((table, i) => `, u${i} AS (${update(table, `t${i + 1}`)})`).join('')}
     ${update(first!, 't0')}`,
    [[...links.keys()], [...links.values()]],
    PREPARED,
  );
};

/** Every row of each key in `following` takes that key's values of the text `columns` (a row already
 * holding them is left alone): one statement. */
export const updateFollowing = async (
  tx: Queryable,
  table: string,
  key: string,
  columns: readonly string[] | undefined,
  following: ReadonlyMap<string, Row>,
) => {
  if (following.size === 0 || columns === undefined || columns.length === 0) return;
  const values = [...following.values()];
  const names = [key, ...columns];
  const arrays = names.map((_, i) => `$${i + 1}::text[]`).join(', ');
  await tx.query(
    `UPDATE ${table} t SET ${columns.map((c) => `${c} = v.${c}`).join(', ')}
     FROM unnest(${arrays}) AS v(${names.join(', ')})
     WHERE t.${key} = v.${key}
       AND (${columns.map((c) => `t.${c}`).join(', ')}) IS DISTINCT FROM (${columns.map((c) => `v.${c}`).join(', ')})`,
    [[...following.keys()], ...columns.map((c) => values.map((row) => row[c] ?? null))],
    PREPARED,
  );
};

/** The rows as a source of SELECT: one text per column when they can travel so (columnText.ts), else a
 * JSON array read into the table's row type. Returns the FROM clause and its parameters. */
const rowSource = async (
  tx: Queryable,
  table: string,
  columns: readonly string[],
  rows: readonly object[],
): Promise<{ from: string; params: unknown[] }> => {
  const types = await columnTypesOf(tx, table);
  const texts = columnTexts(columns, types, rows);
  if (texts !== null) return { from: unnestColumns(columns, types), params: texts };
  return { from: `json_populate_recordset(null::${table}, $1::json)`, params: [JSON.stringify(rows)] };
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
  const { from, params } = await rowSource(tx, table, columns, rows);
  await tx.query(
    `INSERT INTO ${table} AS cur (${list})
     SELECT ${list} FROM ${from}
     ON CONFLICT (${key}) DO UPDATE SET ${updated.map((c) => `${c} = EXCLUDED.${c}`).join(', ')}
     WHERE (${updated.map((c) => `cur.${c}`).join(', ')}) IS DISTINCT FROM (${updated.map((c) => `EXCLUDED.${c}`).join(', ')})`,
    params,
    PREPARED,
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
  const { from, params } = await rowSource(tx, table, columns, rows);
  await tx.query(
    `INSERT INTO ${table} (${list})
     SELECT ${list} FROM ${from}
     ON CONFLICT (${key}) DO NOTHING`,
    params,
    PREPARED,
  );
};

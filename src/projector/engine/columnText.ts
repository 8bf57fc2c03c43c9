import type { Queryable } from '../../db/port.js';

/**
 * Rows handed to PostgreSQL as one text per column: each column's values joined by RECORD_SEPARATOR,
 * a NULL written as UNIT_SEPARATOR, split again by `string_to_array` and cast to the column's type.
 * Nothing is escaped on either side, which is what makes it cheaper than a JSON array of rows (there,
 * a fold state is JSON inside JSON, escaped by Node and parsed again by PostgreSQL): half the server
 * time per state row, measured. A value holding a separator or NUL cannot travel this way: the caller
 * then sends the rows as JSON (columnTexts answers null).
 */
export const RECORD_SEPARATOR = '\u001e';
export const UNIT_SEPARATOR = '\u001f';

/** Column name -> its SQL type as format_type spells it (`bigint`, `timestamp with time zone`). */
export type ColumnTypes = ReadonlyMap<string, string>;

const JSON_TYPES = new Set(['json', 'jsonb']);

const cannotTravel = (text: string) =>
  text.includes(RECORD_SEPARATOR) || text.includes(UNIT_SEPARATOR) || text.includes('\u0000');

// Projections sharing a fold write the very same state objects (payments, orders and history each keep
// a copy): each is turned into JSON once. States are never changed once folded, so the text stays right.
const jsonTexts = new WeakMap<object, string>();
const jsonOf = (value: object): string => {
  let text = jsonTexts.get(value);
  if (text === undefined) jsonTexts.set(value, (text = JSON.stringify(value)));
  return text;
};

/** A value as its column's text input takes it, the way json_populate_recordset would read it from
 * JSON: JSON columns get JSON text (a string too), others a scalar's text or an object's JSON. */
const cellText = (value: unknown, jsonColumn: boolean): string | null => {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return jsonColumn ? JSON.stringify(value) : value;
  if (value instanceof Date) return jsonColumn ? JSON.stringify(value) : value.toISOString();
  if (typeof value === 'object') return jsonOf(value);
  return String(value);
};

/** Each column's values as one text, in `columns` order; null when a value cannot travel as text (a
 * separator or NUL in it) or when a lone row holds an empty string (string_to_array reads '' as no
 * element at all). */
export const columnTexts = (
  columns: readonly string[],
  types: ColumnTypes,
  rows: readonly object[],
): string[] | null => {
  const out: string[] = [];
  for (const column of columns) {
    const jsonColumn = JSON_TYPES.has(types.get(column) ?? '');
    const cells: string[] = new Array<string>(rows.length);
    for (let i = 0; i < rows.length; i += 1) {
      const text = cellText((rows[i] as Record<string, unknown>)[column], jsonColumn);
      if (text === null) cells[i] = UNIT_SEPARATOR;
      else if (cannotTravel(text) || (text === '' && rows.length === 1)) return null;
      else cells[i] = text;
    }
    out.push(cells.join(RECORD_SEPARATOR));
  }
  return out;
};

/** `unnest(...) AS u(columns)`: the texts of columnTexts ($1, $2, ...) as rows of the columns' own types. */
export const unnestColumns = (columns: readonly string[], types: ColumnTypes): string => {
  const arrays = columns.map((column, i) => {
    const type = types.get(column);
    if (type === undefined) throw new Error(`column ${column} has no type`);
    return `string_to_array($${i + 1}, E'\\x1e', E'\\x1f')::${type}[]`;
  });
  return `unnest(${arrays.join(', ')}) AS u(${columns.join(', ')})`;
};

/**
 * The column types of a table, read from the catalog once per table per process. Tables are created by
 * migrations before anything writes, and a rebuild's copies (rebuildTables.ts, `LIKE`) have the live
 * tables' types, so a name keeps its types for the life of the process.
 */
const known = new Map<string, Promise<ColumnTypes>>();

export const columnTypesOf = (db: Queryable, table: string): Promise<ColumnTypes> => {
  let types = known.get(table);
  if (types === undefined) {
    types = db
      .query<{ name: string; type: string }>(
        `SELECT attname AS name, format_type(atttypid, atttypmod) AS type FROM pg_attribute
          WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped`,
        [table],
      )
      .then(({ rows }) => {
        if (rows.length === 0) throw new Error(`table ${table} does not exist`);
        return new Map(rows.map((row) => [row.name, row.type]));
      });
    known.set(table, types);
    // A failed read (the table not there yet, a connection lost) is tried again next time.
    types.catch(() => known.delete(table));
  }
  return types;
};

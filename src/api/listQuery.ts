import type { z } from 'zod';
import type { CursorKey, SortKey } from './cursor.js';
import { selectList } from './rows.js';

/** Adds a bind parameter and answers its placeholder ($1, $2, ...). */
export type Bind = (value: unknown) => string;

/** A sort-key column. `nullsLast` (timestamptz, ascending): a null sorts after every time, compared
 * and carried in cursors as 'infinity', so keyset paging neither loses nor repeats such rows. */
export type SortColumn = CursorKey & { column: string };

/** A keyset order: a unique, immutable key, so the order is total and stable while rows are added. */
export type ListOrder = { sort: readonly SortColumn[]; direction: 'asc' | 'desc' };

/** What a list may look up before its statement is built (the event store's charge links). */
export type ListLookups = { paymentOfCharge(chargeId: string): Promise<string | null> };

/** What a list's lookup found, handed to its `where` as the query's `looked`. */
export type Looked = Readonly<Record<string, string | null>>;

/** A list's query as `where` gets it: the parameters, and what `lookup` found. */
export type LookedUp<Q extends z.ZodObject> = z.output<Q> & { looked?: Looked };

/** One list endpoint: what it validates, what it selects, how it filters and in which keyset order. */
export type ListSpec<Q extends z.ZodObject = z.ZodObject> = {
  path: string;
  /** Names its cursors (a cursor of one list is malformed on another) and its CSV file. */
  name: string;
  summary: string;
  query: Q;
  item: z.ZodObject;
  /** A table or view; the statements call it `t`, and conditions name its columns `t.<column>`. */
  from: string;
  /** The default order. */
  sort: readonly SortColumn[];
  direction: 'asc' | 'desc';
  /** Other orders, chosen by the query's `sort` parameter (its value names one). */
  orders?: Readonly<Record<string, ListOrder>>;
  /** Looks up what `where` needs beyond the parameters, before the statement is built. */
  lookup?: (query: z.output<Q>, lookups: ListLookups) => Promise<Looked>;
  where: (query: LookedUp<Q>, bind: Bind) => (string | false | undefined)[];
};

export type Statement = { sql: string; params: unknown[] };

/** The order a query asks for; its cursors are named after it, so one order's cursor is refused by another. */
export const orderOf = (
  spec: Pick<ListSpec, 'name' | 'sort' | 'direction' | 'orders'>,
  query: object,
): ListOrder & { cursorName: string } => {
  const chosen = (query as { sort?: unknown }).sort;
  const other = typeof chosen === 'string' ? spec.orders?.[chosen] : undefined;
  return other === undefined
    ? { sort: spec.sort, direction: spec.direction, cursorName: spec.name }
    : { ...other, cursorName: `${spec.name}:${String(chosen)}` };
};

const keyOf = (key: SortColumn) =>
  key.nullsLast === true ? `coalesce(t.${key.column}, 'infinity'::timestamptz)` : `t.${key.column}`;

/**
 * The rows of `spec` matching `query`, after `after` in keyset order, at most `limit` (null: all).
 * `json`: each row as one JSON text built by PostgreSQL (column `json`), so a page is sent without
 * parsing and serialising rows again; `rows`: the columns themselves.
 */
export const listSql = <Q extends z.ZodObject>(
  spec: ListSpec<Q>,
  query: LookedUp<Q>,
  after: SortKey | null,
  limit: number | null,
  shape: 'json' | 'rows',
): Statement => {
  const params: unknown[] = [];
  const bind: Bind = (value) => {
    params.push(value);
    return `$${params.length}`;
  };
  const order = orderOf(spec, query);
  const conditions = spec.where(query, bind).filter((c): c is string => typeof c === 'string');
  if (after) {
    const columns = order.sort.map(keyOf).join(', ');
    const values = order.sort.map((key, i) => `${bind(after[i])}::${key.kind}`).join(', ');
    conditions.push(`(${columns}) ${order.direction === 'desc' ? '<' : '>'} (${values})`);
  }
  const direction = order.direction === 'desc' ? 'DESC' : 'ASC';
  const sql = [
    shape === 'json'
      ? `SELECT row_to_json(p)::text AS json FROM ${spec.from} t CROSS JOIN LATERAL (SELECT ${selectList(spec.item, 't')}) p`
      : `SELECT ${selectList(spec.item, 't')} FROM ${spec.from} t`,
    conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '',
    `ORDER BY ${order.sort.map((key) => `${keyOf(key)} ${direction}`).join(', ')}`,
    // A literal, not a parameter: with `LIMIT $n` PostgreSQL costs a prepared statement's generic plan
    // for 10% of the table and re-plans every execution.
    limit === null ? '' : `LIMIT ${Math.trunc(limit)}`,
  ].join(' ');
  return { sql, params };
};

/** The cursor key of a row in an order (times as the exact ISO-8601 strings selectList makes). */
export const sortKeyOf = (order: ListOrder & { cursorName: string }, row: Record<string, unknown>): SortKey =>
  order.sort.map(({ column, nullsLast }) => {
    const value = row[column];
    if (typeof value === 'number' || typeof value === 'string') return value;
    if (value === null && nullsLast === true) return 'infinity';
    throw new Error(`${order.cursorName}: sort column ${column} is ${String(value)}`);
  });

/** created_from / created_to style conditions: a bare date covers its whole UTC day. */
export const timeRange = (
  column: string,
  from: string | undefined,
  to: string | undefined,
  bind: Bind,
): (string | false)[] => {
  const upper = to === undefined ? undefined : to.length === 10 ? nextDay(to) : to;
  return [
    from !== undefined &&
      `${column} >= ${bind(from.length === 10 ? `${from}T00:00:00Z` : from)}::timestamptz`,
    upper !== undefined && `${column} ${to!.length === 10 ? '<' : '<='} ${bind(upper)}::timestamptz`,
  ];
};

const nextDay = (date: string) => new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString();

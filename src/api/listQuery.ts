import type { z } from 'zod';
import type { KeyKind, SortKey } from './cursor.js';
import { selectList } from './rows.js';

/** Adds a bind parameter and answers its placeholder ($1, $2, ...). */
export type Bind = (value: unknown) => string;

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
  /** A unique, immutable key, so the order is total and stable while rows are added. */
  sort: readonly { column: string; kind: KeyKind }[];
  direction: 'asc' | 'desc';
  where: (query: z.output<Q>, bind: Bind) => (string | false | undefined)[];
};

export type Statement = { sql: string; params: unknown[] };

/**
 * The rows of `spec` matching `query`, after `after` in keyset order, at most `limit` (null: all).
 * `json`: each row as one JSON text built by PostgreSQL (column `json`), so a page is sent without
 * parsing and serialising rows again; `rows`: the columns themselves.
 */
export const listSql = <Q extends z.ZodObject>(
  spec: ListSpec<Q>,
  query: z.output<Q>,
  after: SortKey | null,
  limit: number | null,
  shape: 'json' | 'rows',
): Statement => {
  const params: unknown[] = [];
  const bind: Bind = (value) => {
    params.push(value);
    return `$${params.length}`;
  };
  const conditions = spec.where(query, bind).filter((c): c is string => typeof c === 'string');
  if (after) {
    const columns = spec.sort.map((key) => `t.${key.column}`).join(', ');
    const values = spec.sort.map((key, i) => `${bind(after[i])}::${key.kind}`).join(', ');
    conditions.push(`(${columns}) ${spec.direction === 'desc' ? '<' : '>'} (${values})`);
  }
  const direction = spec.direction === 'desc' ? 'DESC' : 'ASC';
  const sql = [
    shape === 'json'
      ? `SELECT row_to_json(p)::text AS json FROM ${spec.from} t CROSS JOIN LATERAL (SELECT ${selectList(spec.item, 't')}) p`
      : `SELECT ${selectList(spec.item, 't')} FROM ${spec.from} t`,
    conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '',
    `ORDER BY ${spec.sort.map((key) => `t.${key.column} ${direction}`).join(', ')}`,
    // A literal, not a parameter: with `LIMIT $n` PostgreSQL costs a prepared statement's generic plan
    // for 10% of the table and re-plans every execution.
    limit === null ? '' : `LIMIT ${Math.trunc(limit)}`,
  ].join(' ');
  return { sql, params };
};

/** The cursor key of a row (times as the exact ISO-8601 strings selectList makes). */
export const sortKeyOf = (spec: Pick<ListSpec, 'name' | 'sort'>, row: Record<string, unknown>): SortKey =>
  spec.sort.map(({ column }) => {
    const value = row[column];
    if (typeof value === 'number' || typeof value === 'string') return value;
    throw new Error(`${spec.name}: sort column ${column} is ${String(value)}`);
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

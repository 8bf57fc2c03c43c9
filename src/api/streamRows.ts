import type { z } from 'zod';
import type { Db, Row } from '../db/port.js';
import type { SortKey } from './cursor.js';
import { listSql, orderOf, sortKeyOf, type ListSpec, type LookedUp } from './listQuery.js';

const BATCH = 1000;

/**
 * Every row of a list query, `BATCH` at a time; the next batch is read only once `onBatch` has
 * resolved, so memory stays flat whatever the count. PostgreSQL: a server-side cursor in one read-only
 * transaction (one snapshot: the export is consistent). The embedded database has a single connection,
 * which an export must not hold for minutes, so it reads keyset pages instead.
 */
export const streamRows = async <Q extends z.ZodObject>(
  db: Db,
  spec: ListSpec<Q>,
  query: LookedUp<Q>,
  after: SortKey | null,
  limit: number | null,
  onBatch: (rows: Row[]) => Promise<void>,
): Promise<void> => {
  if (db.kind === 'embedded') return keysetPages(db, spec, query, after, limit, onBatch);
  const { sql, params } = listSql(spec, query, after, limit, 'rows');
  await db.transaction(async (tx) => {
    await tx.query('SET TRANSACTION READ ONLY');
    await tx.query(`DECLARE ledger_export NO SCROLL CURSOR FOR ${sql}`, params);
    for (;;) {
      const { rows } = await tx.query(`FETCH FORWARD ${BATCH} FROM ledger_export`);
      if (rows.length > 0) await onBatch(rows);
      if (rows.length < BATCH) return;
    }
  });
};

const keysetPages = async <Q extends z.ZodObject>(
  db: Db,
  spec: ListSpec<Q>,
  query: LookedUp<Q>,
  after: SortKey | null,
  limit: number | null,
  onBatch: (rows: Row[]) => Promise<void>,
): Promise<void> => {
  let remaining = limit ?? Number.POSITIVE_INFINITY;
  let last = after;
  while (remaining > 0) {
    const size = Math.min(BATCH, remaining);
    const { sql, params } = listSql(spec, query, last, size, 'rows');
    const { rows } = await db.query(sql, params);
    if (rows.length > 0) await onBatch(rows);
    if (rows.length < size) return;
    remaining -= rows.length;
    last = sortKeyOf(orderOf(spec, query), rows.at(-1)!);
  }
};

import type { Db, Queryable } from '../db/port.js';

/** Several reads that must agree (a payment and its refunds): one read-only, repeatable-read snapshot. */
export const inSnapshot = <T>(db: Db, work: (tx: Queryable) => Promise<T>): Promise<T> =>
  db.transaction(async (tx) => {
    await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
    return work(tx);
  });

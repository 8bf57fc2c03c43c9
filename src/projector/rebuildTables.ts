import type { Queryable } from '../db/port.js';
import type { Projection } from '../../projections/projection.js';

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;
const quoteIdentifier = (name: string): string => {
  if (!IDENTIFIER.test(name)) throw new Error(`invalid SQL identifier ${JSON.stringify(name)}`);
  return `"${name}"`;
};

/** The rebuild writes here, beside the live tables, and swaps its tables into `ledger` at the end. */
export const REBUILD_SCHEMA = 'ledger_rebuild';

export const createRebuildTables = async (db: Queryable, projections: readonly Projection[]) => {
  await db.query(`DROP SCHEMA IF EXISTS ${REBUILD_SCHEMA} CASCADE`);
  await db.query(`CREATE SCHEMA ${REBUILD_SCHEMA}`);
  for (const table of projections.flatMap((projection) => projection.tables)) {
    const name = quoteIdentifier(table);
    await db.query(`CREATE TABLE ${REBUILD_SCHEMA}.${name} (LIKE ledger.${name} INCLUDING ALL)`);
  }
};

/** Statistics for the rebuilt tables before they go live: a table without them is planned on defaults
 * (sequential scans, wrong join orders) until autovacuum analyzes it, a minute or more later. */
export const analyzeRebuildTables = async (db: Queryable, projections: readonly Projection[]) => {
  for (const table of projections.flatMap((projection) => projection.tables))
    await db.query(`ANALYZE ${REBUILD_SCHEMA}.${quoteIdentifier(table)}`);
};

export const dropRebuildTables = (db: Queryable) =>
  db.query(`DROP SCHEMA IF EXISTS ${REBUILD_SCHEMA} CASCADE`);

/** DROP TABLE waits for running queries on the old table, and every reader arriving meanwhile queues
 * behind it: the swap gives up after this long instead, rolls back, and is tried again (swapRetries). */
export const SWAP_LOCK_TIMEOUT_MS = 2000;
const SWAP_ATTEMPTS = 15;

/** Runs the swap transaction again when it gave up waiting for a lock (55P03), with a growing pause. */
export const withSwapRetries = async <T>(swap: () => Promise<T>): Promise<T> => {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await swap();
    } catch (error) {
      if ((error as { code?: unknown }).code !== '55P03' || attempt >= SWAP_ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.min(5000, 250 * attempt)));
    }
  }
};

/**
 * Inside the swap transaction: the rebuilt tables replace the live ones. DROP waits for running
 * queries on the old table (SWAP_LOCK_TIMEOUT_MS at most); queries queued behind it resolve the name
 * again and read the new one.
 */
export const swapTables = async (tx: Queryable, projections: readonly Projection[]) => {
  await tx.query(`SET LOCAL lock_timeout = ${SWAP_LOCK_TIMEOUT_MS}`);
  const { rows } = await tx.query<{ exists: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ledger_reader') AS exists`,
  );
  for (const table of projections.flatMap((projection) => projection.tables)) {
    const name = quoteIdentifier(table);
    await tx.query(`DROP TABLE ledger.${name}`);
    await tx.query(`ALTER TABLE ${REBUILD_SCHEMA}.${name} SET SCHEMA ledger`);
    if (rows[0]?.exists) await tx.query(`GRANT SELECT ON ledger.${name} TO ledger_reader`);
  }
  await tx.query(`DROP SCHEMA ${REBUILD_SCHEMA}`);
};

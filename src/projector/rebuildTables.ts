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

export const dropRebuildTables = (db: Queryable) =>
  db.query(`DROP SCHEMA IF EXISTS ${REBUILD_SCHEMA} CASCADE`);

/**
 * Inside the swap transaction: the rebuilt tables replace the live ones. DROP waits for running
 * queries on the old table; queries queued behind it resolve the name again and read the new one.
 */
export const swapTables = async (tx: Queryable, projections: readonly Projection[]) => {
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

import { randomBytes } from 'node:crypto';
import type { Db, Queryable } from '../db/port.js';
import type { Projection } from '../../projections/projection.js';

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;
const quoteIdentifier = (name: string): string => {
  if (!IDENTIFIER.test(name)) throw new Error(`invalid SQL identifier ${JSON.stringify(name)}`);
  return `"${name}"`;
};

/**
 * A rebuild writes into a schema of its own beside the live tables, `ledger_rebuild_<random>`, and swaps
 * its tables into `ledger` at the end. Of its own: a rebuild that lost its lock while a statement was on
 * its way (a network that froze, then came back) can only ever write into its own tables, never into
 * those of the rebuild that took the lock after it.
 */
export const newRebuildSchema = (): string => `ledger_rebuild_${randomBytes(6).toString('hex')}`;

/** Rebuild schemas, and `ledger_rebuild` of earlier versions. */
const REBUILD_SCHEMAS = `SELECT nspname AS name FROM pg_namespace WHERE nspname = 'ledger_rebuild' OR nspname LIKE 'ledger\\_rebuild\\_%' ORDER BY 1`;

/** A rebuild's schema is dropped without queueing behind locks: a rebuild that lost its lock may still
 * be in a statement on its tables. */
const DROP_LOCK_TIMEOUT_MS = 2000;

/** Drops a rebuild's schema, unless a session still holds a lock on it (55P03): that one is left. */
export const dropRebuildTables = async (db: Db, schema: string): Promise<void> => {
  try {
    await db.transaction(async (tx) => {
      await tx.query(`SET LOCAL lock_timeout = ${DROP_LOCK_TIMEOUT_MS}`);
      await tx.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`);
    });
  } catch (error) {
    if ((error as { code?: unknown }).code !== '55P03') throw error;
  }
};

/** What earlier rebuilds left behind (one that crashed, or lost its lock): run while holding the lock.
 * A schema still in use by a rebuild that lost its lock is left for the next one. */
export const dropLeftoverRebuilds = async (db: Db): Promise<void> => {
  const { rows } = await db.query<{ name: string }>(REBUILD_SCHEMAS);
  for (const { name } of rows) await dropRebuildTables(db, name);
};

/** The statements that build the indexes left out while the log is folded (createRebuildTables). */
export type DeferredIndexes = readonly string[];

/**
 * Tables the engine only writes by key while it rebuilds: the read-model and history tables of a
 * projection with no relink (which updates rows by payment_id). An afterWrite reads the state table
 * and the rows it is handed, never these. Their other indexes serve finance queries only, so they are
 * built once, from the whole table, after the fold: cheaper than keeping each up to date row by row.
 */
const indexesDeferredOn = (projections: readonly Projection[]): Set<string> =>
  new Set(
    projections
      .filter((projection) => !projection.fold.relink)
      .flatMap((projection) => [
        ...Object.keys(projection.rowTables),
        ...(projection.history ? [projection.history.table] : []),
      ]),
  );

type LiveIndex = { name: string; unique: boolean; definition: string; constraint: string | null };

/** The live table's indexes: their definitions, and the constraint an index backs (primary key, unique). */
const liveIndexes = async (db: Queryable, table: string): Promise<LiveIndex[]> =>
  (
    await db.query<LiveIndex>(
      `SELECT i.indexrelid::regclass::text AS name, i.indisunique AS unique,
              pg_get_indexdef(i.indexrelid) AS definition,
              CASE WHEN c.oid IS NULL THEN NULL
                   ELSE format('CONSTRAINT %I %s', c.conname, pg_get_constraintdef(c.oid)) END AS constraint
         FROM pg_index i
         LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid AND c.conrelid = i.indrelid
        WHERE i.indrelid = $1::regclass
        ORDER BY 1`,
      [`ledger.${table}`],
    )
  ).rows;

/** LIKE copies columns, defaults and constraints but not storage parameters (a fold-state table's
 * fillfactor, migration 0054): the rebuilt table gets the live one's. */
const copyStorageParameters = async (db: Queryable, table: string, rebuilt: string) => {
  const { rows } = await db.query<{ options: string | null }>(
    `SELECT array_to_string(reloptions, ', ') AS options FROM pg_class WHERE oid = $1::regclass`,
    [`ledger.${table}`],
  );
  const options = rows[0]?.options;
  if (options) await db.query(`ALTER TABLE ${rebuilt} SET (${options})`);
};

/**
 * Creates the rebuild's tables like the live ones, with each live index under its own name (a later
 * migration may name it), except the indexes it builds after the fold: those are returned.
 */
export const createRebuildTables = async (
  db: Queryable,
  projections: readonly Projection[],
  schema: string,
): Promise<DeferredIndexes> => {
  await db.query(`CREATE SCHEMA ${quoteIdentifier(schema)}`);
  const deferrable = indexesDeferredOn(projections);
  const deferred: string[] = [];
  for (const table of new Set(projections.flatMap((projection) => projection.tables))) {
    const name = quoteIdentifier(table);
    const rebuilt = `${quoteIdentifier(schema)}.${name}`;
    await db.query(`CREATE TABLE ${rebuilt} (LIKE ledger.${name} INCLUDING ALL EXCLUDING INDEXES)`);
    await copyStorageParameters(db, table, rebuilt);
    for (const index of await liveIndexes(db, table)) {
      if (index.constraint !== null) {
        await db.query(`ALTER TABLE ${rebuilt} ADD ${index.constraint}`);
        continue;
      }
      const live = ` ON ledger.${table} USING `;
      if (!index.definition.includes(live)) {
        throw new Error(`cannot rebuild index ${index.name}: unexpected definition ${index.definition}`);
      }
      const definition = index.definition.replace(live, ` ON ${schema}.${table} USING `);
      // Unique indexes stay: upserts and history's first-row-wins name them in ON CONFLICT.
      if (deferrable.has(table) && !index.unique) deferred.push(definition);
      else await db.query(definition);
    }
  }
  return deferred;
};

/** Builds the indexes left out while folding (before the rebuild catches up with the head and swaps). */
export const createDeferredIndexes = async (db: Queryable, deferred: DeferredIndexes) => {
  for (const definition of deferred) await db.query(definition);
};

/** Statistics for the rebuilt tables before they go live: a table without them is planned on defaults
 * (sequential scans, wrong join orders) until autovacuum analyzes it, a minute or more later. */
export const analyzeRebuildTables = async (
  db: Queryable,
  projections: readonly Projection[],
  schema: string,
) => {
  for (const table of projections.flatMap((projection) => projection.tables))
    await db.query(`ANALYZE ${quoteIdentifier(schema)}.${quoteIdentifier(table)}`);
};

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
export const swapTables = async (tx: Queryable, projections: readonly Projection[], schema: string) => {
  await tx.query(`SET LOCAL lock_timeout = ${SWAP_LOCK_TIMEOUT_MS}`);
  const { rows } = await tx.query<{ exists: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ledger_reader') AS exists`,
  );
  for (const table of projections.flatMap((projection) => projection.tables)) {
    const name = quoteIdentifier(table);
    await tx.query(`DROP TABLE ledger.${name}`);
    await tx.query(`ALTER TABLE ${quoteIdentifier(schema)}.${name} SET SCHEMA ledger`);
    if (rows[0]?.exists) await tx.query(`GRANT SELECT ON ledger.${name} TO ledger_reader`);
  }
  await tx.query(`DROP SCHEMA ${quoteIdentifier(schema)}`);
};

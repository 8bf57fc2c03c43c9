import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { migrationsDir } from '../paths.js';
import type { Db, Queryable } from './port.js';

export type Migration = { version: number; name: string; sql: string };

// Any fixed key: every process that migrates takes the same lock, so two starting at once serialise.
const MIGRATION_LOCK_KEY = 7_345_001;

export const loadMigrations = (dir = migrationsDir): Migration[] =>
  readdirSync(dir)
    .filter((file) => /^\d{4}_.+\.sql$/.test(file))
    .sort()
    .map((file) => ({
      version: Number(file.slice(0, 4)),
      name: file.replace(/\.sql$/, ''),
      sql: readFileSync(join(dir, file), 'utf8'),
    }));

/** The version of the newest of `migrations` (0 for none). */
const newestOf = (migrations: readonly Migration[]): number =>
  Math.max(0, ...migrations.map((migration) => migration.version));

let known: number | undefined;
/** The newest migration this version of the ledger ships. */
export const knownSchemaVersion = (): number => (known ??= newestOf(loadMigrations()));

/** The database holds tables a newer version of the ledger migrated: this one must not write them. */
export class NewerSchemaError extends Error {
  // Retried by a running projector (the newer version's process takes over once this one is stopped),
  // never recorded as a projection failure.
  readonly transient = true;
}

export type AppliedMigration = { version: number; name: string };

/** Throws NewerSchemaError when `newest`, the newest migration applied to a database, is one this
 * version (which knows them up to `knows`) does not ship. */
export const refuseNewerSchema = (
  newest: AppliedMigration | null | undefined,
  knows = knownSchemaVersion(),
): void => {
  if (!newest || newest.version <= knows) return;
  throw new NewerSchemaError(
    `the database was migrated by a newer stripe-ledger (its migration ${newest.name}; this version knows ` +
      `them up to ${String(knows).padStart(4, '0')}): run the newer version; to go back to this one, ` +
      'restore the database from a backup taken before the upgrade',
  );
};

/** The newest migration applied to the database, or null before the first. */
const newestApplied = async (db: Queryable) => {
  const { rows } = await db.query<AppliedMigration>(
    'SELECT version, name FROM public.stripe_ledger_migrations ORDER BY version DESC LIMIT 1',
  );
  return rows[0] ?? null;
};

/**
 * Throws NewerSchemaError when a newer version of the ledger has migrated the database: an older
 * process (one not stopped before an upgrade, or a rollback) would fold the new tables with old code
 * and stop every projection on what it cannot read, or skip events it does not know.
 */
export const assertSchemaKnown = async (db: Queryable): Promise<void> => {
  const newest = await newestApplied(db).catch((error: unknown) => {
    // Before the first migration there is no table to read.
    if ((error as { code?: unknown }).code === '42P01') return null;
    throw error;
  });
  refuseNewerSchema(newest);
};

/**
 * Applies the pending migrations in file order, all in one transaction under a transaction-scoped
 * advisory lock: a migration that fails leaves none of the pending ones applied. A migration is known by
 * its four-digit number (`version`), so two files must never share one. Refuses a database a newer
 * version migrated (NewerSchemaError). `onPending` hears which migrations are about to run (a long one
 * holds its tables meanwhile).
 */
export const migrate = async (
  db: Db,
  migrations = loadMigrations(),
  onPending?: (names: string[]) => void,
): Promise<string[]> => {
  const applied: string[] = [];
  await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await tx.query(`CREATE TABLE IF NOT EXISTS public.stripe_ledger_migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const { rows } = await tx.query<AppliedMigration>(
      'SELECT version, name FROM public.stripe_ledger_migrations ORDER BY version',
    );
    refuseNewerSchema(rows.at(-1), newestOf(migrations));
    const done = new Set(rows.map((row) => row.version));
    const pending = migrations.filter((migration) => !done.has(migration.version));
    if (pending.length > 0) onPending?.(pending.map((migration) => migration.name));
    for (const migration of migrations) {
      if (done.has(migration.version)) continue;
      await tx.query(migration.sql);
      await tx.query('INSERT INTO public.stripe_ledger_migrations (version, name) VALUES ($1, $2)', [
        migration.version,
        migration.name,
      ]);
      applied.push(migration.name);
    }
  });
  return applied;
};

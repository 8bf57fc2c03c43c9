import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { migrationsDir } from '../paths.js';
import type { Db } from './port.js';

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

/**
 * Applies the pending migrations in file order, all in one transaction under a transaction-scoped
 * advisory lock: a migration that fails leaves none of the pending ones applied. A migration is known by
 * its four-digit number (`version`), so two files must never share one.
 */
export const migrate = async (db: Db, migrations = loadMigrations()): Promise<string[]> => {
  const applied: string[] = [];
  await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await tx.query(`CREATE TABLE IF NOT EXISTS public.stripe_ledger_migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const { rows } = await tx.query<{ version: number }>(
      'SELECT version FROM public.stripe_ledger_migrations',
    );
    const done = new Set(rows.map((row) => row.version));
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

import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { loadMigrations, migrate } from '../../src/db/migrate.js';
import { pgDb } from '../../src/db/pg.js';
import { pgliteDb } from '../../src/db/pglite.js';
import type { Db } from '../../src/db/port.js';

/**
 * Where this run's databases live, decided once by globalSetup.cjs: PostgreSQL when it answers, else
 * the embedded database (in memory, one per test database).
 */
export const testDatabaseKind: 'postgres' | 'embedded' =
  process.env.STRIPE_LEDGER_TEST_DATABASE === 'embedded' ? 'embedded' : 'postgres';

/** PostgreSQL the tests create their databases on: trust auth on this machine, overridable. */
export const adminUrl = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export const urlFor = (database: string): string => {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
};

const admin = async <T>(work: (client: pg.Client) => Promise<T>): Promise<T> => {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
};

/**
 * On the embedded database `url` is `embedded://<name>`: no process can connect to it, but
 * startLedger(url) serves this very database in process (see embeddedTestDatabase).
 */
export type TestDatabase = { name: string; url: string; db: Db; drop: () => Promise<void> };

const EMBEDDED_URL = 'embedded://';
const embeddedDatabases = new Map<string, Db>();

/** The embedded test database an `embedded://` url names, while it is not dropped. */
export const embeddedTestDatabase = (url: string): Db | undefined =>
  url.startsWith(EMBEDDED_URL) ? embeddedDatabases.get(url) : undefined;

const createEmbeddedTestDatabase = async (options: { migrated?: boolean }): Promise<TestDatabase> => {
  // globalSetup.cjs leaves a dump of a fresh cluster: loading it is faster than initdb.
  const template = process.env.STRIPE_LEDGER_EMBEDDED_TEMPLATE;
  const db = await pgliteDb(template ? { loadDataDir: new Blob([readFileSync(template)]) } : {});
  if (options.migrated !== false) await migrate(db);
  const name = `embedded_${randomBytes(6).toString('hex')}`;
  const url = `${EMBEDDED_URL}${name}`;
  embeddedDatabases.set(url, db);
  return {
    name,
    url,
    db,
    drop: async () => {
      embeddedDatabases.delete(url);
      await db.close();
    },
  };
};

/** A fresh, migrated database of its own for one test file, so files run in parallel. */
export const createTestDatabase = async (options: { migrated?: boolean } = {}): Promise<TestDatabase> => {
  if (testDatabaseKind === 'embedded') return createEmbeddedTestDatabase(options);
  const name = `sl_test_${randomBytes(6).toString('hex')}`;
  await admin((client) => client.query(`CREATE DATABASE ${name}`));
  const url = urlFor(name);
  const db = pgDb({ connectionString: url, max: 20 });
  if (options.migrated !== false) await migrate(db);
  return {
    name,
    url,
    db,
    drop: async () => {
      await db.close().catch(() => undefined);
      await admin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
};

/** A fresh database migrated up to, not including, `version`: what a migration finds on upgrade. */
export const createTestDatabaseBefore = async (version: number): Promise<TestDatabase> => {
  const database = await createTestDatabase({ migrated: false });
  await migrate(
    database.db,
    loadMigrations().filter((m) => m.version < version),
  );
  return database;
};

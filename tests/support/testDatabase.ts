import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { migrate } from '../../src/db/migrate.js';
import { pgDb } from '../../src/db/pg.js';
import type { Db } from '../../src/db/port.js';

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

export type TestDatabase = { name: string; url: string; db: Db; drop: () => Promise<void> };

/** A fresh, migrated database of its own for one test file, so files run in parallel. */
export const createTestDatabase = async (options: { migrated?: boolean } = {}): Promise<TestDatabase> => {
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

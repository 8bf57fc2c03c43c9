import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { loadMigrations } from '../src/db/migrate.js';
import { startLedger } from './support/ledgerServer.js';
import { seededLedger, type SeededLedger } from './support/seededLedger.js';
import { adminUrl, createTestDatabase } from './support/testDatabase.js';
import { describeWithPostgres } from './support/needsPostgres.js';

let ledger: SeededLedger;
beforeAll(async () => {
  ledger = await seededLedger({ seed: 67, payments: 20 });
});
afterAll(async () => {
  await ledger?.close();
});

const READ_MODELS = ['payments', 'orders', 'payment_status_history', 'refunds', 'disputes'];

/** Runs `work` in a session that has SET ROLE ledger_reader, rolled back at the end. */
const asReader = async <T>(work: (client: pg.Client) => Promise<T>): Promise<T> => {
  const client = new pg.Client({ connectionString: ledger.database.url });
  await client.connect();
  try {
    await client.query('SET ROLE ledger_reader');
    return await work(client);
  } finally {
    await client.end();
  }
};

const denied = async (client: pg.Client, sql: string) => {
  await client.query('SAVEPOINT attempt').catch(() => undefined);
  const error = await client.query(sql).then(
    () => null,
    (e: { code?: string }) => e,
  );
  return error?.code;
};

describeWithPostgres('it logs in as a PostgreSQL role')('the ledger_reader role', () => {
  it('reads every read model', async () => {
    await asReader(async (client) => {
      for (const table of READ_MODELS) {
        const { rows } = await client.query(`SELECT count(*)::int AS count FROM ledger.${table}`);
        expect([table, rows[0].count > 0]).toEqual([table, true]);
      }
    });
  });

  it('cannot write the read models, create tables, or read the event store', async () => {
    await asReader(async (client) => {
      await client.query('BEGIN');
      for (const table of READ_MODELS) {
        expect(await denied(client, `DELETE FROM ledger.${table}`)).toBe('42501');
        await client.query('ROLLBACK TO SAVEPOINT attempt');
        expect(
          await denied(
            client,
            `UPDATE ledger.${table} SET ${table === 'orders' ? 'order_id' : 'payment_id'} = 'x'`,
          ),
        ).toBe('42501');
        await client.query('ROLLBACK TO SAVEPOINT attempt');
      }
      expect(await denied(client, `INSERT INTO ledger.refunds (refund_id) VALUES ('re_x')`)).toBe('42501');
      await client.query('ROLLBACK TO SAVEPOINT attempt');
      expect(await denied(client, 'CREATE TABLE ledger.sneaky (id int)')).toBe('42501');
      await client.query('ROLLBACK TO SAVEPOINT attempt');
      expect(await denied(client, 'SELECT * FROM eventstore.events LIMIT 1')).toBe('42501');
      await client.query('ROLLBACK TO SAVEPOINT attempt');
      expect(await denied(client, 'SELECT * FROM eventstore.charge_links LIMIT 1')).toBe('42501');
      await client.query('ROLLBACK');
    });
  });

  it('reads tables created in schema ledger later', async () => {
    await ledger.database.db.query(
      'CREATE TABLE ledger.api_test_future (id int); INSERT INTO ledger.api_test_future VALUES (1)',
    );
    try {
      await asReader(async (client) => {
        expect((await client.query('SELECT id FROM ledger.api_test_future')).rows).toEqual([{ id: 1 }]);
      });
    } finally {
      await ledger.database.db.query('DROP TABLE ledger.api_test_future');
    }
  });

  it('is created safely when several databases migrate at once', async () => {
    // The same migration under a role of its own, so its creation race really happens here.
    const role = `ledger_reader_race_${randomBytes(4).toString('hex')}`;
    const sql = loadMigrations()
      .find((m) => m.name === '0020_ledger_reader')!
      .sql.replaceAll('ledger_reader', role);
    const databases = await Promise.all([1, 2, 3, 4].map(() => createTestDatabase()));
    try {
      await Promise.all(
        databases.map(({ db }) =>
          db.transaction(async (tx) => {
            await tx.query(sql);
            await tx.query('SELECT pg_sleep(0.1)');
          }),
        ),
      );
      for (const { db } of databases) {
        const { rows } = await db.query(`SELECT has_table_privilege($1, 'ledger.payments', 'SELECT') AS ok`, [
          role,
        ]);
        expect(rows[0]!.ok).toBe(true);
      }
    } finally {
      await Promise.all(databases.map((database) => database.drop()));
      const admin = new pg.Client({ connectionString: adminUrl });
      await admin.connect();
      await admin.query(`DROP ROLE IF EXISTS ${role}`);
      await admin.end();
    }
  });

  it('can log in once LEDGER_READER_PASSWORD is set, at serve start', async () => {
    const server = await startLedger(ledger.database.url, {
      role: 'web',
      env: { LEDGER_READER_PASSWORD: 'reader-secret-42' },
    });
    await server.stop();
    const { rows } = await ledger.database.db.query<{ rolcanlogin: boolean; rolpassword: string }>(
      `SELECT rolcanlogin, rolpassword FROM pg_authid WHERE rolname = 'ledger_reader'`,
    );
    expect(rows[0]!.rolcanlogin).toBe(true);
    expect(rows[0]!.rolpassword).toMatch(/^SCRAM-SHA-256\$/);
    const url = new URL(ledger.database.url);
    url.username = 'ledger_reader';
    url.password = 'reader-secret-42';
    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    try {
      expect((await client.query('SELECT current_user AS who')).rows[0].who).toBe('ledger_reader');
      await expect(client.query('SELECT 1 FROM eventstore.events')).rejects.toMatchObject({ code: '42501' });
    } finally {
      await client.end();
      await ledger.database.db.query('ALTER ROLE ledger_reader NOLOGIN PASSWORD NULL');
    }
  });
});

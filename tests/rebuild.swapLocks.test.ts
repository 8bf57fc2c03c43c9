import pg from 'pg';
import { sampleLifecycles, storeEvents } from './support/dbTesting.js';
import { runCli } from './support/cli.js';
import { describeWithPostgres } from './support/needsPostgres.js';
import { createTestDatabase, type TestDatabase } from './support/testDatabase.js';
import { waitFor } from './support/waitFor.js';

describeWithPostgres('readers and the rebuild are separate PostgreSQL sessions')(
  'the rebuild swap behind a long-running read',
  () => {
    let database: TestDatabase;
    beforeAll(async () => {
      database = await createTestDatabase();
      await storeEvents(
        database.db,
        sampleLifecycles(10, 7).flatMap((lifecycle) => lifecycle.events),
      );
      expect(
        (await runCli(['projections', 'rebuild', 'payments'], { DATABASE_URL: database.url })).code,
      ).toBe(0);
    });
    afterAll(async () => {
      await database.drop();
    });

    const session = async () => {
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      return client;
    };

    it('never leaves other readers queued behind it for long, and swaps once the long read ends', async () => {
      const longRead = await session();
      const reader = await session();
      try {
        await longRead.query('BEGIN');
        await longRead.query('SELECT count(*) FROM ledger.payments');
        const rebuild = runCli(['projections', 'rebuild', 'payments'], { DATABASE_URL: database.url });
        await waitFor(
          async () =>
            (
              await database.db.query<{ n: number }>(
                `SELECT count(*)::int AS n FROM pg_stat_activity
                  WHERE datname = current_database() AND query LIKE 'DROP TABLE ledger.%'`,
              )
            ).rows[0]!.n > 0,
          { what: 'the swap to try its DROP', timeoutMs: 60_000 },
        );
        // Readers keep reading while the swap waits: it gives way instead of queueing them behind it.
        await reader.query(`SET statement_timeout = 10000`);
        for (let i = 0; i < 3; i += 1) await reader.query('SELECT count(*) FROM ledger.payments');
        await longRead.query('COMMIT');
        const result = await rebuild;
        expect(result.stderr).toMatch(/^stripe-ledger: using PostgreSQL at [^\n]+\n$/);
        expect(result.code).toBe(0);
      } finally {
        await longRead.end();
        await reader.end();
      }
    }, 120_000);
  },
);

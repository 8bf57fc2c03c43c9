import { createTestDatabase, type TestDatabase } from '../../tests/support/testDatabase.js';
import { waitFor } from '../../tests/support/waitFor.js';
import { describeWithPostgres } from '../../tests/support/needsPostgres.js';
import { pgDb, MAX_PREPARED_TEXTS } from './pg.js';
import { PREPARED } from './port.js';

describeWithPostgres('terminating backends needs a real PostgreSQL server')('pg data-access port', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database.drop();
  });

  it('keeps listening after its connection is killed, and signals once it is back', async () => {
    const payloads: string[] = [];
    const stop = await database.db.listen('test_channel', (payload) => payloads.push(payload));
    try {
      await database.db.query(`SELECT pg_notify('test_channel', 'before')`);
      await waitFor(() => payloads.includes('before'), { what: 'the first notification' });
      await database.db.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'LISTEN%' AND datname = current_database()`,
      );
      await waitFor(() => payloads.includes(''), { what: 'the signal after reconnecting' });
      await database.db.query(`SELECT pg_notify('test_channel', 'after')`);
      await waitFor(() => payloads.includes('after'), { what: 'a notification after the reconnect' });
    } finally {
      await stop();
    }
  });

  it('grants a lease to one session at a time and frees it when the holder goes', async () => {
    const first = await database.db.tryLease('test-lease');
    expect(first).not.toBeNull();
    expect(await database.db.tryLease('test-lease')).toBeNull();
    await first!.release();
    const second = await database.db.tryLease('test-lease');
    expect(second).not.toBeNull();
    await second!.release();
  });

  it('keeps a statement marked prepared parsed on the connection, and one not marked is not', async () => {
    await database.db.withConnection(async (client) => {
      await client.query('SELECT $1::int + 1 AS two', [1], PREPARED);
      await client.query('SELECT $1::int + 2 AS three', [1]);
      const { rows } = await client.query<{ statement: string }>(
        'SELECT statement FROM pg_prepared_statements ORDER BY statement',
      );
      expect(rows.map((row) => row.statement)).toEqual(['SELECT $1::int + 1 AS two']);
      // The second run by name answers as the first did.
      expect((await client.query('SELECT $1::int + 1 AS two', [41], PREPARED)).rows).toEqual([{ two: 42 }]);
    });
  });

  it('runs texts past its cap of prepared statements unprepared, and still answers them', async () => {
    const db = pgDb({ connectionString: database.url, max: 1 });
    try {
      await db.withConnection(async (client) => {
        for (let i = 0; i <= MAX_PREPARED_TEXTS; i += 1) {
          expect((await client.query(`SELECT $1::int + ${i} AS n`, [1], PREPARED)).rows).toEqual([
            { n: i + 1 },
          ]);
        }
        const { rows } = await client.query<{ count: string }>('SELECT count(*) FROM pg_prepared_statements');
        expect(Number(rows[0]!.count)).toBe(MAX_PREPARED_TEXTS);
      });
    } finally {
      await db.close();
    }
  });
});

import { createTestDatabase, type TestDatabase } from '../../tests/support/testDatabase.js';
import { waitFor } from '../../tests/support/waitFor.js';
import { describeWithPostgres } from '../../tests/support/needsPostgres.js';

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
});

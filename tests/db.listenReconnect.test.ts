import { pgDb } from '../src/db/pg.js';
import type { Db } from '../src/db/port.js';
import { describeWithPostgres } from './support/needsPostgres.js';
import { proxyInFront, type TcpProxy } from './support/tcpProxy.js';
import { createTestDatabase, type TestDatabase } from './support/testDatabase.js';
import { waitFor } from './support/waitFor.js';

describeWithPostgres('a listener reached through a TCP proxy')('LISTEN across a database outage', () => {
  let database: TestDatabase;
  let proxy: TcpProxy;
  let db: Db;
  beforeAll(async () => {
    database = await createTestDatabase();
    const proxied = await proxyInFront(database.url);
    proxy = proxied.proxy;
    db = pgDb({ connectionString: proxied.url, max: 2 });
  });
  afterAll(async () => {
    await db?.close();
    await proxy?.close();
    await database?.drop();
  });

  it('retries one connection at a time with backoff while a proxy drops each one, then hears notifications again', async () => {
    const heard: string[] = [];
    const stop = await db.listen('ledger_test_wake', (payload) => heard.push(payload));
    try {
      await database.db.query(`NOTIFY ledger_test_wake, 'before'`);
      await waitFor(() => heard.includes('before'), { what: 'the first notification' });

      // Accepted and dropped at once, as a pooler in front of a database that is down answers.
      const before = proxy.accepted();
      proxy.dropEach();
      await waitFor(() => proxy.accepted() - before >= 4, {
        what: 'four reconnect attempts',
        timeoutMs: 20_000,
      });
      const attempts = proxy.accepted() - before;
      await proxy.restore();
      // Back: the listener says so once (notifications sent meanwhile were lost) and hears new ones.
      await waitFor(() => heard.includes(''), { what: 'the reconnect signal', timeoutMs: 20_000 });
      await database.db.query(`NOTIFY ledger_test_wake, 'after'`);
      await waitFor(() => heard.includes('after'), { what: 'a notification after the outage' });
      // One loop, backing off: a handful of attempts, not a storm of them.
      expect(attempts).toBeLessThan(12);
      const { rows } = await database.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%'`,
      );
      expect(rows[0]?.n).toBe(1);
    } finally {
      await stop();
    }
  }, 60_000);
});

import net from 'node:net';
import { type TestServer, startLedger } from './support/ledgerServer.js';
import { describeWithPostgres } from './support/needsPostgres.js';
import { postWebhook } from './support/stripeEvents.js';
import { paymentIntentSucceeded } from './support/syntheticEvents.js';
import { createTestDatabase, type TestDatabase } from './support/testDatabase.js';
import { waitFor } from './support/waitFor.js';

const ROWS = 60_000;

/** A CSV export whose client sends its request and then reads nothing (on 127.0.0.1). */
const stalledExport = (
  url: string,
): Promise<{ socket: net.Socket; closed: () => boolean; received: () => string }> =>
  new Promise((resolve, reject) => {
    const socket = net.connect(Number(new URL(url).port), '127.0.0.1');
    let closed = false;
    let received = '';
    socket.on('data', (chunk) => (received += chunk.toString()));
    socket.on('close', () => (closed = true));
    socket.on('error', () => undefined);
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.pause();
      socket.write(
        'GET /api/payments?format=csv HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer test-token-0123456789\r\n\r\n',
      );
      resolve({ socket, closed: () => closed, received: () => received });
    });
  });

describeWithPostgres('exports hold PostgreSQL sessions')('CSV exports whose clients stop reading', () => {
  let database: TestDatabase;
  let server: TestServer;
  beforeAll(async () => {
    database = await createTestDatabase();
    await database.db.query(
      `INSERT INTO ledger.payments (payment_id, livemode, customer_id, currency, amount, amount_received,
         amount_refunded, status, payment_status, created_at, updated_at, last_stripe_event_id)
       SELECT 'pi_export_' || i, false, 'cus_' || i, 'eur', 1000 + i, 1000 + i, 0, 'succeeded', 'paid',
              now() - i * interval '1 second', now(), 'evt_export_' || i
         FROM generate_series(1, ${ROWS}) AS i`,
    );
    server = await startLedger(database.url, { role: 'web' });
  });
  afterAll(async () => {
    await server?.stop();
    await database.drop();
  });

  const exportSessions = async () =>
    (
      await database.db.query<{ count: number }>(
        `SELECT count(*)::int AS count FROM pg_stat_activity
          WHERE datname = current_database() AND state LIKE '%transaction%' AND query LIKE '%ledger_export%'`,
      )
    ).rows[0]!.count;

  it('ends them and frees their database sessions, refuses exports past the pool at once, and serves webhooks and pages meanwhile', async () => {
    const exports = await Promise.all(Array.from({ length: 4 }, () => stalledExport(server.url)));
    try {
      await waitFor(async () => (await exportSessions()) === 4, {
        what: 'the exports to hold their sessions',
      });
      expect((await postWebhook(server.url, paymentIntentSucceeded().body)).status).toBe(200);
      const page = await fetch(`${server.url}/api/payments?limit=10`, {
        headers: { authorization: 'Bearer test-token-0123456789' },
      });
      expect(page.status).toBe(200);

      // Every export slot is taken: one more is told at once to come back, and nothing else is held up.
      const refused = await fetch(`${server.url}/api/payments?format=csv`, {
        headers: { authorization: 'Bearer test-token-0123456789' },
      });
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('10');
      expect(await refused.json()).toEqual({
        error: {
          code: 'exports_busy',
          message: '4 CSV exports are running, the most at once: retry in 10 s',
        },
      });

      // The server ends each export: its session goes back, and once the client reads again it finds
      // the connection closed before the end of the chunked body (a truncated export never looks whole).
      await waitFor(async () => (await exportSessions()) === 0, {
        what: 'the stalled exports to free their sessions',
        timeoutMs: 45_000,
        intervalMs: 250,
      });
      for (const stalled of exports) stalled.socket.resume();
      await waitFor(() => exports.every((stalled) => stalled.closed()), { what: 'the exports to be closed' });
      for (const stalled of exports) expect(stalled.received().endsWith('\r\n0\r\n\r\n')).toBe(false);
      // Their slots are free again: the next export runs to its end.
      const next = await fetch(`${server.url}/api/payments?format=csv&limit=5`, {
        headers: { authorization: 'Bearer test-token-0123456789' },
      });
      expect(next.status).toBe(200);
      expect((await next.text()).trim().split('\r\n')).toHaveLength(6);
    } finally {
      for (const stalled of exports) stalled.socket.destroy();
    }
  });
});

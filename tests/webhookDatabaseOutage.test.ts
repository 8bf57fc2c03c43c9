import { capturedLogger } from './support/capturedLogger.js';
import { type TestServer, startLedger } from './support/ledgerServer.js';
import { storedCopies, storedEventCount } from './support/storedEvents.js';
import { paymentIntentSucceeded } from './support/syntheticEvents.js';
import { postWebhook, signatureFor } from './support/stripeEvents.js';
import { proxyInFront, type TcpProxy } from './support/tcpProxy.js';
import { createTestDatabase, type TestDatabase } from './support/testDatabase.js';
import { waitFor } from './support/waitFor.js';
import { describeWithPostgres } from './support/needsPostgres.js';
import { TOKEN } from './support/queryApi.js';

const unavailable = {
  status: 503,
  body: { error: { code: 'store_unavailable', message: expect.any(String) } },
};

/** The server reaches PostgreSQL through a proxy the test cuts; the test itself reads the database directly. */
describeWithPostgres('the outage is a TCP proxy in front of a PostgreSQL server')(
  'POST /api/webhooks/stripe while the database is unreachable',
  () => {
    let database: TestDatabase;
    let proxy: TcpProxy;
    let server: TestServer;
    const log = capturedLogger();
    beforeAll(async () => {
      database = await createTestDatabase();
      let url: string;
      ({ proxy, url } = await proxyInFront(database.url));
      server = await startLedger(url, { role: 'web', logger: log.logger });
    });
    afterAll(async () => {
      await server?.stop();
      await proxy?.close();
      await database.drop();
    });
    afterEach(async () => {
      await proxy.restore().catch(() => undefined);
    });

    const health = async () => (await fetch(`${server.url}/api/webhooks/health`)).status;

    it('answers 503 and stores nothing during the outage, then accepts the same delivery once the database is back', async () => {
      // Connections in the pool before the outage, so the cut tears down live ones too.
      expect((await postWebhook(server.url, paymentIntentSucceeded().body)).status).toBe(200);
      const before = await storedEventCount(database.db);

      await proxy.cut();
      const event = paymentIntentSucceeded();
      const header = signatureFor(event.body);
      expect(await postWebhook(server.url, event.body, header)).toEqual(unavailable);
      // The operator's log says why, at warn.
      await waitFor(() => log.lines.some((line) => line.stripe_event_id === event.id), {
        what: 'the 503 request line',
      });
      expect(log.lines.find((line) => line.stripe_event_id === event.id)).toMatchObject({
        level: 40,
        status: 503,
        outcome: 'store_unavailable',
        error: expect.any(String),
      });
      expect(await health()).toBe(503);
      expect(await storedCopies(database.db, event.id)).toEqual([]);
      expect(await storedEventCount(database.db)).toBe(before);

      await proxy.restore();
      // Stripe retries the delivery exactly as it was: same bytes, same signature.
      expect(await postWebhook(server.url, event.body, header)).toEqual({
        status: 200,
        body: { received: true, event_id: expect.any(String) },
      });
      expect(await storedCopies(database.db, event.id)).toHaveLength(1);
      // Health is cached for a second: the 503 it gave during the outage may still be served.
      await waitFor(async () => (await health()) === 200, { what: 'health to answer 200 again' });
    });

    it('answers 503 to every one of a burst of deliveries during the outage, and stores each once after it', async () => {
      const events = Array.from({ length: 30 }, () => paymentIntentSucceeded());
      const headers = events.map((event) => signatureFor(event.body));
      const before = await storedEventCount(database.db);

      await proxy.cut();
      const during = await Promise.all(
        events.map((event, i) => postWebhook(server.url, event.body, headers[i])),
      );
      expect(during).toEqual(events.map(() => unavailable));
      expect(await storedEventCount(database.db)).toBe(before);

      await proxy.restore();
      const after = await Promise.all(
        events.map((event, i) => postWebhook(server.url, event.body, headers[i])),
      );
      expect(after.map((response) => response.status)).toEqual(events.map(() => 200));
      expect(await storedEventCount(database.db)).toBe(before + events.length);
    });

    it('says database_up 0 in its metrics during the outage, and 1 again after it', async () => {
      const up = async () => {
        const text = await (await fetch(`${server.url}/metrics`)).text();
        return /^stripe_ledger_database_up (\d)$/m.exec(text)?.[1];
      };
      expect(await up()).toBe('1');
      await proxy.cut();
      await waitFor(async () => (await up()) === '0', { what: 'the metrics to say the database is down' });
      await proxy.restore();
      await waitFor(async () => (await up()) === '1', { what: 'the metrics to say the database is back' });
    });

    it('answers finance queries 503 database_unavailable with Retry-After during the outage, 200 after it', async () => {
      const page = () =>
        fetch(`${server.url}/api/payments?limit=5`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect((await page()).status).toBe(200);
      await proxy.cut();
      const during = await page();
      expect(during.status).toBe(503);
      expect(during.headers.get('retry-after')).toBe('5');
      expect(await during.json()).toEqual({
        error: {
          code: 'database_unavailable',
          message: 'the database does not answer right now; retry shortly',
        },
      });
      await proxy.restore();
      expect((await page()).status).toBe(200);
    });

    it('answers 503 to a delivery whose connection is cut while its request is in flight', async () => {
      const event = paymentIntentSucceeded();
      const header = signatureFor(event.body);
      // Hold the head row, so the server's append waits inside its transaction when the cut comes.
      const held = database.db.transaction(async (tx) => {
        await tx.query('SELECT position FROM eventstore.head FOR UPDATE');
        const response = postWebhook(server.url, event.body, header);
        await waitForWaitingAppend(database);
        await proxy.cut();
        return response;
      });
      expect(await held).toEqual(unavailable);
      expect(await storedCopies(database.db, event.id)).toEqual([]);

      await proxy.restore();
      expect((await postWebhook(server.url, event.body, header)).status).toBe(200);
      expect(await storedCopies(database.db, event.id)).toHaveLength(1);
    });
  },
);

/** Waits until a server session is blocked on the head-row lock. */
const waitForWaitingAppend = async (database: TestDatabase) => {
  await waitFor(
    async () => {
      const { rows } = await database.db.query<{ waiting: number }>(
        `SELECT count(*)::int AS waiting FROM pg_stat_activity
          WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%eventstore.head%'`,
      );
      return rows[0]!.waiting > 0;
    },
    { what: 'the server append to wait on the head row' },
  );
};

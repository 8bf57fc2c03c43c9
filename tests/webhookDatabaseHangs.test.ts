import { type TestServer, startLedger } from './support/ledgerServer.js';
import { describeWithPostgres } from './support/needsPostgres.js';
import { storedCopies } from './support/storedEvents.js';
import { paymentIntentSucceeded } from './support/syntheticEvents.js';
import { signatureFor } from './support/stripeEvents.js';
import { proxyInFront, type TcpProxy } from './support/tcpProxy.js';
import { createTestDatabase, type TestDatabase } from './support/testDatabase.js';
import { waitFor } from './support/waitFor.js';
import { TOKEN } from './support/queryApi.js';

// SPEC section 3: a database that hangs gets the answer of one that is down, within these deadlines.
const DELIVERY_DEADLINE_MS = 10_000;
const HEALTH_DEADLINE_MS = 5_000;

/** A request that must be answered within `ms`: no answer at all fails the test (fetch aborts). */
const answeredWithin = async (ms: number, url: string, init: RequestInit = {}) => {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(ms) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

const deliver = (url: string, body: string, header: string) =>
  answeredWithin(DELIVERY_DEADLINE_MS, `${url}/api/webhooks/stripe`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', 'stripe-signature': header },
  });

/** The server reaches PostgreSQL through a proxy that freezes: connections open, nothing answers. */
describeWithPostgres('the hang is a TCP proxy in front of a PostgreSQL server')(
  'the ledger while its database hangs',
  () => {
    let database: TestDatabase;
    let proxy: TcpProxy;
    let server: TestServer;
    beforeAll(async () => {
      database = await createTestDatabase();
      let url: string;
      ({ proxy, url } = await proxyInFront(database.url));
      server = await startLedger(url, { role: 'all' });
    });
    afterAll(async () => {
      await proxy?.restore();
      await server?.stop();
      await proxy?.close();
      await database.drop();
    });

    it('answers every delivery 503 within 10 s and health 503 within 5 s, then accepts and projects the redeliveries without a restart', async () => {
      const warmup = paymentIntentSucceeded();
      expect((await deliver(server.url, warmup.body, signatureFor(warmup.body))).status).toBe(200);

      proxy.freeze();
      const events = Array.from({ length: 40 }, () => paymentIntentSucceeded());
      const headers = events.map((event) => signatureFor(event.body));
      // Deliveries keep coming while the database hangs: two waves, the second after the first failed.
      const first = await Promise.all(
        events.slice(0, 20).map((e, i) => deliver(server.url, e.body, headers[i]!)),
      );
      const health = await answeredWithin(HEALTH_DEADLINE_MS, `${server.url}/api/webhooks/health`);
      const second = await Promise.all(
        events.slice(20).map((e, i) => deliver(server.url, e.body, headers[20 + i]!)),
      );
      expect([...first, ...second].map((answer) => answer.status)).toEqual(events.map(() => 503));
      expect(health).toMatchObject({ status: 503, body: { status: 'unavailable', database: { ok: false } } });

      await proxy.restore();
      // Stripe retries each delivery exactly as it was; the ledger recovers by itself.
      await waitFor(async () => (await deliver(server.url, events[0]!.body, headers[0]!)).status === 200, {
        what: 'a redelivery to be accepted once the database answers',
        timeoutMs: 30_000,
        intervalMs: 250,
      });
      const after = await Promise.all(events.map((e, i) => deliver(server.url, e.body, headers[i]!)));
      expect(after.map((answer) => answer.status)).toEqual(events.map(() => 200));
      for (const event of events) expect(await storedCopies(database.db, event.id)).toHaveLength(1);
      await waitFor(
        async () => {
          const { rows } = await database.db.query<{ count: number }>(
            'SELECT count(*)::int AS count FROM ledger.payments WHERE payment_id = ANY($1)',
            [events.map((event) => event.paymentIntentId)],
          );
          return rows[0]!.count === events.length;
        },
        { what: 'every redelivered payment to be projected', timeoutMs: 60_000, intervalMs: 250 },
      );
      expect((await answeredWithin(HEALTH_DEADLINE_MS, `${server.url}/api/webhooks/health`)).status).toBe(
        200,
      );
    });

    it('answers finance requests 503 within 10 s while the database hangs, and answers them again once it is back', async () => {
      const auth = { headers: { authorization: `Bearer ${TOKEN}` } };
      const paths = [
        '/api/payments?limit=5',
        '/api/orders',
        '/api/reports/daily?from=2024-01-01&to=2024-12-31',
        '/api/payments?format=csv&limit=5',
        '/api/journal/balances',
      ];
      const ask = (path: string) =>
        fetch(`${server.url}${path}`, { ...auth, signal: AbortSignal.timeout(DELIVERY_DEADLINE_MS) });
      // Every path answered once: the finance pool holds idle connections, which a hang leaves open.
      for (const path of paths) expect((await ask(path)).status).toBe(200);

      proxy.freeze();
      const during = await Promise.all([...paths, ...paths].map(ask));
      expect(during.map((answer) => answer.status)).toEqual([...paths, ...paths].map(() => 503));
      const body = (await during[0]!.json()) as { error: { code: string } };
      expect(body.error.code).toBe('database_unavailable');
      expect(during[0]!.headers.get('retry-after')).toBe('5');

      await proxy.restore();
      await waitFor(async () => (await ask(paths[0]!)).status === 200, {
        what: 'finance answers once the database does',
        timeoutMs: 60_000,
        intervalMs: 500,
      });
      for (const path of paths) expect((await ask(path)).status).toBe(200);
    });
  },
);

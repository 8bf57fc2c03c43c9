/**
 * ledger.webhook_events and GET /api/webhooks/events on EventStoreDB show what they show on PostgreSQL:
 * the same deliveries to a ledger of each kind give the same rows, but for ids (each store's positions)
 * and times.
 */
import { startInProcessServer, type InProcessServer } from './support/eventstoredb/inProcessServer.js';
import { startLedger, type TestServer } from './support/ledgerServer.js';
import { lifecycle, type Webhook } from './support/lifecycleWebhooks.js';
import { describeWithPostgres } from './support/needsPostgres.js';
import { allPages, get, waitForProjections, type Row } from './support/queryApi.js';
import { postWebhook } from './support/stripeEvents.js';
import { createTestDatabase, type TestDatabase } from './support/testDatabase.js';

const SECRET = 'pi_esdb_secret_5e6f7a8b9c0d';

/** Two payments, interleaved; the first payment intent carries a client_secret. */
const deliveries = (): Webhook[] => {
  const [a, b] = [lifecycle('esdb_events_a'), lifecycle('esdb_events_b')];
  const withSecret = (hook: Webhook): Webhook => {
    const body = JSON.parse(hook.body) as { data: { object: Record<string, unknown> } };
    body.data.object.client_secret = SECRET;
    return { ...hook, body: JSON.stringify(body) };
  };
  return [
    withSecret(a.paymentIntent('payment_intent.created', 'requires_payment_method')),
    b.paymentIntent('payment_intent.created', 'requires_payment_method'),
    a.charge('charge.succeeded'),
    b.charge('charge.succeeded'),
    a.paymentIntent('payment_intent.succeeded', 'succeeded', { amount_received: 2000 }),
    b.paymentIntent('payment_intent.succeeded', 'succeeded', { amount_received: 2000 }),
    a.refund('refund.created', 'a', { amount: 500, status: 'succeeded' }),
    b.dispute('charge.dispute.created', 'needs_response'),
  ];
};

/** What both stores must agree on: everything but the store's own positions and times. */
const comparable = (rows: Row[]) =>
  rows.map(({ id: _id, created_at: _created, processed_at: processedAt, ...rest }) => ({
    ...rest,
    processed_at_set: processedAt !== null,
  }));

describeWithPostgres('the EventStoreDB mode keeps checkpoints and copies in PostgreSQL')(
  'webhook events on EventStoreDB',
  () => {
    let esdb: InProcessServer;
    let databases: TestDatabase[];
    let onEventStoreDb: TestServer;
    let onPostgres: TestServer;
    const hooks = deliveries();

    beforeAll(async () => {
      esdb = await startInProcessServer();
      databases = [await createTestDatabase(), await createTestDatabase()];
      onEventStoreDb = await startLedger(databases[0]!.url, {
        env: { EVENT_STORE: 'eventstoredb', EVENTSTORE_CONNECTION_STRING: esdb.connectionString },
      });
      onPostgres = await startLedger(databases[1]!.url);
      for (const hook of hooks) {
        for (const server of [onEventStoreDb, onPostgres])
          expect((await postWebhook(server.url, hook.body)).status).toBe(200);
      }
      await Promise.all([waitForProjections(onEventStoreDb.url), waitForProjections(onPostgres.url)]);
    });
    afterAll(async () => {
      await onEventStoreDb?.stop();
      await onPostgres?.stop();
      await Promise.all(databases.map((database) => database.drop()));
      await esdb?.stop();
    });

    it('lists every received event, newest first and processed, as the PostgreSQL mode does', async () => {
      const esdbEvents = (await allPages(onEventStoreDb.url, '/api/webhooks/events')).rows;
      const pgEvents = (await allPages(onPostgres.url, '/api/webhooks/events')).rows;
      expect(esdbEvents.map((row) => row.event_id)).toEqual(hooks.map((hook) => hook.id).reverse());
      expect(comparable(esdbEvents)).toEqual(comparable(pgEvents));
      expect(esdbEvents.every((row) => row.processed === true && row.error_message === null)).toBe(true);
      const ids = esdbEvents.map((row) => Number(row.id));
      expect(ids).toEqual([...ids].sort((x, y) => y - x));
    });

    it('filters by type and Stripe event id, and redacts client_secret in JSON and CSV', async () => {
      const first = hooks[0]!;
      const byId = await get(onEventStoreDb.url, `/api/webhooks/events?event_id=${first.id}`);
      expect(byId.body.data).toHaveLength(1);
      expect(byId.body.data[0]!.payload).toMatchObject({ object: { client_secret: '[redacted]' } });
      const csv = await get(onEventStoreDb.url, `/api/webhooks/events?format=csv`);
      expect(csv.text).toContain('[redacted]');
      expect(JSON.stringify(byId.body) + csv.text).not.toContain(SECRET);
      const refunds = await get(onEventStoreDb.url, '/api/webhooks/events?type=refund.created');
      expect(refunds.body.data.map((row) => row.event_id)).toEqual([hooks[6]!.id]);
    });

    it('shows in ledger.webhook_events the positions the projections count in', async () => {
      const { rows } = await databases[0]!.db.query<{ id: number; processed: boolean }>(
        'SELECT id, processed FROM ledger.webhook_events ORDER BY id',
      );
      const { rows: checkpoints } = await databases[0]!.db.query<{ position: number }>(
        'SELECT min(position) AS position FROM ledger.projection_checkpoints',
      );
      expect(rows).toHaveLength(hooks.length);
      expect(rows.at(-1)!.id).toBe(Number(checkpoints[0]!.position));
    });

    it('writes again, on a redelivery answered duplicate, a copy that a failure after the append left out', async () => {
      const hook = hooks[3]!;
      await databases[0]!.db.query(
        `DELETE FROM eventstore.eventstoredb_received WHERE metadata->>'stripe_event_id' = $1`,
        [hook.id],
      );
      expect((await get(onEventStoreDb.url, `/api/webhooks/events?event_id=${hook.id}`)).body.data).toEqual(
        [],
      );
      expect((await postWebhook(onEventStoreDb.url, hook.body)).body).toMatchObject({ duplicate: true });
      expect(
        (await get(onEventStoreDb.url, `/api/webhooks/events?event_id=${hook.id}`)).body.data,
      ).toHaveLength(1);
    });
  },
);

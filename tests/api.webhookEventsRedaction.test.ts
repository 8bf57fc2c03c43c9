import pg from 'pg';
import { type TestServer, startLedger } from './support/ledgerServer.js';
import { describeWithPostgres } from './support/needsPostgres.js';
import { get } from './support/queryApi.js';
import { postWebhook } from './support/stripeEvents.js';
import { paymentIntentSucceeded } from './support/syntheticEvents.js';
import { createTestDatabase, type TestDatabase } from './support/testDatabase.js';

const SECRET = 'pi_redaction_secret_0a1b2c3d4e5f';

describe('GET /api/webhooks/events', () => {
  let database: TestDatabase;
  let server: TestServer;
  const event = paymentIntentSucceeded();
  const body = JSON.parse(event.body) as { data: { object: Record<string, unknown> } };
  body.data.object.client_secret = SECRET;
  const delivery = JSON.stringify(body);
  beforeAll(async () => {
    database = await createTestDatabase();
    server = await startLedger(database.url, { role: 'web' });
    expect((await postWebhook(server.url, delivery)).status).toBe(200);
  });
  afterAll(async () => {
    await server?.stop();
    await database.drop();
  });

  it('redacts client_secret in JSON and CSV, while the log keeps the event as delivered', async () => {
    const json = await get(server.url, `/api/webhooks/events?event_id=${event.id}`);
    expect(json.body.data).toHaveLength(1);
    expect(json.body.data[0]!.payload).toMatchObject({ object: { client_secret: '[redacted]' } });
    expect(JSON.stringify(json.body)).not.toContain(SECRET);
    const csv = await get(server.url, `/api/webhooks/events?event_id=${event.id}&format=csv`);
    expect(csv.text).toContain('[redacted]');
    expect(csv.text).not.toContain(SECRET);

    const { rows } = await database.db.query<{ secret: string }>(
      `SELECT data->'object'->>'client_secret' AS secret FROM eventstore.events WHERE metadata->>'stripe_event_id' = $1`,
      [event.id],
    );
    expect(rows).toEqual([{ secret: SECRET }]);
  });

  describeWithPostgres('it logs in as a PostgreSQL role')('as the read-only ledger_reader role', () => {
    it('shows ledger.webhook_events for monitoring SQL, secrets redacted, and still no raw log', async () => {
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      try {
        await client.query('SET ROLE ledger_reader');
        const { rows } = await client.query<{ event_type: string; processed: boolean; payload: unknown }>(
          'SELECT event_type, processed, payload FROM ledger.webhook_events WHERE event_id = $1',
          [event.id],
        );
        expect(rows).toEqual([
          expect.objectContaining({
            event_type: 'payment_intent.succeeded',
            payload: expect.objectContaining({
              object: expect.objectContaining({ client_secret: '[redacted]' }),
            }),
          }),
        ]);
        expect(JSON.stringify(rows)).not.toContain(SECRET);
        await expect(client.query('SELECT data FROM eventstore.events LIMIT 1')).rejects.toMatchObject({
          code: '42501',
        });
      } finally {
        await client.end();
      }
    });
  });
});

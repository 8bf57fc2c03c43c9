import { type TestServer, startLedger } from './support/ledgerServer.js';
import { storedCopies } from './support/storedEvents.js';
import { paymentIntentSucceeded } from './support/syntheticEvents.js';
import { postWebhook, signatureFor } from './support/stripeEvents.js';
import { createTestDatabase, type TestDatabase } from './support/testDatabase.js';
import { describeWithPostgres } from './support/needsPostgres.js';

const CONCURRENT = 50;

describeWithPostgres('group commit needs concurrent connections; the embedded database has one')(
  'POST /api/webhooks/stripe under concurrent deliveries (group commit)',
  () => {
    let database: TestDatabase;
    let server: TestServer;
    beforeAll(async () => {
      database = await createTestDatabase();
      server = await startLedger(database.url, { role: 'web' });
    });
    afterAll(async () => {
      await server?.stop();
      await database.drop();
    });

    it('stores concurrent deliveries in fewer transactions than events, and answers each only after its commit', async () => {
      const events = Array.from({ length: CONCURRENT }, () => paymentIntentSucceeded());
      const signed = events.map((event) => ({ event, header: signatureFor(event.body) }));
      const visibleWhenAnswered = await Promise.all(
        signed.map(async ({ event, header }) => {
          const response = await postWebhook(server.url, event.body, header);
          expect(response.status).toBe(200);
          // Read on another connection the moment the answer arrives: the commit is already visible.
          return (await storedCopies(database.db, event.id)).length;
        }),
      );
      expect(visibleWhenAnswered).toEqual(events.map(() => 1));

      // Rows written by one transaction share its xmin.
      const { rows } = await database.db.query<{ transactions: number; events: number }>(
        `SELECT count(DISTINCT xmin::text)::int AS transactions, count(*)::int AS events FROM eventstore.events
        WHERE metadata->>'stripe_event_id' = ANY($1::text[])`,
        [events.map((event) => event.id)],
      );
      expect(rows[0]!.events).toBe(CONCURRENT);
      expect(rows[0]!.transactions).toBeLessThan(CONCURRENT);
    });
  },
);

/**
 * The whole ledger on EventStoreDB (the in-process gRPC server of tests/support/eventstoredb, or a real
 * one when EVENTSTORE_CONNECTION_STRING is set): webhooks in, projections out, a rebuild, a restart.
 */
import { EventStoreDBClient, StreamNotFoundError } from '@eventstore/db-client';
import { pino } from 'pino';
import { projections } from '../projections/index.js';
import { loadConfig } from '../src/config/config.js';
import { rebuildProjections } from '../src/projector/rebuild.js';
import { openRuntime } from '../src/runtime/openRuntime.js';
import { runCli } from './support/cli.js';
import { startInProcessServer, type InProcessServer } from './support/eventstoredb/inProcessServer.js';
import { readModels } from './support/ledgerRows.js';
import { startLedger, type TestServer } from './support/ledgerServer.js';
import { lifecycle, type Webhook } from './support/lifecycleWebhooks.js';
import { describeWithPostgres } from './support/needsPostgres.js';
import { waitForProjections } from './support/queryApi.js';
import { postWebhook } from './support/stripeEvents.js';
import { paymentIntentSucceeded, paymentIntentSucceededOfSize } from './support/syntheticEvents.js';
import { createTestDatabase, type TestDatabase } from './support/testDatabase.js';

/** Paid, refunded in part, then disputed and lost: every read model gets rows. */
const deliveries = (name: string): Webhook[] => {
  const payment = lifecycle(name);
  return [
    payment.paymentIntent('payment_intent.created', 'requires_payment_method'),
    payment.charge('charge.succeeded'),
    payment.paymentIntent('payment_intent.succeeded', 'succeeded', { amount_received: 2000 }),
    payment.refund('refund.created', 'a', { amount: 500, status: 'succeeded' }),
    payment.charge('charge.refunded', { amount_refunded: 500 }),
    payment.dispute('charge.dispute.created', 'needs_response'),
    payment.dispute('charge.dispute.closed', 'lost'),
  ];
};

describeWithPostgres('checkpoints and charge links live in PostgreSQL beside the read models')(
  'the ledger on EventStoreDB',
  () => {
    let esdb: InProcessServer | undefined;
    let connectionString: string;
    let database: TestDatabase;
    let ledger: TestServer | undefined;
    const env = () => ({ EVENT_STORE: 'eventstoredb', EVENTSTORE_CONNECTION_STRING: connectionString });

    beforeAll(async () => {
      if (process.env.EVENTSTORE_CONNECTION_STRING)
        connectionString = process.env.EVENTSTORE_CONNECTION_STRING;
      else {
        esdb = await startInProcessServer();
        connectionString = esdb.connectionString;
      }
      database = await createTestDatabase();
    });
    afterAll(async () => {
      await ledger?.stop();
      await database.drop();
      await esdb?.stop();
    });

    const post = async (hooks: Webhook[]) => {
      for (const hook of hooks) expect((await postWebhook(ledger!.url, hook.body)).status).toBe(200);
    };

    it('projects webhooks, survives a rebuild unchanged, and resumes after a restart without duplicates', async () => {
      ledger = await startLedger(database.url, { env: env() });
      const first = [...deliveries('esdb_a'), ...deliveries('esdb_b')];
      await post(first);
      await post(first.slice(0, 3));
      await waitForProjections(ledger.url);
      const live = await readModels(database.db);
      expect(
        live.payments.map((row) => [
          row.payment_id,
          row.payment_status,
          row.amount_refunded,
          row.dispute_status,
        ]),
      ).toEqual([
        ['pi_esdb_a', 'partially_refunded', 500, 'lost'],
        ['pi_esdb_b', 'partially_refunded', 500, 'lost'],
      ]);
      expect(live.history).toHaveLength(first.length);

      const config = loadConfig({ DATABASE_URL: database.url, ...env() });
      const runtime = await openRuntime(config, pino({ level: 'silent' }));
      try {
        const report = await rebuildProjections({ db: runtime.db, store: runtime.store, projections });
        expect(report.events).toBe(first.length);
      } finally {
        await runtime.close();
      }
      expect(await readModels(database.db)).toEqual(live);

      await ledger.stop();
      ledger = await startLedger(database.url, { env: env() });
      const second = deliveries('esdb_c');
      await post(second);
      await waitForProjections(ledger.url);
      const after = await readModels(database.db);
      expect(after.payments).toHaveLength(3);
      expect(after.history).toHaveLength(first.length + second.length);
      expect(after.refunds.map((row) => row.refund_id)).toEqual([
        're_esdb_a_a',
        're_esdb_b_a',
        're_esdb_c_a',
      ]);
    });

    const running = async () => (ledger ??= await startLedger(database.url, { env: env() }));
    /** The events EventStoreDB holds for a payment, read with the official client. */
    const storedFor = async (paymentIntentId: string) => {
      const client = EventStoreDBClient.connectionString(connectionString);
      try {
        const events = [];
        for await (const resolved of client.readStream(`payment-${paymentIntentId}`)) events.push(resolved);
        return events;
      } catch (error) {
        if (error instanceof StreamNotFoundError) return [];
        throw error;
      } finally {
        await client.dispose();
      }
    };

    // Two web servers on one EventStoreDB, as behind a load balancer: within one server, group commit
    // already dedupes; across servers the deliveries race in EventStoreDB itself.
    it('answers racing redeliveries of one event to two servers duplicate: true, all but one, and stores it once', async () => {
      const urls = [(await running()).url];
      const other = await startLedger(database.url, { env: env(), role: 'web' });
      urls.push(other.url);
      try {
        for (let round = 0; round < 8; round += 1) {
          const event = paymentIntentSucceeded();
          const answers = await Promise.all(
            Array.from({ length: 6 }, (_, i) => postWebhook(urls[i % 2]!, event.body)),
          );
          expect(answers.map((answer) => answer.status)).toEqual(Array(6).fill(200));
          expect(answers.filter((answer) => answer.body.duplicate === true)).toHaveLength(5);
          expect(await storedFor(event.paymentIntentId)).toHaveLength(1);
        }
      } finally {
        await other.stop();
      }
    });

    it('answers 413 event_too_large naming the limit, not 503, for a 1 MiB delivery whose stored form is over 1,048,576 bytes', async () => {
      const url = (await running()).url;
      const event = paymentIntentSucceededOfSize(1024 * 1024);
      const expected = {
        status: 413,
        body: {
          error: {
            code: 'event_too_large',
            message: expect.stringContaining("over the event store's limit of 1048576 bytes"),
            limit_bytes: 1_048_576,
          },
        },
      };
      expect(await postWebhook(url, event.body)).toEqual(expected);
      // Stripe's retry gets the same clear answer, and nothing was stored in between.
      expect(await postWebhook(url, event.body)).toEqual(expected);
      expect(await storedFor(event.paymentIntentId)).toEqual([]);
      const next = paymentIntentSucceeded();
      expect((await postWebhook(url, next.body)).status).toBe(200);
      expect(await storedFor(next.paymentIntentId)).toHaveLength(1);
    });

    it('stops serve with one clear line when the EventStoreDB connection string is invalid or unreachable', async () => {
      const invalid = await runCli(['serve'], {
        DATABASE_URL: database.url,
        STRIPE_WEBHOOK_SECRET: 'whsec_eventstoredb_e2e_check',
        EVENT_STORE: 'eventstoredb',
        EVENTSTORE_CONNECTION_STRING: 'http://nope',
      });
      expect(invalid.code).toBe(2);
      expect(invalid.stderr).toMatch(/^stripe-ledger: EVENTSTORE_CONNECTION_STRING is invalid: [^\n]+\n$/);
      const unreachable = await runCli(['serve'], {
        DATABASE_URL: database.url,
        STRIPE_WEBHOOK_SECRET: 'whsec_eventstoredb_e2e_check',
        EVENT_STORE: 'eventstoredb',
        EVENTSTORE_CONNECTION_STRING: 'esdb://127.0.0.1:1?tls=false',
      });
      expect(unreachable.code).not.toBe(0);
      expect(unreachable.stderr).toMatch(
        /^stripe-ledger: EventStoreDB at esdb:\/\/127\.0\.0\.1:1\?tls=false cannot be used[^\n]*\n$/,
      );
    });
  },
);

import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Db } from '../src/db/port.js';
import { packageRoot } from '../src/paths.js';
import { runCli } from './support/cli.js';
import { startLedger } from './support/ledgerServer.js';
import { readModels, waitForCheckpointsAtHead, type Row } from './support/ledgerRows.js';
import { describeWithPostgres } from './support/needsPostgres.js';
import { accountEvents } from './support/stripeApi/stripeAccountData.js';
import { startStripeApi, type StripeApiStandIn } from './support/stripeApi/stripeApiStandIn.js';
import { postWebhook } from './support/stripeEvents.js';
import { createTestDatabase, type TestDatabase } from './support/testDatabase.js';
import { waitFor } from './support/waitFor.js';
import { standInSyncPass } from './support/stripeApi/standInClient.js';

const syncOnce = (db: Db, api: StripeApiStandIn) =>
  standInSyncPass(db, api, {
    client: { retry: { retries: 8, networkRetries: 2, initialDelayMs: 20, maxDelayMs: 200 } },
  });

/** What Stripe's objects decide, not when or through which event the ledger learnt it. */
const objectColumns = (rows: Row[]) =>
  rows.map(({ updated_at, last_stripe_event_id, ...rest }) => {
    void updated_at;
    void last_stripe_event_id;
    return rest;
  });

const stripeRows = async (db: Db) => {
  const models = await readModels(db);
  return {
    // A snapshot says that a payment succeeded, not when: one imported is dated by its charge's
    // `created` (projections/shared/paymentState.ts), not by the event that told the other ledger.
    payments: objectColumns(models.payments).map(({ paid_at, ...rest }): Row => ({
      ...rest,
      paid: paid_at !== null,
    })),
    orders: objectColumns(models.orders),
    refunds: objectColumns(models.refunds),
    // A dispute object does not say when it closed: one imported closed is dated by what it does say
    // (projections/shared/stripeObjects.ts datedClosing), not by the webhook that told the other ledger.
    disputes: objectColumns(models.disputes).map(({ closed_at, ...rest }) => ({
      ...rest,
      closed: closed_at !== null,
    })),
  };
};

const eventCount = async (db: Db) =>
  Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM eventstore.events')).rows[0]!.n);

describeWithPostgres('a real server and CLI processes')('Stripe sync of history and failures', () => {
  let api: StripeApiStandIn;
  const databases: TestDatabase[] = [];
  const fresh = async () => {
    const database = await createTestDatabase();
    databases.push(database);
    return database;
  };
  beforeEach(async () => (api = await startStripeApi({ seed: 3 })));
  afterEach(async () => {
    await api.close();
    for (const database of databases.splice(0)) await database.drop();
  });

  it('imports payments 60-80 days old (no events left) so payments, refunds, disputes and orders equal Stripe, and a second sync appends nothing', async () => {
    const old = accountEvents({ seed: 21, payments: 40, fromDaysAgo: 80, toDaysAgo: 62, prefix: 'old' });
    api.addEvents(old.events);
    const webhooked = await fresh();
    const reference = await startLedger(webhooked.url);
    for (const body of old.bodies.values()) expect((await postWebhook(reference.url, body)).status).toBe(200);
    await waitForCheckpointsAtHead(webhooked.db);
    await reference.stop();

    const database = await fresh();
    const ledger = await startLedger(database.url);
    try {
      const first = await syncOnce(database.db, api);
      expect(first.events_seen).toBe(0);
      expect(first.objects_imported).toBeGreaterThan(old.events.length / 5);
      await waitForCheckpointsAtHead(database.db);
      const synced = await stripeRows(database.db);
      expect(synced).toEqual(await stripeRows(webhooked.db));
      expect(synced.payments.length).toBe(40);
      expect(synced.refunds.length + synced.disputes.length).toBeGreaterThan(0);
      for (const payment of synced.payments) {
        const intent = api.object('payment_intents', String(payment.payment_id));
        expect(payment).toMatchObject({ status: intent?.status, amount_received: intent?.amount_received });
      }

      const count = await eventCount(database.db);
      const second = await syncOnce(database.db, api);
      expect(second).toMatchObject({ events_appended: 0, objects_imported: 0 });
      expect(await eventCount(database.db)).toBe(count);
    } finally {
      await ledger.stop();
    }
  });

  it('completes after a kill -9 mid-pass, nothing doubled', async () => {
    const many = accountEvents({ seed: 8, payments: 500, fromDaysAgo: 25, toDaysAgo: 8, prefix: 'kill' });
    api.addEvents(many.events);
    const database = await fresh();
    const env = {
      DATABASE_URL: database.url,
      STRIPE_API_KEY: api.key,
      STRIPE_API_BASE: api.base,
      STRIPE_API_RPS: '3',
    };
    const child = spawn(process.execPath, [join(packageRoot, 'dist/src/cli/main.js'), 'sync'], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: 'ignore',
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    await waitFor(async () => (await eventCount(database.db)) >= 200, {
      timeoutMs: 30_000,
      what: 'the pass to have appended a few pages',
    });
    child.kill('SIGKILL');
    await exited;
    const atKill = await eventCount(database.db);
    expect(atKill).toBeLessThan(many.events.length);

    const result = await runCli(['sync'], { ...env, STRIPE_API_RPS: '100' });
    expect(result.code).toBe(0);
    const { rows } = await database.db.query<{ total: string; distinct_ids: string }>(
      `SELECT count(*) AS total, count(DISTINCT metadata->>'stripe_event_id') AS distinct_ids FROM eventstore.events`,
    );
    expect({ total: Number(rows[0]!.total), distinct: Number(rows[0]!.distinct_ids) }).toEqual({
      total: many.events.length,
      distinct: many.events.length,
    });
    const summary = JSON.parse(result.stdout.trim().split('\n').at(-1)!) as { events_appended: number };
    expect(summary.events_appended).toBe(many.events.length - atKill);
  }, 90_000);

  it.each([
    [
      'a bad key',
      { STRIPE_API_KEY: 'sk_test_not_a_real_key_000' },
      /^stripe-ledger: Stripe refused STRIPE_API_KEY \(401 on GET \/v1\/events\?created\[gte\]=\d+&created\[lte\]=\d+\)/,
    ],
    [
      'an unreachable API',
      { STRIPE_API_BASE: 'http://127.0.0.1:9' },
      /^stripe-ledger: cannot reach the Stripe API at http:\/\/127\.0\.0\.1:9 \(GET \/v1\/events\?created\[gte\]=\d+&created\[lte\]=\d+\)/,
    ],
  ])(
    'with %s: the database, then one clear line, a non-zero exit, nothing half-written',
    async (_, override, line) => {
      api.addEvents(
        accountEvents({ seed: 2, payments: 5, fromDaysAgo: 20, toDaysAgo: 10, prefix: 'bad' }).events,
      );
      const database = await fresh();
      const result = await runCli(['sync'], {
        DATABASE_URL: database.url,
        STRIPE_API_KEY: api.key,
        STRIPE_API_BASE: api.base,
        ...override,
      });
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      const [databaseLine, errorLine, ...more] = result.stderr.trim().split('\n');
      expect(databaseLine).toMatch(/^stripe-ledger: using PostgreSQL at /);
      expect(errorLine).toMatch(line);
      expect(more).toEqual([]);
      expect(await eventCount(database.db)).toBe(0);
      const cursors = await database.db.query('SELECT * FROM ledger.stripe_sync_cursors');
      expect(cursors.rows).toEqual([]);
    },
  );
});

/**
 * Every recorded Stripe payload of the shared corpus (API versions from 2016 to 2025, Stripe's own
 * samples, upstream-assembled envelopes, schema fixtures) goes through ingest and the projector without
 * stopping a projection (checked over HTTP, so on the embedded database too), and a rebuild gives every
 * read model the rows the live projections wrote (SPEC section 10): a charge's events are filed under it
 * before a later event links it to its payment intent.
 */
import { projections as allProjections } from '../projections/index.js';
import { postgresEventStore } from '../src/eventstore/postgres/postgresEventStore.js';
import { rebuildProjections } from '../src/projector/rebuild.js';
import { snapshotOf } from './support/dbTesting.js';
import { itWithPostgres } from './support/needsPostgres.js';
import { startLedger, type TestServer } from './support/ledgerServer.js';
import { get, waitForProjections } from './support/queryApi.js';
import { loadFixtures, postWebhook } from './support/stripeEvents.js';
import { createTestDatabase, type TestDatabase } from './support/testDatabase.js';

const fixtures = loadFixtures();

describe('the shared Stripe fixture corpus, end to end', () => {
  let database: TestDatabase;
  let server: TestServer | undefined;
  beforeAll(async () => {
    database = await createTestDatabase();
    server = await startLedger(database.url, { role: 'all' });
  });
  afterAll(async () => {
    await server?.stop();
    await database?.drop();
  });

  it('projects all 91 payloads with every projection live at the head and no failure recorded', async () => {
    expect(fixtures).toHaveLength(91);
    for (const fixture of fixtures) {
      const answer = await postWebhook(server!.url, fixture.body);
      expect({ fixture: fixture.file, status: answer.status }).toEqual({
        fixture: fixture.file,
        status: 200,
      });
      // One by one, as Stripe delivers a quiet account's events: each is projected before the next, so
      // the live projections learn each charge link only when its event comes.
      await waitForProjections(server!.url);
    }

    const status = await get(server!.url, '/api/projections');
    expect(status.body.data.map((p) => [p.name, p.state, p.position, p.head, p.open_failures])).toEqual(
      allProjections
        .map(({ name }) => name)
        .sort()
        .map((name) => [name, 'live', 91, 91, 0]),
    );
    // ledger.projection_failures, as monitoring sees it through ledger.webhook_events.
    expect((await get(server!.url, '/api/webhooks/events?failed=true')).body.data).toEqual([]);
    expect((await get(server!.url, '/api/webhooks/events?processed=false')).body.data).toEqual([]);
    // Not vacuous: the corpus yields payments, refunds and disputes.
    for (const list of ['payments', 'refunds', 'disputes']) {
      const { body } = await get(server!.url, `/api/${list}?limit=1`);
      expect({ list, rows: body.data.length }).toEqual({ list, rows: 1 });
    }
  });

  itWithPostgres('the rebuild runs in the test process beside the server')(
    'rebuilds every read model to the rows the live projections wrote',
    async () => {
      await server!.stop();
      server = undefined;
      const snapshots = async () =>
        Object.fromEntries(
          await Promise.all(
            allProjections.map(async (p) => [p.name, await snapshotOf(database.db, p, 'ledger', ['id'])]),
          ),
        );
      const live = await snapshots();
      expect(live.payment_status_history!.payment_status_history!.length).toBeGreaterThan(30);
      await rebuildProjections({
        db: database.db,
        store: postgresEventStore(database.db),
        projections: allProjections,
      });
      expect(await snapshots()).toEqual(live);
    },
  );
});

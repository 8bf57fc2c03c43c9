/**
 * Every recorded Stripe payload of the shared corpus (API versions from 2016 to 2025, Stripe's own
 * samples, upstream-assembled envelopes, schema fixtures) goes through ingest and the projector without
 * stopping a projection. Checked over HTTP only, so it runs on the embedded database too.
 */
import { projections as allProjections } from '../projections/index.js';
import { startLedger, type TestServer } from './support/ledgerServer.js';
import { get, waitForProjections } from './support/queryApi.js';
import { loadFixtures, postWebhook } from './support/stripeEvents.js';
import { createTestDatabase, type TestDatabase } from './support/testDatabase.js';

const fixtures = loadFixtures();

describe('the shared Stripe fixture corpus, end to end', () => {
  let database: TestDatabase;
  let server: TestServer;
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
      const answer = await postWebhook(server.url, fixture.body);
      expect({ fixture: fixture.file, status: answer.status }).toEqual({
        fixture: fixture.file,
        status: 200,
      });
    }
    await waitForProjections(server.url);

    const status = await get(server.url, '/api/projections');
    expect(status.body.data.map((p) => [p.name, p.state, p.position, p.head, p.open_failures])).toEqual(
      allProjections
        .map(({ name }) => name)
        .sort()
        .map((name) => [name, 'live', 91, 91, 0]),
    );
    // ledger.projection_failures, as monitoring sees it through ledger.webhook_events.
    expect((await get(server.url, '/api/webhooks/events?failed=true')).body.data).toEqual([]);
    expect((await get(server.url, '/api/webhooks/events?processed=false')).body.data).toEqual([]);
    // Not vacuous: the corpus yields payments, refunds and disputes.
    for (const list of ['payments', 'refunds', 'disputes']) {
      const { body } = await get(server.url, `/api/${list}?limit=1`);
      expect({ list, rows: body.data.length }).toEqual({ list, rows: 1 });
    }
  });
});

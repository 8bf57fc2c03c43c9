/**
 * Stripe keeps events for 30 days. A pass stopped in the middle of a range whose next run comes more
 * than 30 days later cannot read the rest of that range any more: the sync must notice, import the
 * account's history again, and read the window Stripe still has, rather than quietly finish the range.
 */
import type { Db } from '../src/db/port.js';
import { DAY } from './support/generate.js';
import { accountEvents } from './support/stripeApi/stripeAccountData.js';
import {
  startStripeApi,
  type StripeApiStandIn,
  type StripeEventJson,
} from './support/stripeApi/stripeApiStandIn.js';
import { createTestDatabase, type TestDatabase } from './support/testDatabase.js';
import { standInSyncPass } from './support/stripeApi/standInClient.js';

const paymentIntentsOf = (events: readonly StripeEventJson[]) =>
  [
    ...new Set(
      events.filter((e) => e.data.object.object === 'payment_intent').map((e) => String(e.data.object.id)),
    ),
  ].sort();

const paymentStreams = async (db: Db) =>
  new Set(
    (
      await db.query<{ stream_id: string }>(
        `SELECT DISTINCT stream_id FROM eventstore.events WHERE stream_id LIKE 'payment-%'`,
      )
    ).rows.map((row) => row.stream_id.slice('payment-'.length)),
  );

describe('a sync pass resumed after Stripe dropped the events it had left to read', () => {
  let database: TestDatabase;
  let api: StripeApiStandIn;
  /** Unix seconds, for Stripe and the ledger alike. */
  let clock = Math.floor(Date.now() / 1000);
  const start = clock;

  beforeEach(async () => {
    database = await createTestDatabase();
    api = await startStripeApi({ now: () => clock });
  });
  afterEach(async () => {
    await api?.close();
    await database?.drop();
  });

  const pass = (signal?: AbortSignal, onProgress?: () => void) =>
    standInSyncPass(database.db, api, {
      now: () => clock,
      ...(signal !== undefined && { signal }),
      ...(onProgress !== undefined && { onProgress }),
    });

  it('imports the payments of the lost rest again and reads the window Stripe still keeps', async () => {
    await pass();
    // 1 to 4 days after the first pass: more than one page of events.
    const later = accountEvents({ seed: 5, payments: 60, fromDaysAgo: -1, toDaysAgo: -4, prefix: 'gone' });
    expect(later.events.length).toBeGreaterThan(150);
    api.addEvents(later.events);

    clock = start + 5 * DAY;
    const stop = new AbortController();
    await expect(pass(stop.signal, () => stop.abort())).rejects.toThrow('stopped');
    const afterStop = await paymentStreams(database.db);
    expect(afterStop.size).toBeLessThan(paymentIntentsOf(later.events).length);

    // 45 days on: Stripe lists none of those events any more, only their objects.
    clock = start + 45 * DAY;
    const recent = accountEvents({ seed: 6, payments: 5, fromDaysAgo: -40, toDaysAgo: -42, prefix: 'new' });
    api.addEvents(recent.events);
    const resumed = await pass();

    const streams = await paymentStreams(database.db);
    expect(paymentIntentsOf(later.events).filter((id) => !streams.has(id))).toEqual([]);
    expect(resumed.objects_imported).toBeGreaterThan(0);
    expect(paymentIntentsOf(recent.events).filter((id) => !streams.has(id))).toEqual([]);
    expect(resumed.events_appended).toBe(recent.events.length);
  }, 60_000);
});

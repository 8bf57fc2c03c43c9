/**
 * Text PostgreSQL cannot store (a NUL, a lone UTF-16 surrogate) in what the sync reads from Stripe: the
 * webhook path refuses such an event with a 400, so the sync refuses it too, whatever list it came from
 * (events, history, balance transactions), and goes on with the rest. Appended, such text failed the
 * page's append on every pass (in the event's jsonb metadata) or, stored in its json data, broke every
 * read of the event as jsonb.
 */
import type { Db } from '../src/db/port.js';
import { BALANCE_TRANSACTION_RECORDED, PAYOUT_RECONCILED } from '../src/domain/moneyEvents.js';
import { IMPORTED } from '../src/domain/imported.js';
import { capturedLogger } from './support/capturedLogger.js';
import { accountEvents } from './support/stripeApi/stripeAccountData.js';
import { adjustment, standInSyncPass } from './support/stripeApi/standInClient.js';
import { payout } from './support/payoutShapes.js';
import {
  startStripeApi,
  type StripeApiStandIn,
  type StripeEventJson,
} from './support/stripeApi/stripeApiStandIn.js';
import { storedCopies } from './support/storedEvents.js';
import { createTestDatabase, type TestDatabase } from './support/testDatabase.js';

type Json = Record<string, unknown>;

/** What only the payload holds: no log line may carry it. */
const SECRET = 'card note 4242';
const WITH_NUL = `${SECRET} a\u0000b`;
const WITH_LONE_SURROGATE = `${SECRET} \ud800x`;

/** Every stored event's data and metadata as jsonb, as the webhook events API and the projections read them. */
const readAllAsJsonb = (db: Db) =>
  db.query(`SELECT data::jsonb, metadata FROM eventstore.events ORDER BY position`);

const cursorOf = async (db: Db, feed: string) => {
  const { rows } = await db.query<{ complete_until: number | null; pending_to: number | null }>(
    `SELECT complete_until, pending_to FROM ledger.stripe_sync_cursors WHERE account = '' AND feed = $1`,
    [feed],
  );
  return rows[0];
};

const eventsOfType = async (db: Db, type: string) => {
  const { rows } = await db.query<{ id: string }>(
    `SELECT data->'object'->>'id' AS id FROM eventstore.events WHERE event_type = $1`,
    [type],
  );
  return rows.map((row) => row.id).sort();
};

describe('a sync pass reading text PostgreSQL cannot store', () => {
  let database: TestDatabase;
  let api: StripeApiStandIn;
  let log: ReturnType<typeof capturedLogger>;

  beforeEach(async () => {
    database = await createTestDatabase();
    api = await startStripeApi({ seed: 17 });
    log = capturedLogger();
  });
  afterEach(async () => {
    await api?.close();
    await database?.drop();
  });

  const pass = () => standInSyncPass(database.db, api, { logger: log.logger });

  const warnings = (msg: string) =>
    log.lines.filter((line) => line.msg === msg && line.level === 40).map(({ level: _, ...line }) => line);

  const expectNoPayloadLogged = () => expect(JSON.stringify(log.lines)).not.toContain(SECRET);

  it('skips an event holding a NUL or a lone surrogate, appends the rest of its page and moves the cursor past it', async () => {
    const recent = accountEvents({ seed: 31, payments: 12, fromDaysAgo: 12, toDaysAgo: 6, prefix: 'txt' });
    const intents = recent.events.filter((event) => event.type.startsWith('payment_intent.'));
    const withNul = intents[3]!;
    // The request id goes into the event's jsonb metadata: appended, it failed the page's append.
    const withNulInRequest = intents[5]!;
    const withSurrogate = intents[7]!;
    withNul.data.object.description = WITH_NUL;
    (withNulInRequest as Json).request = { id: 'req_\u0000', idempotency_key: null };
    withSurrogate.data.object.metadata = { [WITH_LONE_SURROGATE]: 'x' };
    api.addEvents(recent.events);

    const summary = await pass();

    expect(summary).toMatchObject({
      events_seen: recent.events.length,
      events_appended: recent.events.length - 3,
      refused: 3,
    });
    for (const refused of [withNul, withNulInRequest, withSurrogate]) {
      expect(await storedCopies(database.db, refused.id)).toEqual([]);
    }
    expect(await cursorOf(database.db, 'events')).toEqual({
      complete_until: expect.any(Number),
      pending_to: null,
    });
    await expect(readAllAsJsonb(database.db)).resolves.toBeDefined();
    expect(warnings('event not stored')).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ stripe_event_id: withNul.id, problem: expect.stringContaining('NUL') }),
        expect.objectContaining({
          stripe_event_id: withNulInRequest.id,
          problem: expect.stringContaining('NUL'),
        }),
        expect.objectContaining({
          stripe_event_id: withSurrogate.id,
          problem: expect.stringContaining('lone UTF-16 surrogate'),
        }),
      ]),
    );
    expectNoPayloadLogged();

    expect(await pass()).toMatchObject({ events_appended: 0, refused: 0 });
  });

  it('imports the rest of a history list when one of its objects holds a NUL or a lone surrogate', async () => {
    const old = accountEvents({ seed: 32, payments: 10, fromDaysAgo: 80, toDaysAgo: 62, prefix: 'oldtxt' });
    api.addEvents(old.events);
    const objectOf = (type: string, index: number): Json =>
      old.events.filter((event: StripeEventJson) => event.type === type)[index]!.data.object;
    const intent = api.object('payment_intents', String(objectOf('payment_intent.created', 2).id))!;
    const charge = api.object('charges', String(objectOf('charge.succeeded', 4).id))!;
    api.addObjects([
      { ...intent, description: WITH_NUL },
      { ...charge, description: WITH_LONE_SURROGATE },
    ]);

    const summary = await pass();

    expect(summary.refused).toBe(2);
    expect(summary.objects_imported).toBeGreaterThan(10);
    const imported = await eventsOfType(database.db, IMPORTED);
    expect(imported).not.toContain(intent.id);
    expect(imported).not.toContain(charge.id);
    expect(imported).toContain(String(objectOf('payment_intent.created', 3).id));
    expect(await cursorOf(database.db, 'payment_intents')).toEqual({
      complete_until: expect.any(Number),
      pending_to: null,
    });
    await expect(readAllAsJsonb(database.db)).resolves.toBeDefined();
    expect(warnings('object not imported')).toEqual([
      expect.objectContaining({ object_id: intent.id, problem: expect.stringContaining('NUL') }),
      expect.objectContaining({
        object_id: charge.id,
        problem: expect.stringContaining('lone UTF-16 surrogate'),
      }),
    ]);
    expectNoPayloadLogged();
  });

  it('records the other balance transactions and moves the money cursor when one holds a NUL or a lone surrogate', async () => {
    const created = Math.floor(Date.now() / 1000) - 86_400;
    const numbered = (n: number, fields: Json = {}): Json => ({
      ...adjustment(`txn_text${n}`, created + n, 1_000),
      description: null,
      ...fields,
    });
    api.addObjects([
      numbered(1),
      numbered(2, { description: WITH_NUL }),
      numbered(3),
      numbered(4, { metadata: { note: WITH_LONE_SURROGATE } }),
      numbered(5),
    ]);
    api.setBalance({ available: [{ amount: 3_000, currency: 'usd' }], pending: [] });

    const summary = await pass();

    expect(summary).toMatchObject({ balance_transactions: 5, balance_transactions_appended: 3, refused: 2 });
    expect(await eventsOfType(database.db, BALANCE_TRANSACTION_RECORDED)).toEqual([
      'txn_text1',
      'txn_text3',
      'txn_text5',
    ]);
    const { rows } = await database.db.query<{ from: number | null }>(
      `SELECT balance_transactions_from AS "from" FROM ledger.sync_money_cursors WHERE account = 'platform'`,
    );
    expect(rows).toEqual([{ from: created + 5 }]);
    await expect(readAllAsJsonb(database.db)).resolves.toBeDefined();
    expect(warnings('stripe object refused').map((line) => line.problem)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^txn_text2: .*NUL/),
        expect.stringMatching(/^txn_text4: .*lone UTF-16 surrogate/),
      ]),
    );
    expectNoPayloadLogged();

    expect(await pass()).toMatchObject({ balance_transactions_appended: 0, refused: 2 });
  });

  it('reconciles the other payouts and refuses the one whose listing holds a NUL', async () => {
    const created = Math.floor(Date.now() / 1000) - 86_400;
    const paidOut = (id: string, fields: Json = {}): Json => ({
      ...adjustment(id, created, 1_000),
      type: 'charge',
      reporting_category: 'charge',
      ...fields,
    });
    api.addObjects([
      paidOut('txn_po_clean'),
      paidOut('txn_po_dirty', { description: WITH_NUL }),
      payout({ id: 'po_clean', status: 'paid', created, amount: 1_000 }),
      payout({ id: 'po_dirty', status: 'paid', created: created + 1, amount: 1_000 }),
    ]);
    api.payOut('po_clean', ['txn_po_clean']);
    api.payOut('po_dirty', ['txn_po_dirty']);
    api.setBalance({ available: [{ amount: 0, currency: 'usd' }], pending: [] });

    const summary = await pass();

    expect(await eventsOfType(database.db, PAYOUT_RECONCILED)).toEqual(['po_clean']);
    expect(summary.refused).toBeGreaterThanOrEqual(1);
    expect(warnings('stripe object refused').map((line) => line.problem)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^po_dirty: txn_po_dirty contains .*NUL/)]),
    );
    expectNoPayloadLogged();
  });
});

/**
 * A rebuild runs the live engine's fold over the whole log, holding states in memory between batches
 * (src/projector/engine/rebuildSession.ts). For the same stored log, every table (read models and fold
 * state; history without id) must hold the rows live batches give, and live batches
 * continuing after a rebuild must end where they end without one.
 */
import { readFileSync } from 'node:fs';
import { projections } from '../projections/index.js';
import { paymentStatusHistoryProjection as history } from '../projections/payment_status_history/projection.js';
import type { Projection, ProjectionTarget } from '../projections/projection.js';
import {
  applyInBatches,
  createTarget,
  sampleLifecycles,
  shuffled,
  snapshotOf,
  storeEvents,
} from './support/dbTesting.js';
import { charge, dispute, paymentIntent, refund, stripeEvent, T0 } from './support/testEvents.js';
import { migrate } from '../src/db/migrate.js';
import { pgliteDb } from '../src/db/pglite.js';
import type { Db } from '../src/db/port.js';
import { postgresEventStore } from '../src/eventstore/postgres/postgresEventStore.js';
import type { StoredEvent } from '../src/eventstore/port.js';
import { rebuildProjections, RebuildError } from '../src/projector/rebuild.js';
import { createTestDatabase, type TestDatabase } from './support/testDatabase.js';

const BOOKKEEPING = ['id'];

const snapshots = async (db: Db, schemaOf: (p: Projection) => string = () => 'ledger', list = projections) =>
  Object.fromEntries(
    await Promise.all(list.map(async (p) => [p.name, await snapshotOf(db, p, schemaOf(p), BOOKKEEPING)])),
  );

/** Every projection applied live, batch by batch, into schemas of its own: what a rebuild must give. */
const appliedLive = async (db: Db, events: readonly StoredEvent[], batchSize: number, list = projections) => {
  const schemaOf = (p: Projection) => `live_${p.name}`;
  for (const projection of list) {
    await db.query(`DROP SCHEMA IF EXISTS ${schemaOf(projection)} CASCADE`);
    const target = await createTarget(db, schemaOf(projection), projection);
    await applyInBatches(db, projection, events, batchSize, target);
  }
  return snapshots(db, schemaOf, list);
};

/** Stored again under another event id: a second event with the same stripe_event_id in the log. */
const storedTwice = (event: StoredEvent, n: number): StoredEvent => ({
  ...event,
  id: `${event.id.slice(0, 24)}${n.toString(16).padStart(12, '0')}`,
});

/**
 * A varied log: sampled lifecycles (orphan refunds and disputes, API <= 2022-08-01 shapes, legacy
 * charges, same-second ties) in a shuffled order, every fifth event redelivered (stored once), some
 * stored twice under another event id, and an event no projection models.
 */
const variedLog = (count: number, seed: number): StoredEvent[] => {
  const events = sampleLifecycles(count, seed).flatMap((lifecycle) => lifecycle.events);
  const unmodelled = stripeEvent('customer.created', { id: 'cus_bulk', object: 'customer' }, { created: T0 });
  return shuffled(
    [
      ...events,
      ...events.filter((_, i) => i % 5 === 0),
      ...events.filter((_, i) => i % 11 === 3).map((event, i) => storedTwice(event, i + 1)),
      unmodelled,
    ],
    seed,
  );
};

/** Forgets some charge links, as a log written before links were recorded would: refunds and disputes
 * naming only their charge then fold as orphans until an event of the batch proves the link. */
const forgetLinks = (db: Db, share: number) =>
  db.query(`DELETE FROM eventstore.charge_links WHERE abs(hashtext(charge_id)) % 100 < $1`, [share]);

const readLog = (db: Db) => postgresEventStore(db).readAll(0, 1_000_000);

describe('rebuild', () => {
  let database: TestDatabase;
  beforeEach(async () => {
    database = await createTestDatabase();
  });
  afterEach(async () => {
    await database.drop();
  });
  const store = () => postgresEventStore(database.db);
  /** `held`: states held as objects; `parkedBytes`: memory for parked states (0: every park writes). */
  const rebuild = (list: readonly Projection[], batchSize: number, held = 150_000, parkedBytes = 0) =>
    rebuildProjections({
      db: database.db,
      store: store(),
      projections: list,
      batchSize,
      maxStatesInMemory: held,
      maxParkedBytes: parkedBytes,
    });

  it.each([
    [0, 1, 150_000, 0],
    [0, 37, 150_000, 0],
    [0, 5000, 150_000, 0],
    [50, 1, 150_000, 0],
    [50, 23, 150_000, 0],
    [100, 5000, 150_000, 0],
    [0, 3, 0, 0],
    [0, 29, 5, 0],
    [50, 13, 2, 0],
    [100, 41, 0, 0],
    [0, 3, 0, 1e9],
    [50, 13, 2, 1e9],
    [50, 7, 1, 20_000],
    [100, 41, 0, 5_000],
  ])(
    'gives every table the rows live batches give (%i%% of the charge links forgotten, batches of %i, %i states held, %i bytes parked)',
    async (forgotten, batchSize, held, parkedBytes) => {
      await storeEvents(database.db, variedLog(50, 31 + batchSize));
      await forgetLinks(database.db, forgotten);
      const log = await readLog(database.db);
      const expected = await appliedLive(database.db, log, batchSize);
      expect(Object.values(expected.payments!).flat().length).toBeGreaterThan(50);

      const report = await rebuild(projections, batchSize, held, parkedBytes);
      expect(report.events).toBe(log.length);
      expect(await snapshots(database.db)).toEqual(expected);
    },
  );

  it('gives every table the rows live batches give when memory runs short after every batch', async () => {
    await storeEvents(database.db, variedLog(40, 77));
    await forgetLinks(database.db, 50);
    const log = await readLog(database.db);
    const expected = await appliedLive(database.db, log, 17);
    await rebuildProjections({
      db: database.db,
      store: store(),
      projections,
      batchSize: 17,
      memoryShort: () => true,
    });
    expect(await snapshots(database.db)).toEqual(expected);
  });

  it('rebuilds a projection alone, or a few, as live batches give them', async () => {
    await storeEvents(database.db, variedLog(30, 5));
    await forgetLinks(database.db, 50);
    const expected = await appliedLive(database.db, await readLog(database.db), 10);
    for (const names of [['orders'], ['payment_status_history', 'refunds'], ['disputes', 'payments']]) {
      const list = projections.filter((p) => names.includes(p.name));
      await rebuild(list, 10, 3);
      const rebuilt = await snapshots(database.db, () => 'ledger', list);
      expect(rebuilt).toEqual(Object.fromEntries(names.map((name) => [name, expected[name]])));
    }
  });

  it('gives the history rows live batches give when a refund and a dispute naming only their charge come before the charge that links it', async () => {
    const [pi, ch] = ['pi_late_link', 'ch_late_link'];
    // Ingest files the refund and the dispute under the charge (its payment unknown then); a rebuild,
    // which knows the link from the start, folds them into the payment intent from the first.
    const arriving = [
      stripeEvent('refund.created', refund({ id: 're_late', charge: ch, amount: 500, status: 'succeeded' }), {
        created: T0 + 1,
      }),
      stripeEvent(
        'charge.dispute.created',
        dispute({
          id: 'dp_late',
          charge: ch,
          amount: 700,
          currency: 'usd',
          created: T0 + 2,
          status: 'needs_response',
        }),
        { created: T0 + 2 },
      ),
      // Naming no charge: only the charge's own event, last, proves the link.
      stripeEvent('payment_intent.succeeded', paymentIntent({ id: pi, status: 'succeeded' }), {
        created: T0 + 3,
      }),
      stripeEvent('charge.succeeded', charge({ id: ch, payment_intent: pi, status: 'succeeded' }), {
        created: T0,
      }),
    ];
    // Each event projected before the next is stored, so the live batches know no link before it is.
    const schemaOf = (p: Projection) => `live_${p.name}`;
    const targets = new Map<Projection, ProjectionTarget>();
    for (const projection of projections)
      targets.set(projection, await createTarget(database.db, schemaOf(projection), projection));
    const log: StoredEvent[] = [];
    for (const event of arriving) {
      const stored = await storeEvents(database.db, [event]);
      log.push(...stored);
      for (const projection of projections)
        await applyInBatches(database.db, projection, stored, 1, targets.get(projection));
    }
    expect(log.map((event) => event.stream)).toEqual([
      `payment-${ch}`,
      `payment-${ch}`,
      `payment-${pi}`,
      `payment-${pi}`,
    ]);
    const expected = await snapshots(database.db, schemaOf);
    await rebuild(projections, 5000);
    expect(await snapshots(database.db)).toEqual(expected);
  });

  it('keeps the first history row of each stripe event id, however often it is stored', async () => {
    await storeEvents(database.db, variedLog(30, 13));
    const expected = await appliedLive(database.db, await readLog(database.db), 17, [history]);
    await rebuild([history], 17, 2, 1e9);
    expect(await snapshots(database.db, () => 'ledger', [history])).toEqual(expected);
  });

  it('leaves fold state from which live batches go on as if there had been no rebuild', async () => {
    // A log cut in two: the rebuild folds the first part; the second arrives afterwards, completing
    // payments, refunding them, and proving links of orphans folded in the first.
    const log = variedLog(50, 77);
    const cut = Math.floor(log.length * 0.6);
    const [first, second] = [log.slice(0, cut), log.slice(cut)];
    const live = Object.fromEntries(
      await Promise.all(
        projections.map(async (p) => [p.name, await createTarget(database.db, `never_${p.name}`, p)]),
      ),
    );
    const applyLive = async (schemaOf: (p: Projection) => string, events: StoredEvent[]) => {
      for (const projection of projections) {
        await applyInBatches(database.db, projection, events, 25, { schema: schemaOf(projection) });
      }
    };
    const firstStored = await storeEvents(database.db, first);
    await forgetLinks(database.db, 30);
    await applyLive((p) => live[p.name]!.schema, firstStored);

    await rebuild(projections, 40, 4, 3_000);
    const neverRebuilt = () => snapshots(database.db, (p) => live[p.name]!.schema);
    expect(await snapshots(database.db)).toEqual(await neverRebuilt());

    const secondStored = await storeEvents(database.db, second);
    await applyLive((p) => live[p.name]!.schema, secondStored);
    await applyLive(() => 'ledger', secondStored);
    expect(await snapshots(database.db)).toEqual(await neverRebuilt());
  });

  it('names the event it cannot fold and swaps nothing', async () => {
    await storeEvents(database.db, variedLog(10, 9));
    await rebuild(projections, 100);
    const before = await snapshots(database.db);
    const poison = stripeEvent(
      'payment_intent.created',
      paymentIntent({ id: 'pi_poison', status: 'requires_magic' }),
      { created: T0 },
    );
    await storeEvents(database.db, [poison]);
    await storeEvents(database.db, variedLog(5, 10));
    const failed = rebuild(projections, 100);
    await expect(failed).rejects.toThrow(RebuildError);
    await expect(failed).rejects.toThrow(
      new RegExp(
        `failed at event ${poison.metadata.stripe_event_id} \\(position \\d+, payment_intent.created\\): .*requires_magic`,
      ),
    );
    expect(await snapshots(database.db)).toEqual(before);
    const { rows } = await database.db.query(
      `SELECT 1 FROM pg_namespace WHERE nspname LIKE 'ledger\\_rebuild%'`,
    );
    expect(rows).toEqual([]);
  });
});

describe('rebuild on the embedded database', () => {
  it('gives every table the rows live batches give', async () => {
    const template = process.env.STRIPE_LEDGER_EMBEDDED_TEMPLATE;
    const db = await pgliteDb(template ? { loadDataDir: new Blob([readFileSync(template)]) } : {});
    try {
      await migrate(db);
      await storeEvents(db, variedLog(15, 41));
      await forgetLinks(db, 50);
      const store = postgresEventStore(db);
      const expected = await appliedLive(db, await readLog(db), 20);
      await rebuildProjections({
        db,
        store,
        projections,
        batchSize: 20,
        maxStatesInMemory: 3,
        maxParkedBytes: 4_000,
      });
      expect(await snapshots(db)).toEqual(expected);
    } finally {
      await db.close();
    }
  });
});

/**
 * The rebuild's fast path (projections/bulk.ts) against event-by-event apply(): for the same stored log,
 * every table (read models and fold state; history without id and recorded_at) must hold the same rows,
 * and live apply() continuing after a bulk rebuild must end where it ends without one.
 */
import { readFileSync } from 'node:fs';
import { hasBulkPath, type RebuildableProjection } from '../projections/bulk.js';
import { projections } from '../projections/index.js';
import {
  historyBulkBuild,
  paymentStatusHistoryProjection as history,
} from '../projections/payment_status_history/projection.js';
import type { Projection } from '../projections/projection.js';
import { HELD_PAYMENTS, HELD_PAYMENTS_KEY } from '../projections/shared/bulkSession.js';
import { IdHashSet } from '../projections/shared/idHashSet.js';
import { HELD_OBJECTS_KEY } from '../projections/shared/objectProjection.js';
import {
  applyInBatches,
  createTarget,
  sampleLifecycles,
  shuffled,
  snapshotOf,
  storeEvents,
} from './support/dbTesting.js';
import { paymentIntent, stripeEvent, T0 } from './support/testEvents.js';
import { migrate } from '../src/db/migrate.js';
import { pgliteDb } from '../src/db/pglite.js';
import type { Db } from '../src/db/port.js';
import { postgresEventStore } from '../src/eventstore/postgres/postgresEventStore.js';
import type { StoredEvent } from '../src/eventstore/port.js';
import { copyLine } from '../src/projector/copyRows.js';
import { rebuildProjections, RebuildError } from '../src/projector/rebuild.js';
import { createTestDatabase, type TestDatabase } from './support/testDatabase.js';

const BOOKKEEPING = ['id', 'recorded_at'];

/** The same projections without their fast path: the rebuild goes event by event through apply(). */
const eventByEvent: RebuildableProjection[] = projections.map((p) => ({ ...p, bulk: undefined }));

const snapshots = async (db: Db, schema = 'ledger') =>
  Object.fromEntries(
    await Promise.all(projections.map(async (p) => [p.name, await snapshotOf(db, p, schema, BOOKKEEPING)])),
  );

/** The projections, their fast path holding at most `held` payment states (and as many refunds and
 * disputes) in memory: the others are loaded to the tables, and read back when a later event touches
 * them. */
const holding = (held: number): RebuildableProjection[] =>
  projections.map((p) => ({
    ...p,
    bulk: {
      mirrors: p.apply,
      start: (shared) => {
        shared.set(HELD_PAYMENTS_KEY, held);
        shared.set(HELD_OBJECTS_KEY, held);
        return p.bulk!.start(shared);
      },
    },
  }));

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

describe('bulk rebuild', () => {
  let database: TestDatabase;
  beforeEach(async () => {
    database = await createTestDatabase();
  });
  afterEach(async () => {
    await database.drop();
  });
  const store = () => postgresEventStore(database.db);
  const rebuild = (list: readonly RebuildableProjection[], batchSize: number) =>
    rebuildProjections({ db: database.db, store: store(), projections: list, batchSize });

  it('is taken only when every projection has a fast path that mirrors its own apply', () => {
    expect(projections.every(hasBulkPath)).toBe(true);
    const wrapped: Projection = { ...projections[0]!, apply: async () => undefined };
    expect(hasBulkPath(wrapped)).toBe(false);
    expect(eventByEvent.some(hasBulkPath)).toBe(false);
  });

  it.each([
    [0, 1, HELD_PAYMENTS],
    [0, 37, HELD_PAYMENTS],
    [0, 5000, HELD_PAYMENTS],
    [50, 1, HELD_PAYMENTS],
    [50, 23, HELD_PAYMENTS],
    [100, 5000, HELD_PAYMENTS],
    [0, 1, 0],
    [0, 29, 5],
    [50, 13, 2],
    [100, 41, 0],
  ])(
    'gives every table the rows apply() gives (%i%% of the charge links forgotten, batches of %i, %i payments held)',
    async (forgotten, batchSize, held) => {
      await storeEvents(database.db, variedLog(50, 31 + batchSize));
      await forgetLinks(database.db, forgotten);
      const applied = await rebuild(eventByEvent, batchSize);
      expect(applied.fastPath).toBe(false);
      const expected = await snapshots(database.db);
      expect(Object.values(expected.payments!).flat().length).toBeGreaterThan(50);

      const bulk = await rebuild(holding(held), batchSize);
      expect(bulk.fastPath).toBe(true);
      expect(bulk.events).toBe(applied.events);
      expect(await snapshots(database.db)).toEqual(expected);
    },
  );

  it('rebuilds a projection alone, or a few, as apply() does', async () => {
    await storeEvents(database.db, variedLog(30, 5));
    await forgetLinks(database.db, 50);
    await rebuild(eventByEvent, 10);
    const expected = await snapshots(database.db);
    for (const names of [['orders'], ['payment_status_history', 'refunds'], ['disputes', 'payments']]) {
      await rebuild(
        holding(3).filter((p) => names.includes(p.name)),
        10,
      );
      expect(await snapshots(database.db)).toEqual(expected);
    }
  });

  it('keeps the first history row of each stripe event id when their hashes collide', async () => {
    await storeEvents(database.db, variedLog(30, 13));
    await rebuild([{ ...history, bulk: undefined }], 17);
    const expected = await snapshotOf(database.db, history, 'ledger', BOOKKEEPING);
    // Three hash values for every id: nearly every row is held back and inserted at the end.
    const colliding: RebuildableProjection = {
      ...history,
      bulk: {
        mirrors: history.apply,
        start: (shared) => historyBulkBuild(shared, new IdHashSet((id) => [id.length % 3, 0])),
      },
    };
    expect((await rebuild([colliding], 17)).fastPath).toBe(true);
    expect(await snapshotOf(database.db, history, 'ledger', BOOKKEEPING)).toEqual(expected);
  });

  it('leaves fold state from which live apply() goes on as if there had been no rebuild', async () => {
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

    const report = await rebuild(holding(4), 40);
    expect(report.fastPath).toBe(true);
    const neverRebuilt = async () =>
      Object.fromEntries(
        await Promise.all(
          projections.map(async (p) => [
            p.name,
            await snapshotOf(database.db, p, live[p.name]!.schema, BOOKKEEPING),
          ]),
        ),
      );
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
    const { rows } = await database.db.query(`SELECT 1 FROM pg_namespace WHERE nspname = 'ledger_rebuild'`);
    expect(rows).toEqual([]);
  });
});

describe('bulk rebuild on the embedded database (multi-row INSERTs instead of COPY)', () => {
  it('gives every table the rows apply() gives', async () => {
    const template = process.env.STRIPE_LEDGER_EMBEDDED_TEMPLATE;
    const db = await pgliteDb(template ? { loadDataDir: new Blob([readFileSync(template)]) } : {});
    try {
      await migrate(db);
      await storeEvents(db, variedLog(15, 41));
      await forgetLinks(db, 50);
      const store = postgresEventStore(db);
      await rebuildProjections({ db, store, projections: eventByEvent, batchSize: 20 });
      const expected = await snapshots(db);
      const bulk = await rebuildProjections({ db, store, projections: holding(3), batchSize: 20 });
      expect(bulk.fastPath).toBe(true);
      expect(await snapshots(db)).toEqual(expected);
    } finally {
      await db.close();
    }
  });
});

describe('COPY text lines', () => {
  it('escapes what delimits fields and rows, writes NULL as \\N and objects as JSON', () => {
    expect(copyLine(['a\tb', 'c\nd\re\\f', null, undefined, 3, true, { k: 'x\ny"\\' }, ['p']])).toBe(
      'a\\tb\tc\\nd\\re\\\\f\t\\N\t\\N\t3\ttrue\t{"k":"x\\\\ny\\\\"\\\\\\\\"}\t["p"]\n',
    );
  });
});

describe('id hash set', () => {
  it('answers "certainly new" only for ids it has not seen, and never "certainly not" for one it has', () => {
    const set = new IdHashSet();
    const ids = Array.from({ length: 300_000 }, (_, i) => `evt_${i.toString(36)}`);
    expect(ids.filter((id) => set.add(id))).toEqual(ids);
    expect(ids.filter((id) => set.add(id) || !set.mightHave(id))).toEqual([]);
    expect(set.mightHave('evt_never')).toBe(false);
  });
});

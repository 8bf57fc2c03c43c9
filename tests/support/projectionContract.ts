/** The behaviour every projection shares, proven on a real database (test-only). */
import type { StoredEvent } from '../../src/eventstore/port.js';
import { createTestDatabase, type TestDatabase } from './testDatabase.js';
import type { Projection } from '../../projections/projection.js';
import {
  applyInBatches,
  createTarget,
  sampleLifecycles,
  shuffled,
  snapshotOf,
  statementsOf,
  storeEvents,
} from './dbTesting.js';
import type { Lifecycle } from './lifecycles.js';
import { paymentIntent, stripeEvent, T0 } from './testEvents.js';

/** Most statements one apply() may send, whatever the batch size. */
export const MAX_STATEMENTS = 6;

export type ContractContext = {
  database: () => TestDatabase;
  lifecycles: () => Lifecycle[];
  /** Every event as the store handed it out, in arrival order; already applied to schema ledger. */
  stored: () => StoredEvent[];
};

export const describeProjectionContract = (
  projection: Projection,
  options: { columnsSetByArrival?: readonly string[]; ignored?: readonly string[] },
  specific: (context: ContractContext) => void,
) => {
  describe(`${projection.name} projection on PostgreSQL`, () => {
    let database: TestDatabase;
    let lifecycles: Lifecycle[];
    const stored: StoredEvent[] = [];
    const ignored = options.ignored ?? [];

    beforeAll(async () => {
      database = await createTestDatabase();
      lifecycles = sampleLifecycles(40);
      const unmodelled = stripeEvent(
        'customer.created',
        { id: 'cus_x', object: 'customer' },
        { created: T0 },
      );
      const arrival = shuffled([...lifecycles.flatMap((l) => l.events), unmodelled]);
      // As it happens live: each event appended, then projected, links learnt along the way.
      const live = await createTarget(database.db, 'as_arrived', projection);
      for (const event of arrival) {
        const [one] = await storeEvents(database.db, [event]);
        stored.push(one!);
        await applyInBatches(database.db, projection, [one!], 1, live);
      }
      await applyInBatches(database.db, projection, stored, 1000);
    });
    afterAll(async () => {
      await database?.drop();
    });

    it('ends in the same rows whether a batch holds every event or one event each', async () => {
      const split = await createTarget(database.db, 'one_by_one', projection);
      await applyInBatches(database.db, projection, stored, 1, split);
      expect(await snapshotOf(database.db, projection, 'one_by_one', ignored)).toEqual(
        await snapshotOf(database.db, projection, 'ledger', ignored),
      );
    });

    it('ends in the same rows when each event was projected as it arrived', async () => {
      const without = [...ignored, ...(options.columnsSetByArrival ?? [])];
      expect(await snapshotOf(database.db, projection, 'as_arrived', without)).toEqual(
        await snapshotOf(database.db, projection, 'ledger', without),
      );
    });

    it('changes nothing when the same batch is applied again', async () => {
      const before = await snapshotOf(database.db, projection, 'ledger');
      await applyInBatches(database.db, projection, stored, 1000);
      expect(await snapshotOf(database.db, projection, 'ledger')).toEqual(before);
    });

    it(`sends at most ${MAX_STATEMENTS} statements per batch, whatever its size`, async () => {
      const one = await createTarget(database.db, 'count_one', projection);
      const all = await createTarget(database.db, 'count_all', projection);
      const single = stored.find((e) => e.type !== 'StripeEventUnmodelled')!;
      expect(await statementsOf(database.db, projection, [single], one)).toBeLessThanOrEqual(MAX_STATEMENTS);
      expect(await statementsOf(database.db, projection, stored, all)).toBeLessThanOrEqual(MAX_STATEMENTS);
    });

    it('throws on an event it cannot apply and writes nothing of its batch', async () => {
      const target = await createTarget(database.db, 'poison', projection);
      const poison = stripeEvent(
        'payment_intent.created',
        paymentIntent({ id: 'pi_poison', status: 'requires_magic' }),
        { created: T0 },
      );
      const [storedPoison] = await storeEvents(database.db, [poison]);
      await expect(
        applyInBatches(database.db, projection, [stored[0]!, storedPoison!], 10, target),
      ).rejects.toThrow(/requires_magic/);
      const rows = await snapshotOf(database.db, projection, 'poison');
      expect(Object.values(rows).flat()).toEqual([]);
    });

    specific({ database: () => database, lifecycles: () => lifecycles, stored: () => stored });
  });
};

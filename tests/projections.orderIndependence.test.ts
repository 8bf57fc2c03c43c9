/**
 * SPEC section 5, folding rule 1, through the real pieces: events appended to the PostgreSQL event
 * store as ingest appends them, folded by the real projector with the real projections. Whatever the
 * arrival order, duplicates and same-second ties, the read models end as they do for logical delivery.
 */
import fc from 'fast-check';
import { pino } from 'pino';
import { specArb } from './support/lifecycleArb.js';
import { buildLifecycle, type Lifecycle } from './support/lifecycles.js';
import { redelivered } from './support/testEvents.js';
import { projections } from '../projections/index.js';
import type { Db } from '../src/db/port.js';
import type { StoredEvent } from '../src/eventstore/port.js';
import { postgresEventStore } from '../src/eventstore/postgres/postgresEventStore.js';
import { startProjector } from '../src/projector/projector.js';
import { appendAsIngest } from './support/appendAsIngest.js';
import { readModels, waitForCheckpointsAtHead } from './support/ledgerRows.js';
import { createTestDatabase, type TestDatabase } from './support/testDatabase.js';

const logger = pino({ level: 'silent' });

/** Every table the store and the projector write, emptied between runs; positions start at 0 again.
 * DELETE, not TRUNCATE: on tables this small it is two orders of magnitude faster. */
const forgetEverything = async (db: Db) => {
  const { rows } = await db.query<{ name: string }>(
    `SELECT schemaname || '.' || tablename AS name FROM pg_tables
      WHERE schemaname IN ('eventstore', 'ledger') AND tablename NOT IN ('head', 'projection_checkpoints')`,
  );
  await db.query(rows.map((row) => `DELETE FROM ${row.name};`).join(' '));
  await db.query('UPDATE eventstore.head SET position = 0');
  await db.query(
    `UPDATE ledger.projection_checkpoints SET position = 0, state = 'active', last_error = NULL, owner = NULL, heartbeat_at = NULL`,
  );
};

/** Appends the delivery groups as ingest would, projects them, and reads the read models. */
const project = async (db: Db, groups: StoredEvent[][], batchSize: number) => {
  await forgetEverything(db);
  const store = postgresEventStore(db);
  await appendAsIngest(store, groups);
  const projector = await startProjector({ db, store, projections, logger, batchSize, pollMs: 50 });
  try {
    await waitForCheckpointsAtHead(db, { intervalMs: 5 });
  } finally {
    await projector.stop();
  }
  const { history: _history, ...rows } = await readModels(db);
  return rows;
};

/**
 * Some lifecycles with distinct ids, and how they are delivered: every event in any order, some more
 * than once (`order` holds indices into their events, in logical order; its tail are the duplicates),
 * cut into commit groups. Plain specs and indices, so a counterexample reads well.
 */
const scenarioArb = fc
  .uniqueArray(specArb, { minLength: 1, maxLength: 3, selector: (spec) => spec.n })
  .chain((specs) => {
    const count = specs.reduce((sum, spec) => sum + buildLifecycle(spec).events.length, 0);
    return fc.record({
      specs: fc.constant(specs),
      order: fc.array(fc.nat(count - 1), { maxLength: 5 }).chain((duplicates) =>
        fc.shuffledSubarray([...Array(count).keys(), ...duplicates], {
          minLength: count + duplicates.length,
        }),
      ),
      groupSizes: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 8 }),
      batchSize: fc.constantFrom(1, 2, 3, 1000),
    });
  });

/** The delivered events (a second sighting of an event is a redelivery of it) in commit groups. */
const deliveries = (events: StoredEvent[], order: number[], groupSizes: number[]): StoredEvent[][] => {
  const seen = new Set<number>();
  const delivered = order.map((i) => {
    const again = seen.has(i);
    seen.add(i);
    return again ? redelivered(events[i]!) : events[i]!;
  });
  const groups: StoredEvent[][] = [];
  for (let at = 0, g = 0; at < delivered.length; g += 1) {
    const size = groupSizes[g % groupSizes.length]!;
    groups.push(delivered.slice(at, at + size));
    at += size;
  }
  return groups;
};

const expectedPayment = (lifecycle: Lifecycle) => ({
  payment_id: lifecycle.paymentId,
  ...lifecycle.expected,
});

describe('projecting generated lifecycles through the event store and the projector', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('ends in the same payments, orders, refunds and disputes whatever the order, duplicates and commit groups', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb, async ({ specs, order, groupSizes, batchSize }) => {
        const lifecycles = specs.map(buildLifecycle);
        const events = lifecycles.flatMap((lifecycle) => lifecycle.events);
        // Logical order: one delivery at a time, each event in the order Stripe produced it.
        const logical = events.map((event) => [event]);
        const expected = await project(database.db, logical, 1000);
        expect(expected.payments).toEqual(
          [...lifecycles]
            .sort((a, b) => (a.paymentId < b.paymentId ? -1 : 1))
            .map((lifecycle) => expect.objectContaining(expectedPayment(lifecycle))),
        );

        const delivered = deliveries(events, order, groupSizes);
        expect(await project(database.db, delivered, batchSize)).toEqual(expected);
      }),
      { numRuns: 40 },
    );
  }, 120_000);
});

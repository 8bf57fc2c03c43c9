/**
 * SPEC section 5, folding rule 1, through the real pieces: events appended to the PostgreSQL event
 * store as ingest appends them, folded by the real projector with the real projections. Whatever the
 * arrival order, duplicates and same-second ties, the read models end as they do for logical delivery:
 * payments, orders (several payments may share one), refunds and disputes entirely, with varied amounts
 * and currencies; and of payment_status_history what does not depend on arrival by nature.
 *
 * payment_status_history records each event with the status before and after it *as applied*, so
 * from_status and to_status follow arrival (a payment_intent.succeeded arriving first moves from none to
 * paid; in logical order it moves from processing to paid). Order-independent, and tested: one row per
 * Stripe event applied to a payment, with its payment_id, order_id (the payment's, whichever event named
 * it first), stripe_event_id, event_type and occurred_at; and what the daily report computes
 * from the history (the day and amount each payment first became paid), compared report to report.
 *
 * Duplicates reach the projector two ways: a redelivery (the same event id, which the store dedupes),
 * and a re-import (the same Stripe event appended again under an event id of its own, as an import or
 * snapshot path minting its ids would): the store keeps both, so only the projections can dedupe it.
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { pino } from 'pino';
import { DAILY_SQL } from '../src/api/dailyReport.js';
import { pricedSpecArb } from './support/lifecycleArb.js';
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
  const { history, ...rows } = await readModels(db);
  const daily = await db.query(DAILY_SQL, ['2000-01-01', '2100-01-01']);
  return {
    ...rows,
    history: history.map(({ payment_id, order_id, stripe_event_id, event_type, occurred_at }) => ({
      payment_id,
      order_id,
      stripe_event_id,
      event_type,
      occurred_at,
    })),
    daily: daily.rows,
  };
};

/**
 * Some lifecycles with distinct ids, and how they are delivered: every event in any order, some more
 * than once (`order` holds indices into their events, in logical order; its tail are the duplicates),
 * cut into commit groups. Plain specs and indices, so a counterexample reads well.
 */
const scenarioArb = fc
  .uniqueArray(pricedSpecArb, { minLength: 1, maxLength: 3, selector: (spec) => spec.n })
  .chain((priced) =>
    // Payments of one order: some share order_A or order_B, the others keep an order of their own.
    fc
      .array(fc.constantFrom(undefined, 'order_A', 'order_B'), {
        minLength: priced.length,
        maxLength: priced.length,
      })
      .map((orders) => priced.map((spec, i) => (orders[i] ? { ...spec, orderId: orders[i] } : spec))),
  )
  .chain((specs) => {
    const count = specs.reduce((sum, spec) => sum + buildLifecycle(spec).events.length, 0);
    return fc.record({
      specs: fc.constant(specs),
      reimported: fc.array(fc.nat(count - 1), { maxLength: 3 }),
      order: fc.array(fc.nat(count - 1), { maxLength: 5 }).chain((duplicates) =>
        fc.shuffledSubarray([...Array(count).keys(), ...duplicates], {
          minLength: count + duplicates.length,
        }),
      ),
      groupSizes: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 8 }),
      batchSize: fc.constantFrom(1, 2, 3, 1000),
    });
  });

/** A Stripe event appended again under an event id of its own, as an import path minting ids would. */
const reimported = (event: StoredEvent): StoredEvent => ({ ...redelivered(event), id: randomUUID() });

/**
 * The delivered events (a second sighting of an event is a redelivery of it) in commit groups, with the
 * re-imported events interleaved after their first delivery.
 */
const deliveries = (
  events: StoredEvent[],
  order: number[],
  groupSizes: number[],
  reimports: number[] = [],
): StoredEvent[][] => {
  const seen = new Set<number>();
  const delivered = order.flatMap((i) => {
    const again = seen.has(i);
    seen.add(i);
    const copies = again ? [] : reimports.filter((r) => r === i).map(() => reimported(events[i]!));
    return [again ? redelivered(events[i]!) : events[i]!, ...copies];
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

  it('ends in the same payments, orders, refunds, disputes, history events and daily report whatever the order, duplicates and commit groups', async () => {
    await fc.assert(
      fc.asyncProperty(
        scenarioArb,
        async ({ specs, order, groupSizes, batchSize, reimported: reimports }) => {
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

          // Every payment is in the history once per event applied to it, and paid ones are in the report.
          expect(new Set(expected.history.map((row) => row.stripe_event_id)).size).toBe(
            expected.history.length,
          );
          const paid = lifecycles.filter((l) =>
            ['paid', 'partially_refunded', 'refunded'].includes(l.expected.payment_status),
          );
          const reported = expected.daily.reduce((sum, row) => sum + Number(row.payments_paid), 0);
          expect(reported).toBe(paid.length);

          const delivered = deliveries(events, order, groupSizes, reimports);
          expect(await project(database.db, delivered, batchSize)).toEqual(expected);
        },
      ),
      { numRuns: 40 },
    );
  }, 120_000);
});

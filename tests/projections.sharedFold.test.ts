/**
 * Projections declaring the same fold (payments, orders and history share the payment fold) have it
 * run once per batch: their workers get the same batch array from the projector's shared reads, and
 * when their stored states are the same, the second and third reuse the first's fold.
 */
import { defineProjection, type Fold, type Projection } from '../projections/projection.js';
import type { StoredEvent } from '../src/eventstore/port.js';
import { applyBatch } from '../src/projector/engine/applyBatch.js';
import { paymentIntent, stripeEvent, T0 } from './support/testEvents.js';
import { createTestDatabase, type TestDatabase } from './support/testDatabase.js';

/** A fold that records which events each stream saw (a set: order and duplicates do not matter). */
const recordingFold = (evolved: { count: number }): Fold<Record<string, true>> => ({
  name: 'seen',
  route: (events) => events.map((event) => ({ event, key: event.stream, paymentId: null, absorbs: [] })),
  evolve: (state, { event }) => {
    evolved.count += 1;
    return { ...state, [event.metadata.stripe_event_id]: true };
  },
  merge: (a, b) => ({ ...a, ...b }),
  stored: {
    columns: ['state'],
    json: ['state'],
    toRow: (state) => ({ state }),
    fromRow: (row) => row.state as Record<string, true>,
  },
});

const seenBy = (name: 'payments' | 'orders', fold: Fold<Record<string, true>>): Projection =>
  defineProjection({ name, fold, state: { table: `seen_${name}`, key: 'stream' }, rowTables: {} });

const events = (from: number, count: number): StoredEvent[] =>
  Array.from({ length: count }, (_, i) =>
    stripeEvent(
      'payment_intent.created',
      paymentIntent({ id: `pi_shared_${(from + i) % 4}`, status: 'requires_payment_method' }),
      {
        created: T0 + from + i,
      },
    ),
  );

describe('a fold shared by several projections', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
    for (const table of ['seen_payments', 'seen_orders']) {
      await database.db.query(`CREATE TABLE ledger.${table} (stream text PRIMARY KEY, state jsonb NOT NULL)`);
    }
  });
  afterAll(async () => {
    await database?.drop();
  });

  const states = async (table: string) =>
    (await database.db.query(`SELECT stream, state FROM ledger.${table} ORDER BY stream`)).rows;
  const apply = (projection: Projection, batch: StoredEvent[]) =>
    database.db.transaction((tx) => applyBatch(tx, projection, batch, { schema: 'ledger' }, new Map()));

  it('folds a batch once for every projection whose stored states are the same', async () => {
    const evolved = { count: 0 };
    const fold = recordingFold(evolved);
    const [payments, orders] = [seenBy('payments', fold), seenBy('orders', fold)];
    for (const batch of [events(0, 10), events(10, 10)]) {
      await apply(payments, batch);
      await apply(orders, batch);
    }
    expect(evolved.count).toBe(20);
    expect(await states('seen_orders')).toEqual(await states('seen_payments'));
    expect(Object.keys((await states('seen_payments'))[0]!.state as object)).toHaveLength(5);
  });

  it('folds again for a projection whose stored states differ', async () => {
    const evolved = { count: 0 };
    const fold = recordingFold(evolved);
    const [payments, orders] = [seenBy('payments', fold), seenBy('orders', fold)];
    await apply(payments, events(20, 4));
    const batch = events(24, 4);
    await apply(payments, batch);
    await apply(orders, batch);
    expect(evolved.count).toBe(12);
    const paymentStates = await states('seen_payments');
    const orderStates = await states('seen_orders');
    expect(orderStates.map((row) => Object.keys(row.state as object).length)).toEqual(
      paymentStates.map((row) => Object.keys(row.state as object).length - 1),
    );
  });
});

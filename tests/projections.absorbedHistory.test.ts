/**
 * A payment first known from its charge (an older API's charge event naming no payment intent) is filed
 * under the charge until an event names both. Live, that event may come in a later batch than the
 * charge's; a rebuild knows every link from the start and files everything under the payment intent.
 * The status history must end the same both ways: the charge's rows follow the payment intent, and the
 * event that joins them starts from the status the charge gave.
 */
import { projections } from '../projections/index.js';
import { paymentStatusHistoryProjection as history } from '../projections/payment_status_history/projection.js';
import type { Projection, ProjectionTarget } from '../projections/projection.js';
import type { Db } from '../src/db/port.js';
import { postgresEventStore } from '../src/eventstore/postgres/postgresEventStore.js';
import type { StoredEvent } from '../src/eventstore/port.js';
import { rebuildSession } from '../src/projector/engine/rebuildSession.js';
import { rebuildProjections } from '../src/projector/rebuild.js';
import {
  applyInBatches,
  createTarget,
  sampleLifecycles,
  shuffled,
  snapshotOf,
  storeEvents,
} from './support/dbTesting.js';
import { charge, paymentIntent, refund, stripeEvent, T0 } from './support/testEvents.js';
import { createTestDatabase, type TestDatabase } from './support/testDatabase.js';

const at = (s: number) => ({ created: T0 + s });

/** A payment intent whose charge's events (an older API version) do not name it. */
const legacyPayment = (name: string) => {
  const [pi, ch] = [`pi_${name}`, `ch_${name}`];
  const meta = { metadata: { order_id: `order_${name}` } };
  return {
    pi,
    ch,
    charged: () =>
      stripeEvent(
        'charge.succeeded',
        charge({ id: ch, payment_intent: null, status: 'succeeded', ...meta }),
        at(5),
      ),
    refunded: () =>
      stripeEvent(
        'charge.refund.updated',
        refund({ id: `re_${name}`, charge: ch, amount: 500, status: 'succeeded' }),
        at(20),
      ),
    succeeded: () =>
      stripeEvent(
        'payment_intent.succeeded',
        paymentIntent({ id: pi, status: 'succeeded', orderId: `order_${name}`, latest_charge: ch }),
        at(6),
      ),
  };
};

const historyIn = async (db: Db, schema: string) =>
  (
    await db.query(
      `SELECT payment_id, event_type, from_status, to_status FROM ${schema}.payment_status_history ORDER BY id`,
    )
  ).rows;

// A database per test: the event store and its charge links are shared by everything in one.
let database: TestDatabase;
beforeEach(async () => {
  database = await createTestDatabase();
});
afterEach(async () => {
  await database.drop();
});

describe('status history of a payment first filed under its charge', () => {
  /** Each event stored and applied before the next is stored: the link is learnt only with the event
   * that proves it. Returns the stored log. */
  const appliedOneByOne = async (events: readonly StoredEvent[], schema: string) => {
    const target = await createTarget(database.db, schema, history);
    const log: StoredEvent[] = [];
    for (const event of events) {
      const stored = await storeEvents(database.db, [event]);
      await applyInBatches(database.db, history, stored, 1, target);
      log.push(...stored);
    }
    return log;
  };

  /** What a rebuild gives: the whole log folded knowing every link the event store holds. */
  const appliedKnowingEveryLink = async (log: readonly StoredEvent[], schema: string) => {
    const target = await createTarget(database.db, schema, history);
    await applyInBatches(database.db, history, log, log.length, target);
    return historyIn(database.db, schema);
  };

  it('moves the rows written under the charge to the payment intent when a later batch links them', async () => {
    const p = legacyPayment('late');
    const log = await appliedOneByOne([p.charged(), p.succeeded()], 'live');
    expect(await historyIn(database.db, 'live')).toEqual([
      { payment_id: p.pi, event_type: 'charge.succeeded', from_status: null, to_status: 'paid' },
      { payment_id: p.pi, event_type: 'payment_intent.succeeded', from_status: 'paid', to_status: 'paid' },
    ]);
    expect(await historyIn(database.db, 'live')).toEqual(await appliedKnowingEveryLink(log, 'rebuilt'));
  });

  it('moves a refund recorded under the charge too, and starts the joining row from the refunded status', async () => {
    const p = legacyPayment('refunded');
    const log = await appliedOneByOne([p.charged(), p.refunded(), p.succeeded()], 'live');
    const live = await historyIn(database.db, 'live');
    expect(live.map((row) => row.payment_id)).toEqual([p.pi, p.pi, p.pi]);
    expect(live.at(-1)).toEqual({
      payment_id: p.pi,
      event_type: 'payment_intent.succeeded',
      from_status: 'partially_refunded',
      to_status: 'partially_refunded',
    });
    expect(live).toEqual(await appliedKnowingEveryLink(log, 'rebuilt'));
  });

  it('records a refund held under its charge as a rebuild does once the charge names the payment intent', async () => {
    const pi = 'pi_held';
    const created = stripeEvent(
      'payment_intent.created',
      paymentIntent({ id: pi, status: 'requires_payment_method', orderId: 'order_held' }),
      at(0),
    );
    const orphanRefund = stripeEvent(
      'refund.created',
      refund({ id: 're_held', charge: 'ch_held', amount: 500, status: 'succeeded' }),
      at(3),
    );
    const charged = stripeEvent(
      'charge.succeeded',
      charge({ id: 'ch_held', payment_intent: pi, status: 'succeeded' }),
      at(5),
    );
    const log = await appliedOneByOne([created, orphanRefund, charged], 'live');
    expect(await historyIn(database.db, 'live')).toEqual(await appliedKnowingEveryLink(log, 'rebuilt'));
  });

  it('moves the rows a rebuild already wrote under the charge when the log proves a link the store lacks', async () => {
    const p = legacyPayment('together');
    const log = await storeEvents(database.db, [p.charged(), p.succeeded()]);
    // No links known, and every history row written at once: the join finds the charge's row in the table.
    const target = await createTarget(database.db, 'batch', history);
    const session = rebuildSession(database.db, [history], target, {
      maxStates: 100,
      maxParkedBytes: 1e6,
      maxHistoryRows: 1,
    });
    for (const event of log) await session.add([event], new Map());
    await session.finish();
    expect((await historyIn(database.db, 'batch')).map((row) => row.payment_id)).toEqual([p.pi, p.pi]);
  });
});

describe('every projection, with links learnt one event at a time', () => {
  /** Each payment's events in the order they happened, payments interleaved one event at a time. */
  const interleaved = (lifecycles: readonly { events: StoredEvent[] }[]): StoredEvent[] => {
    const longest = Math.max(...lifecycles.map((l) => l.events.length));
    return Array.from({ length: longest }, (_, i) => lifecycles.flatMap((l) => l.events[i] ?? [])).flat();
  };

  /** Every third payment's charge events name no payment intent: until an event of its payment intent
   * names the charge, they are filed under the charge (and give a payment row of their own). */
  const withUnlinkedCharges = (lifecycles: ReturnType<typeof sampleLifecycles>) =>
    lifecycles.map((lifecycle, i) => ({
      ...lifecycle,
      events: lifecycle.events.map((event) => {
        const { stripe_event_type: type, stripe_event_id: id, created } = event.metadata;
        if (i % 3 !== 0 || !type.startsWith('charge.') || type.startsWith('charge.dispute')) return event;
        const object = (event.data as { object: Record<string, unknown> }).object;
        if (object.object !== 'charge') return event;
        return stripeEvent(type as 'charge.succeeded', { ...object, payment_intent: null }, { id, created });
      }),
    }));

  it.each([
    ['in the order they happened', (l: ReturnType<typeof sampleLifecycles>) => interleaved(l), 'ordered'],
    [
      'shuffled',
      (l: ReturnType<typeof sampleLifecycles>) =>
        shuffled(
          l.flatMap((x) => x.events),
          17,
        ),
      'shuffled',
    ],
  ])(
    'ends as a rebuild that knew every link leaves it, events %s (history: same payment per event)',
    async (_, order, prefix) => {
      const db = database.db;
      const events = order(withUnlinkedCharges(sampleLifecycles(40, prefix === 'ordered' ? 912 : 911)));
      const schemaOf = (p: Projection) => `${prefix}_${p.name}`;
      const targets = new Map<Projection, ProjectionTarget>();
      for (const projection of projections)
        targets.set(projection, await createTarget(db, schemaOf(projection), projection));
      const underCharges = async () =>
        (
          await db.query<{ payment_id: string }>(
            `SELECT DISTINCT payment_id FROM ${prefix}_payment_status_history.payment_status_history
            WHERE payment_id LIKE 'ch\\_%'`,
          )
        ).rows.map((row) => row.payment_id);
      const everUnderCharges = new Set<string>();
      for (const event of events) {
        const stored = await storeEvents(db, [event]);
        for (const [projection, target] of targets) await applyInBatches(db, projection, stored, 1, target);
        for (const id of await underCharges()) everUnderCharges.add(id);
      }
      const linked = await db.query<{ charge_id: string }>(
        'SELECT charge_id FROM eventstore.charge_links WHERE charge_id = ANY($1)',
        [[...everUnderCharges]],
      );
      // Not vacuous: some payments' rows were written under their charge before an event linked them.
      expect(linked.rows.length).toBeGreaterThan(3);
      await rebuildProjections({ db, store: postgresEventStore(db), projections, batchSize: 50 });
      // Transitions follow what was known when each event was applied; the rows and their payments do not.
      // Fold states are compared through the rows they give: their JSON may list a record's keys in
      // another order.
      const readModels = async (projection: Projection, schema: string, without: string[]) => {
        const all = await snapshotOf(db, projection, schema, without);
        delete all[projection.state.table];
        return all;
      };
      const ignored = ['id', 'from_status', 'to_status', 'order_id'];
      for (const projection of projections) {
        const without = projection === history ? ignored : ['id'];
        expect({
          name: projection.name,
          rows: await readModels(projection, schemaOf(projection), without),
        }).toEqual({
          name: projection.name,
          rows: await readModels(projection, 'ledger', without),
        });
      }
    },
  );
});

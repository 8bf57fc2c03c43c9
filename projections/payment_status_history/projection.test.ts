import type { StoredEvent } from '../../src/eventstore/port.js';
import { applyInBatches, createTarget, storeEvents } from '../../tests/support/dbTesting.js';
import { describeProjectionContract } from '../../tests/support/projectionContract.js';
import { charge, paymentIntent, refund, stripeEvent, T0 } from '../../tests/support/testEvents.js';
import { paymentStatusHistoryProjection } from './projection.js';

const at = (s: number) => ({ created: T0 + s });

/** One payment's events; each test uses its own, as the event store (and its charge links) is shared. */
const payment = (name: string) => {
  const [pi, ch] = [`pi_${name}`, `ch_${name}`];
  return {
    pi,
    created: () =>
      stripeEvent(
        'payment_intent.created',
        paymentIntent({ id: pi, status: 'requires_payment_method', orderId: 'order_h' }),
        at(0),
      ),
    charged: () =>
      stripeEvent('charge.succeeded', charge({ id: ch, payment_intent: pi, status: 'succeeded' }), at(5)),
    succeeded: () =>
      stripeEvent(
        'payment_intent.succeeded',
        paymentIntent({ id: pi, status: 'succeeded', orderId: 'order_h', latest_charge: ch }),
        at(5),
      ),
    /** An older-API refund naming only its charge, appended before ingest knew the charge's payment. */
    orphanRefund: () =>
      stripeEvent(
        'refund.created',
        refund({ id: `re_${name}`, charge: ch, amount: 500, status: 'succeeded' }),
        at(9),
      ),
  };
};

const transitions = async (db: Parameters<typeof storeEvents>[0], schema: string) =>
  (
    await db.query(
      `SELECT payment_id, order_id, event_type, from_status, to_status, extract(epoch FROM occurred_at)::int AS at
         FROM ${schema}.payment_status_history ORDER BY id`,
    )
  ).rows;

describeProjectionContract(
  paymentStatusHistoryProjection,
  // Transitions depend on arrival by nature; the set of rows, their payments and orders do not.
  { ignored: ['id'], columnsSetByArrival: ['from_status', 'to_status'] },
  ({ database, stored }) => {
    it('records one row per event applied to a payment, every one of them', async () => {
      const applied = stored().filter(
        (e: StoredEvent) => e.type !== 'StripeEventUnmodelled' && e.stream.startsWith('payment-'),
      );
      const { rows } = await database().db.query('SELECT stripe_event_id FROM ledger.payment_status_history');
      expect(rows.map((r) => r.stripe_event_id).sort()).toEqual(
        applied.map((e) => e.metadata.stripe_event_id).sort(),
      );
    });

    it('records each transition with the Stripe event type and time', async () => {
      const db = database().db;
      const target = await createTarget(db, 'story', paymentStatusHistoryProjection);
      const { pi: PI, created, charged, succeeded } = payment('story');
      const events = await storeEvents(db, [created(), charged(), succeeded()]);
      await applyInBatches(db, paymentStatusHistoryProjection, events, 2, target);
      expect(await transitions(db, 'story')).toEqual([
        {
          payment_id: PI,
          order_id: 'order_h',
          event_type: 'payment_intent.created',
          from_status: null,
          to_status: 'pending',
          at: T0,
        },
        {
          payment_id: PI,
          order_id: 'order_h',
          event_type: 'charge.succeeded',
          from_status: 'pending',
          to_status: 'paid',
          at: T0 + 5,
        },
        {
          payment_id: PI,
          order_id: 'order_h',
          event_type: 'payment_intent.succeeded',
          from_status: 'paid',
          to_status: 'paid',
          at: T0 + 5,
        },
      ]);
    });

    it('records a refund that waited for its charge link when the link arrives, under the payment intent', async () => {
      const db = database().db;
      const target = await createTarget(db, 'orphan', paymentStatusHistoryProjection);
      const { pi: PI, created, charged, orphanRefund } = payment('orphan');
      for (const event of [created(), orphanRefund(), charged()]) {
        await applyInBatches(db, paymentStatusHistoryProjection, await storeEvents(db, [event]), 1, target);
      }
      expect(
        (await transitions(db, 'orphan')).map((r) => [
          r.payment_id,
          r.event_type,
          r.from_status,
          r.to_status,
        ]),
      ).toEqual([
        [PI, 'payment_intent.created', null, 'pending'],
        // As a rebuild (which knows the link from the start) records them: the refund of a charge not
        // yet captured leaves the payment pending; the charge then makes it partially refunded.
        [PI, 'refund.created', 'pending', 'pending'],
        [PI, 'charge.succeeded', 'pending', 'partially_refunded'],
      ]);
    });

    it('gives rows of events that arrived before the payment intent naming the order that order, in later batches too', async () => {
      const db = database().db;
      const target = await createTarget(db, 'late_order', paymentStatusHistoryProjection);
      const { pi: PI, created, charged, succeeded } = payment('late_order');
      // The charge alone gives the payment a row with no order; the payment intent names it later.
      for (const event of [charged(), created(), succeeded()]) {
        await applyInBatches(db, paymentStatusHistoryProjection, await storeEvents(db, [event]), 1, target);
      }
      expect(
        (await transitions(db, 'late_order')).map((r) => [r.payment_id, r.event_type, r.order_id]),
      ).toEqual([
        [PI, 'charge.succeeded', 'order_h'],
        [PI, 'payment_intent.created', 'order_h'],
        [PI, 'payment_intent.succeeded', 'order_h'],
      ]);
    });

    it('moves every row of a payment to the order its freshest payment intent names', async () => {
      const db = database().db;
      const target = await createTarget(db, 'moved_order', paymentStatusHistoryProjection);
      const { pi: PI, created, charged } = payment('moved_order');
      const renamed = stripeEvent(
        'payment_intent.succeeded',
        paymentIntent({
          id: PI,
          status: 'succeeded',
          orderId: 'order_renamed',
          latest_charge: `ch_moved_order`,
        }),
        at(7),
      );
      const events = await storeEvents(db, [created(), charged(), renamed]);
      await applyInBatches(db, paymentStatusHistoryProjection, events, 1, target);
      expect(new Set((await transitions(db, 'moved_order')).map((r) => r.order_id))).toEqual(
        new Set(['order_renamed']),
      );
    });
  },
);

import type { Db } from '../../src/db/port.js';
import type { PaymentRow } from '../shared/paymentRow.js';
import { applyInBatches, createTarget, storeEvents } from '../../tests/support/dbTesting.js';
import { foldAll, rowsOf } from '../../tests/support/givenEvents.js';
import { describeProjectionContract } from '../../tests/support/projectionContract.js';
import { charge, paymentIntent, refund, stripeEvent, T0 } from '../../tests/support/testEvents.js';
import { ordersProjection } from './projection.js';

const PAID = ['paid', 'partially_refunded', 'refunded'];
const UNPAID_ORDER = ['authorized', 'processing', 'requires_action', 'failed', 'pending'];

/** The currency an order is shown in: the one most of its paid payments use, then most of all its
 * payments, then the first alphabetically. */
const shownCurrency = (payments: PaymentRow[]) => {
  const tally = new Map<string, { paid: number; all: number }>();
  for (const p of payments) {
    const t = tally.get(p.currency) ?? { paid: 0, all: 0 };
    tally.set(p.currency, { paid: t.paid + (PAID.includes(p.payment_status) ? 1 : 0), all: t.all + 1 });
  }
  return [...tally].sort(
    ([a, x], [b, y]) => y.paid - x.paid || y.all - x.all || (a < b ? -1 : a > b ? 1 : 0),
  )[0]![0];
};

/** SPEC section 5 for ledger.orders, written out independently of the SQL under test: an order id that
 * live and test payments share counts its live payments only; an order mixing currencies is shown in
 * one (shownCurrency). */
const expectedOrder = (all: PaymentRow[]) => {
  const payments = all.some((p) => p.livemode) ? all.filter((p) => p.livemode) : all;
  const currency = shownCurrency(payments);
  const paid = payments.filter((p) => PAID.includes(p.payment_status));
  const amountPaid = paid.reduce((s, p) => s + p.amount_received, 0);
  const amountRefunded = paid.reduce((s, p) => s + p.amount_refunded, 0);
  const firstUnpaid = UNPAID_ORDER.find((status) => payments.some((p) => p.payment_status === status));
  const status =
    amountPaid > 0
      ? amountRefunded >= amountPaid
        ? 'refunded'
        : amountRefunded > 0
          ? 'partially_refunded'
          : 'paid'
      : (firstUnpaid ?? (payments.every((p) => p.payment_status === 'canceled') ? 'canceled' : 'paid'));
  return {
    currency,
    payment_status: status,
    amount_paid: amountPaid,
    amount_refunded: amountRefunded,
    payment_count: payments.length,
  };
};

const at = (s: number) => ({ created: T0 + s });
const pi = (id: string, status: string, s: number, extra = {}) =>
  stripeEvent(
    `payment_intent.${status === 'requires_payment_method' ? 'created' : status}` as 'payment_intent.created',
    paymentIntent({
      id,
      status,
      orderId: 'order_multi',
      latest_charge: status === 'succeeded' ? `ch_${id}` : null,
      ...extra,
    }),
    at(s),
  );
const succeededCharge = (id: string, s: number) =>
  stripeEvent('charge.succeeded', charge({ id: `ch_${id}`, payment_intent: id, status: 'succeeded' }), at(s));

/** The orders rows (`columns`) after `events` were applied one at a time, in their order, to a target
 * of their own named `schema`. */
const ordersAfterEach = async (
  db: Db,
  schema: string,
  events: Parameters<typeof storeEvents>[1],
  columns: string,
) => {
  const target = await createTarget(db, schema, ordersProjection);
  for (const event of await storeEvents(db, events)) {
    await applyInBatches(db, ordersProjection, [event], 1, target);
  }
  return (await db.query(`SELECT ${columns} FROM ${schema}.orders`)).rows;
};

describeProjectionContract(ordersProjection, {}, ({ database, stored }) => {
  it('aggregates every order of the generated lifecycles as SPEC section 5 says', async () => {
    const payments = rowsOf(foldAll(stored())).filter((p) => p.order_id !== null);
    const { rows } = await database().db.query('SELECT * FROM ledger.orders ORDER BY order_id');
    const orderIds = [...new Set(payments.map((p) => p.order_id!))].sort();
    expect(rows.map((r) => r.order_id)).toEqual(orderIds);
    for (const row of rows) {
      expect(row).toMatchObject(expectedOrder(payments.filter((p) => p.order_id === row.order_id)));
    }
  });

  it('sums an order of several payments: two canceled, then a paid one and its partial refund', async () => {
    const db = database().db;
    const target = await createTarget(db, 'multi', ordersProjection);
    const order = async () => (await db.query('SELECT * FROM multi.orders')).rows[0];
    const apply = async (...events: Parameters<typeof storeEvents>[1]) =>
      applyInBatches(db, ordersProjection, await storeEvents(db, events), 100, target);

    await apply(pi('pi_m1', 'requires_payment_method', 0), pi('pi_m2', 'requires_payment_method', 1));
    expect(await order()).toMatchObject({ payment_status: 'pending', payment_count: 2, amount_paid: 0 });
    await apply(pi('pi_m1', 'canceled', 2));
    expect(await order()).toMatchObject({ payment_status: 'pending' });
    await apply(pi('pi_m2', 'canceled', 3));
    expect(await order()).toMatchObject({ payment_status: 'canceled' });
    await apply(succeededCharge('pi_m3', 4), pi('pi_m3', 'succeeded', 4, { amount: 3000 }));
    expect(await order()).toMatchObject({ payment_status: 'paid', payment_count: 3, amount_paid: 3000 });
    const partial = refund({
      id: 're_m3',
      charge: 'ch_pi_m3',
      payment_intent: 'pi_m3',
      amount: 1000,
      status: 'succeeded',
    });
    await apply(stripeEvent('refund.created', partial, at(5)));
    expect(await order()).toMatchObject({
      payment_status: 'partially_refunded',
      amount_refunded: 1000,
      amount_paid: 3000,
    });
  });

  it('counts only the live payments of an order id that test payments share, in whatever order they arrive', async () => {
    const db = database().db;
    const paidIn = (id: string, livemode: boolean, amount: number, s: number) => [
      stripeEvent(
        'charge.succeeded',
        charge({ id: `ch_${id}`, payment_intent: id, status: 'succeeded', amount, livemode }),
        { ...at(s), livemode },
      ),
      stripeEvent(
        'payment_intent.succeeded',
        paymentIntent({
          id,
          status: 'succeeded',
          orderId: 'order_shared',
          latest_charge: `ch_${id}`,
          amount,
          livemode,
        }),
        { ...at(s), livemode },
      ),
    ];
    // Each arrival order with payments of its own: the event store is shared.
    const payments = (n: string) => ({
      live: paidIn(`pi_live${n}`, true, 2000, 1),
      test: [...paidIn(`pi_test1${n}`, false, 5000, 0), ...paidIn(`pi_test2${n}`, false, 700, 2)],
    });
    const [a, b] = [payments('a'), payments('b')];
    for (const [schema, events] of [
      ['testfirst', [...a.test, ...a.live]],
      ['livefirst', [...b.live, ...b.test]],
    ] as const) {
      const rows = await ordersAfterEach(
        db,
        schema,
        events,
        'livemode, payment_status, amount_paid, payment_count',
      );
      expect({ schema, rows }).toEqual({
        schema,
        rows: [{ livemode: true, payment_status: 'paid', amount_paid: 2000, payment_count: 1 }],
      });
    }
  });

  it('shows an order paid after a switch of currency in the currency it was paid in, whatever the arrival order', async () => {
    const db = database().db;
    const payments = (n: string) => [
      pi(`pi_eur${n}`, 'requires_payment_method', 0, {
        currency: 'eur',
        amount: 1800,
        orderId: `order_sw${n}`,
      }),
      stripeEvent(
        'charge.failed',
        charge({
          id: `ch_eur${n}`,
          payment_intent: `pi_eur${n}`,
          status: 'failed',
          currency: 'eur',
          amount: 1800,
        }),
        at(1),
      ),
      succeededCharge(`pi_usd${n}`, 2),
      pi(`pi_usd${n}`, 'succeeded', 2, { orderId: `order_sw${n}` }),
    ];
    for (const [schema, events] of [
      ['eurfirst', payments('a')],
      ['usdfirst', [...payments('b')].reverse()],
    ] as const) {
      const rows = await ordersAfterEach(
        db,
        schema,
        events,
        'currency, payment_status, amount_paid, payment_count',
      );
      expect({ schema, rows }).toEqual({
        schema,
        rows: [{ currency: 'usd', payment_status: 'paid', amount_paid: 2000, payment_count: 2 }],
      });
    }
  });

  it('counts every payment of an order id only test payments have', async () => {
    const db = database().db;
    const target = await createTarget(db, 'testonly', ordersProjection);
    const events = ['pi_t1', 'pi_t2'].flatMap((id, i) => [
      stripeEvent(
        'charge.succeeded',
        charge({ id: `ch_${id}`, payment_intent: id, status: 'succeeded' }),
        at(i),
      ),
      pi(id, 'succeeded', i),
    ]);
    await applyInBatches(db, ordersProjection, await storeEvents(db, events), 10, target);
    const { rows } = await db.query('SELECT livemode, amount_paid, payment_count FROM testonly.orders');
    expect(rows).toEqual([{ livemode: false, amount_paid: 4000, payment_count: 2 }]);
  });

  it('moves a payment to its order once the payment intent names it, leaving no empty order behind', async () => {
    const db = database().db;
    const target = await createTarget(db, 'moved', ordersProjection);
    const first = stripeEvent(
      'payment_intent.created',
      paymentIntent({ id: 'pi_mv', status: 'requires_payment_method', orderId: 'order_a' }),
      at(0),
    );
    const renamed = stripeEvent(
      'payment_intent.processing',
      paymentIntent({ id: 'pi_mv', status: 'processing', orderId: 'order_b' }),
      at(9),
    );
    await applyInBatches(db, ordersProjection, await storeEvents(db, [first]), 10, target);
    await applyInBatches(db, ordersProjection, await storeEvents(db, [renamed]), 10, target);
    const { rows } = await db.query('SELECT order_id, payment_status FROM moved.orders');
    expect(rows).toEqual([{ order_id: 'order_b', payment_status: 'processing' }]);
  });
});

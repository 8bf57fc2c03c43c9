import { applyInBatches, createTarget, storeEvents } from '../../tests/support/dbTesting.js';
import { rowsOf, foldAll } from '../../tests/support/givenEvents.js';
import { describeProjectionContract } from '../../tests/support/projectionContract.js';
import { charge, refund, stripeEvent, T0 } from '../../tests/support/testEvents.js';
import { paymentsProjection } from './projection.js';

describeProjectionContract(paymentsProjection, {}, ({ database, lifecycles, stored }) => {
  it('writes the row the pure fold gives for every payment of the generated lifecycles', async () => {
    const { rows } = await database().db.query(
      `SELECT *, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at,
              to_char(paid_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS paid_at,
              to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS updated_at
         FROM ledger.payments WHERE payment_id <> 'pi_poison' ORDER BY payment_id`,
    );
    expect(rows).toEqual(rowsOf(foldAll(stored())));
    for (const lifecycle of lifecycles()) {
      expect(rows.find((r) => r.payment_id === lifecycle.paymentId)).toMatchObject(lifecycle.expected);
    }
  });

  it('keeps no fold state for orphan charges once their payment intent is known', async () => {
    const { rows } = await database().db.query(
      `SELECT payment_id FROM ledger.payments_fold_state WHERE payment_id LIKE 'ch_%' AND payment_id NOT IN
         (SELECT payment_id FROM ledger.payments)`,
    );
    expect(rows).toEqual([]);
  });

  it('files what each payment refunded by day, adding up to its amount_refunded', async () => {
    const { rows } = await database().db.query(
      `SELECT p.payment_id, p.amount_refunded::int AS refunded, coalesce(d.amount, 0)::int AS by_day
         FROM ledger.payments p
         LEFT JOIN (SELECT payment_id, sum(amount) AS amount FROM ledger.refunded_by_day GROUP BY 1) d USING (payment_id)
        WHERE p.amount_refunded <> coalesce(d.amount, 0)`,
    );
    expect(rows).toEqual([]);
    const refunded = await database().db.query(`SELECT count(*)::int AS n FROM ledger.refunded_by_day`);
    expect(refunded.rows[0]?.n).toBeGreaterThan(0);
  });

  it('moves the days of a refund filed under its charge to the payment once a later event links them', async () => {
    const db = database().db;
    const target = await createTarget(db, 'refunded_days', paymentsProjection);
    const orphan = stripeEvent(
      'refund.created',
      refund({ id: 're_d1', charge: 'ch_d1', amount: 300, status: 'succeeded', created: T0 + 86_400 }),
      { created: T0 + 86_400, livemode: true },
    );
    const link = stripeEvent(
      'charge.succeeded',
      charge({ id: 'ch_d1', payment_intent: 'pi_d1', status: 'succeeded', livemode: true }),
      { created: T0 + 1, livemode: true },
    );
    const days = async () =>
      (
        await db.query(
          `SELECT payment_id, to_char(day, 'YYYY-MM-DD') AS day, livemode, currency, amount::int AS amount
             FROM refunded_days.refunded_by_day`,
        )
      ).rows;
    await applyInBatches(db, paymentsProjection, await storeEvents(db, [orphan]), 1, target);
    const day = new Date((T0 + 86_400) * 1000).toISOString().slice(0, 10);
    expect(await days()).toEqual([
      { payment_id: 'ch_d1', day, livemode: true, currency: 'usd', amount: 300 },
    ]);
    await applyInBatches(db, paymentsProjection, await storeEvents(db, [link]), 1, target);
    expect(await days()).toEqual([
      { payment_id: 'pi_d1', day, livemode: true, currency: 'usd', amount: 300 },
    ]);
  });
});

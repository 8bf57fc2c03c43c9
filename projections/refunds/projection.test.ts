import { applyInBatches, createTarget, storeEvents } from '../../tests/support/dbTesting.js';
import { describeProjectionContract } from '../../tests/support/projectionContract.js';
import { charge, refund, stripeEvent, T0 } from '../../tests/support/testEvents.js';
import { refundsProjection } from './projection.js';

describeProjectionContract(refundsProjection, {}, ({ database, lifecycles }) => {
  it('files every refund under its payment, the payment intent once known, with the amounts payments counts', async () => {
    const { rows } = await database().db.query<{ payment_id: string; status: string; amount: number }>(
      'SELECT payment_id, status, amount FROM ledger.refunds',
    );
    for (const lifecycle of lifecycles()) {
      const mine = rows.filter((r) => r.payment_id === lifecycle.paymentId);
      const counted = mine.filter((r) => r.status === 'pending' || r.status === 'succeeded');
      expect(counted.reduce((sum, r) => sum + r.amount, 0)).toBe(lifecycle.expected.amount_refunded);
    }
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.filter((r) => !lifecycles().some((l) => l.paymentId === r.payment_id))).toEqual([]);
  });

  it('keeps a refund that failed after succeeding as failed, with its failure reason, in any order', async () => {
    const db = database().db;
    const target = await createTarget(db, 'failing', refundsProjection);
    const shape = { id: 're_f1', charge: 'ch_f1', payment_intent: 'pi_f1', amount: 700, created: T0 + 10 };
    const failed = stripeEvent(
      'refund.failed',
      refund({ ...shape, status: 'failed', failure_reason: 'lost_or_stolen_card' }),
      { created: T0 + 50 },
    );
    const ok = stripeEvent('refund.created', refund({ ...shape, status: 'succeeded' }), {
      created: T0 + 10,
    });
    await applyInBatches(db, refundsProjection, await storeEvents(db, [failed, ok]), 1, target);
    const { rows } = await db.query(
      `SELECT refund_id, payment_id, charge_id, amount, status, failure_reason,
              extract(epoch FROM created_at)::int AS created, extract(epoch FROM updated_at)::int AS updated
         FROM failing.refunds`,
    );
    expect(rows).toEqual([
      {
        refund_id: 're_f1',
        payment_id: 'pi_f1',
        charge_id: 'ch_f1',
        amount: 700,
        status: 'failed',
        failure_reason: 'lost_or_stolen_card',
        created: T0 + 10,
        updated: T0 + 50,
      },
    ]);
  });

  it('moves a refund filed under its charge to the payment intent when a later event links them', async () => {
    const db = database().db;
    const target = await createTarget(db, 'relinked', refundsProjection);
    const orphan = stripeEvent(
      'refund.created',
      refund({ id: 're_o1', charge: 'ch_o1', amount: 300, status: 'succeeded' }),
      { created: T0 },
    );
    const link = stripeEvent(
      'charge.succeeded',
      charge({ id: 'ch_o1', payment_intent: 'pi_o1', status: 'succeeded' }),
      { created: T0 + 1 },
    );
    await applyInBatches(db, refundsProjection, await storeEvents(db, [orphan]), 1, target);
    const before = await db.query('SELECT payment_id FROM relinked.refunds');
    await applyInBatches(db, refundsProjection, await storeEvents(db, [link]), 1, target);
    const after = await db.query('SELECT payment_id FROM relinked.refunds');
    expect([before.rows, after.rows]).toEqual([[{ payment_id: 'ch_o1' }], [{ payment_id: 'pi_o1' }]]);
  });
});

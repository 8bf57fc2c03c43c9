import { rowsOf, foldAll } from '../../tests/support/givenEvents.js';
import { describeProjectionContract } from '../../tests/support/projectionContract.js';
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
});

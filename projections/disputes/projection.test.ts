import { applyInBatches, createTarget, storeEvents } from '../../tests/support/dbTesting.js';
import { describeProjectionContract } from '../../tests/support/projectionContract.js';
import { dispute, stripeEvent, T0 } from '../../tests/support/testEvents.js';
import { disputesProjection } from './projection.js';

const epoch = (column: string) => `extract(epoch FROM ${column})::int AS ${column}`;

describeProjectionContract(disputesProjection, {}, ({ database, lifecycles }) => {
  it('ends each dispute of the generated lifecycles in its final status, under its payment', async () => {
    const { rows } = await database().db.query('SELECT * FROM ledger.disputes');
    const disputed = lifecycles().filter((l) => l.expected.dispute_status !== null);
    expect(rows.map((r) => [r.payment_id, r.status]).sort()).toEqual(
      disputed.map((l) => [l.paymentId, l.expected.dispute_status]).sort(),
    );
    expect(rows.every((r) => r.closed_at !== null)).toBe(true);
  });

  it('dates a dispute opened when created and closed when first seen lost, whatever the arrival order', async () => {
    const db = database().db;
    const target = await createTarget(db, 'dated', disputesProjection);
    const shape = { id: 'dp_d1', charge: 'ch_d1', payment_intent: 'pi_d1', created: T0, due_by: T0 + 86_400 };
    const events = [
      stripeEvent('charge.dispute.funds_withdrawn', dispute({ ...shape, status: 'lost' }), {
        created: T0 + 900,
      }),
      stripeEvent('charge.dispute.closed', dispute({ ...shape, status: 'lost' }), { created: T0 + 500 }),
      stripeEvent('charge.dispute.created', dispute({ ...shape, status: 'needs_response' }), {
        created: T0 + 1,
      }),
    ];
    await applyInBatches(db, disputesProjection, await storeEvents(db, events), 1, target);
    const { rows } = await db.query(
      `SELECT dispute_id, payment_id, status, ${epoch('opened_at')}, ${epoch('closed_at')}, ${epoch('evidence_due_by')},
              ${epoch('updated_at')} FROM dated.disputes`,
    );
    expect(rows).toEqual([
      {
        dispute_id: 'dp_d1',
        payment_id: 'pi_d1',
        status: 'lost',
        opened_at: T0,
        closed_at: T0 + 500,
        evidence_due_by: T0 + 86_400,
        updated_at: T0 + 900,
      },
    ]);
  });

  it('keeps an inquiry open again when it escalates, and keys a 2013-era dispute without id by its charge', async () => {
    const db = database().db;
    const target = await createTarget(db, 'escalated', disputesProjection);
    const shape = { id: 'dp_e1', charge: 'ch_e1', payment_intent: 'pi_e1' };
    const events = [
      stripeEvent('charge.dispute.closed', dispute({ ...shape, status: 'warning_closed' }), {
        created: T0 + 5,
      }),
      stripeEvent('charge.dispute.updated', dispute({ ...shape, status: 'needs_response' }), {
        created: T0 + 9,
      }),
      stripeEvent('charge.dispute.created', dispute({ charge: 'ch_old', status: 'needs_response' }), {
        created: T0,
      }),
    ];
    await applyInBatches(db, disputesProjection, await storeEvents(db, events), 10, target);
    const { rows } = await db.query(
      'SELECT dispute_id, payment_id, status, closed_at FROM escalated.disputes ORDER BY 1',
    );
    expect(rows).toEqual([
      { dispute_id: 'ch_old', payment_id: 'ch_old', status: 'needs_response', closed_at: null },
      { dispute_id: 'dp_e1', payment_id: 'pi_e1', status: 'needs_response', closed_at: null },
    ]);
  });
});

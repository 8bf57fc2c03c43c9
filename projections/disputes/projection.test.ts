import { importedMetadata, importObject, IMPORTED } from '../../src/domain/imported.js';
import type { StoredEvent } from '../../src/eventstore/port.js';
import { applyInBatches, createTarget, storeEvents } from '../../tests/support/dbTesting.js';
import { describeProjectionContract } from '../../tests/support/projectionContract.js';
import { dispute, stripeEvent, T0 } from '../../tests/support/testEvents.js';
import { DAILY_SQL } from '../../src/api/dailyReport.js';
import { disputesProjection } from './projection.js';

const isoDay = (unix: number) => new Date(unix * 1000).toISOString().slice(0, 10);

const epoch = (column: string) => `extract(epoch FROM ${column})::int AS ${column}`;

/** A dispute as the sync's history import appends it: a snapshot read at `observedAt`. */
const imported = (object: Record<string, unknown>, observedAt: number): StoredEvent => {
  const made = importObject('dispute', object);
  if (made.kind !== 'ok') throw new Error(made.message);
  const { eventId, data } = made.event;
  return {
    id: eventId,
    type: IMPORTED,
    data: { ...data, derived: { ...data.derived, payment_id: data.derived.payment_intent_id } },
    metadata: importedMetadata('dispute', made.event, {
      account: null,
      observedAt,
      receivedAt: new Date(observedAt * 1000),
    }),
    stream: `payment-${String(data.derived.payment_intent_id)}`,
    streamVersion: 0,
    position: 0,
    recordedAt: new Date(observedAt * 1000),
  };
};

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

  it('dates a dispute imported already closed by what its object says, never after the import', async () => {
    const db = database().db;
    const target = await createTarget(db, 'imported', disputesProjection);
    const day = 86_400;
    const importedAt = T0 + 100 * day;
    const withdrawn = { id: 'txn_w', object: 'balance_transaction', amount: -2000, created: T0 + 10 };
    const shape = (id: string, dueBy: number) => ({
      id,
      charge: `ch_${id}`,
      payment_intent: `pi_${id}`,
      created: T0,
      due_by: dueBy,
    });
    const objects = [
      // Won: its funds came back in a balance transaction of its own, created when it was won.
      {
        ...dispute({ ...shape('dp_won', T0 + 20 * day), status: 'won' }),
        balance_transactions: [
          withdrawn,
          { id: 'txn_r', object: 'balance_transaction', amount: 2000, created: T0 + 40 * day },
        ],
      },
      // Lost: decided no earlier than its evidence deadline (unanswered, lost when it passed).
      {
        ...dispute({ ...shape('dp_lost', T0 + 21 * day), status: 'lost' }),
        balance_transactions: [withdrawn],
      },
      // A deadline after the import (accepted early): the import is the latest it can have closed.
      dispute({ ...shape('dp_accepted', T0 + 120 * day), status: 'lost' }),
      // No response allowed (due_by 0) and nothing else dated: as of the import.
      dispute({ ...shape('dp_undated', 0), status: 'lost' }),
      // Still open: not closed, whatever its deadline.
      dispute({ ...shape('dp_open', T0 + 20 * day), status: 'under_review' }),
    ];
    await applyInBatches(
      db,
      disputesProjection,
      await storeEvents(
        db,
        objects.map((o) => imported(o, importedAt)),
      ),
      2,
      target,
    );
    const { rows } = await db.query(
      `SELECT dispute_id, ${epoch('closed_at')} FROM imported.disputes ORDER BY 1`,
    );
    expect(rows).toEqual([
      { dispute_id: 'dp_accepted', closed_at: importedAt },
      { dispute_id: 'dp_lost', closed_at: T0 + 21 * day },
      { dispute_id: 'dp_open', closed_at: null },
      { dispute_id: 'dp_undated', closed_at: importedAt },
      { dispute_id: 'dp_won', closed_at: T0 + 40 * day },
    ]);
  });

  it("dates a closing by its webhook's time over an imported snapshot's dating, whatever the order", async () => {
    const db = database().db;
    const shape = { id: 'dp_b1', charge: 'ch_b1', payment_intent: 'pi_b1', created: T0, due_by: T0 + 5_000 };
    const stored = await storeEvents(db, [
      stripeEvent('charge.dispute.closed', dispute({ ...shape, status: 'lost' }), { created: T0 + 9_000 }),
      imported(dispute({ ...shape, status: 'lost' }), T0 + 50_000),
    ]);
    for (const [schema, order] of [
      ['webhook_first', stored],
      ['snapshot_first', [...stored].reverse()],
    ] as const) {
      const target = await createTarget(db, schema, disputesProjection);
      await applyInBatches(db, disputesProjection, order, 1, target);
      const { rows } = await db.query(`SELECT ${epoch('closed_at')} FROM ${schema}.disputes`);
      expect([schema, rows]).toEqual([schema, [{ closed_at: T0 + 9_000 }]]);
    }
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

  it('keeps the mode of its own events, which the daily report takes for a payment it does not know', async () => {
    const db = database().db;
    const lost = stripeEvent(
      'charge.dispute.closed',
      dispute({ id: 'dp_live_orphan', charge: 'ch_live_orphan', status: 'lost', created: T0 }),
      { created: T0 + 86_400, livemode: true },
    );
    await applyInBatches(db, disputesProjection, await storeEvents(db, [lost]), 1);
    const { rows } = await db.query(
      `SELECT livemode FROM ledger.disputes WHERE dispute_id = 'dp_live_orphan'`,
    );
    expect(rows).toEqual([{ livemode: true }]);
    const day = isoDay(T0 + 86_400);
    const report = await db.query<{ livemode: boolean | null; disputed: string }>(DAILY_SQL, [day, day]);
    expect(report.rows.filter((r) => Number(r.disputed) > 0).map((r) => r.livemode)).toEqual([true]);
  });
});

/**
 * Migration 0062 gives status history rows their payment's order id as it stands now: rows written
 * without one (their event arrived before the one naming the order) or with an older one.
 */
import { migrate } from '../src/db/migrate.js';
import { createTestDatabaseBefore, type TestDatabase } from './support/testDatabase.js';

describe("migration 0062: history rows take their payment's order id", () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabaseBefore(62);
    const db = database.db;
    await db.query(
      `INSERT INTO ledger.payments (payment_id, livemode, order_id, currency, amount, amount_received,
         amount_refunded, status, payment_status, created_at, updated_at, last_stripe_event_id)
       VALUES ('pi_late', false, 'order_late', 'usd', 100, 100, 0, 'succeeded', 'paid', now(), now(), 'evt_3'),
              ('pi_none', false, null, 'usd', 100, 100, 0, 'succeeded', 'paid', now(), now(), 'evt_5')`,
    );
    await db.query(
      `INSERT INTO ledger.payment_status_history (payment_id, order_id, stripe_event_id, event_type,
         from_status, to_status, occurred_at)
       VALUES ('pi_late', null, 'evt_1', 'charge.succeeded', null, 'paid', now()),
              ('pi_late', 'order_late', 'evt_2', 'payment_intent.succeeded', 'paid', 'paid', now()),
              ('pi_late', 'order_other', 'evt_3', 'payment_intent.updated', 'paid', 'paid', now()),
              ('pi_none', null, 'evt_4', 'charge.succeeded', null, 'paid', now()),
              ('pi_none', 'order_dropped', 'evt_6', 'payment_intent.updated', 'paid', 'paid', now()),
              ('pi_gone', 'order_gone', 'evt_5', 'charge.succeeded', null, 'paid', now())`,
    );
    await migrate(db);
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('gives every row of a known payment its order id, and leaves rows of payments it does not know', async () => {
    const { rows } = await database.db.query(
      'SELECT stripe_event_id, order_id FROM ledger.payment_status_history ORDER BY stripe_event_id',
    );
    expect(rows).toEqual([
      { stripe_event_id: 'evt_1', order_id: 'order_late' },
      { stripe_event_id: 'evt_2', order_id: 'order_late' },
      { stripe_event_id: 'evt_3', order_id: 'order_late' },
      { stripe_event_id: 'evt_4', order_id: null },
      { stripe_event_id: 'evt_5', order_id: 'order_gone' },
      { stripe_event_id: 'evt_6', order_id: null },
    ]);
  });
});

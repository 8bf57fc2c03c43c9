/**
 * Migration 0063 names the currency of the orders whose payments use more than one currency as the
 * orders projection now does (the one most of their paid payments use), and leaves every other order.
 */
import { migrate } from '../src/db/migrate.js';
import { createTestDatabaseBefore, type TestDatabase } from './support/testDatabase.js';

describe('migration 0063: an order mixing currencies is shown in the currency of its paid payments', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabaseBefore(63);
    const db = database.db;
    await db.query(
      `INSERT INTO ledger.orders_payment_state (payment_id, state, order_id, livemode, currency, payment_status,
         amount_received, amount_refunded, updated_at)
       VALUES ('pi_eur', '{}', 'order_switched', true, 'eur', 'failed', 0, 0, '2025-03-01T10:00Z'),
              ('pi_usd', '{}', 'order_switched', true, 'usd', 'partially_refunded', 2000, 500, '2025-03-01T10:05Z'),
              ('pi_one', '{}', 'order_plain', true, 'usd', 'paid', 700, 0, '2025-03-01T11:00Z'),
              ('pi_two', '{}', 'order_plain', true, 'usd', 'paid', 300, 0, '2025-03-01T11:05Z'),
              ('pi_e1', '{}', 'order_both', true, 'eur', 'paid', 5000, 0, '2025-03-02T10:00Z'),
              ('pi_u1', '{}', 'order_both', true, 'usd', 'paid', 1000, 0, '2025-03-02T10:01Z'),
              ('pi_u2', '{}', 'order_both', true, 'usd', 'refunded', 1000, 1000, '2025-03-02T10:02Z')`,
    );
    // As the earlier aggregate wrote them: one row of min(currency) adding up every paid payment.
    await db.query(
      `INSERT INTO ledger.orders (order_id, livemode, currency, payment_status, amount_paid, amount_refunded,
         payment_count, updated_at)
       VALUES ('order_both', true, 'eur', 'partially_refunded', 7000, 1000, 3, '2025-03-02T10:02Z'),
              ('order_switched', true, 'eur', 'partially_refunded', 2000, 500, 2, '2025-03-01T10:05Z'),
              ('order_plain', true, 'usd', 'paid', 1000, 0, 2, '2025-03-01T11:05Z')`,
    );
    await migrate(db);
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('names the currency most of its paid payments use, keeps the amounts, and leaves an order of one currency as it was', async () => {
    const { rows } = await database.db.query(
      `SELECT order_id, currency, payment_status, amount_paid, amount_refunded, payment_count
         FROM ledger.orders ORDER BY order_id`,
    );
    expect(rows).toEqual([
      {
        order_id: 'order_both',
        currency: 'usd',
        payment_status: 'partially_refunded',
        amount_paid: 7000,
        amount_refunded: 1000,
        payment_count: 3,
      },
      {
        order_id: 'order_plain',
        currency: 'usd',
        payment_status: 'paid',
        amount_paid: 1000,
        amount_refunded: 0,
        payment_count: 2,
      },
      {
        order_id: 'order_switched',
        currency: 'usd',
        payment_status: 'partially_refunded',
        amount_paid: 2000,
        amount_refunded: 500,
        payment_count: 2,
      },
    ]);
  });
});

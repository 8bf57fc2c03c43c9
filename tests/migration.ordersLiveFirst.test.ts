/**
 * Migration 0061 re-aggregates the orders whose id live and test payments share, as the orders
 * projection now does (its live payments only), and leaves every other order as it was.
 */
import { migrate } from '../src/db/migrate.js';
import { createTestDatabaseBefore, type TestDatabase } from './support/testDatabase.js';

describe('migration 0061: an order id live and test payments share counts the live ones', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabaseBefore(61);
    const db = database.db;
    await db.query(
      `INSERT INTO ledger.orders_payment_state (payment_id, state, order_id, livemode, currency, payment_status,
         amount_received, amount_refunded, updated_at)
       VALUES ('pi_live', '{}', 'order_shared', true, 'usd', 'partially_refunded', 2000, 500, '2025-03-01T10:00Z'),
              ('pi_test', '{}', 'order_shared', false, 'usd', 'paid', 5000, 0, '2025-03-02T10:00Z'),
              ('pi_a', '{}', 'order_test', false, 'usd', 'paid', 100, 0, '2025-03-01T10:00Z'),
              ('pi_b', '{}', 'order_test', false, 'usd', 'pending', 0, 0, '2025-03-01T11:00Z')`,
    );
    await db.query(
      `INSERT INTO ledger.orders (order_id, livemode, currency, payment_status, amount_paid, amount_refunded,
         payment_count, updated_at)
       VALUES ('order_shared', true, 'usd', 'partially_refunded', 7000, 500, 2, '2025-03-02T10:00Z'),
              ('order_test', false, 'usd', 'paid', 100, 0, 2, '2025-03-01T11:00Z')`,
    );
    await migrate(db);
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('counts the live payments only in an order both modes share, and leaves the others', async () => {
    const { rows } = await database.db.query(
      `SELECT order_id, livemode, payment_status, amount_paid, amount_refunded, payment_count,
              to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') AS updated_at
         FROM ledger.orders ORDER BY order_id`,
    );
    expect(rows).toEqual([
      {
        order_id: 'order_shared',
        livemode: true,
        payment_status: 'partially_refunded',
        amount_paid: 2000,
        amount_refunded: 500,
        payment_count: 1,
        updated_at: '2025-03-01 10:00',
      },
      {
        order_id: 'order_test',
        livemode: false,
        payment_status: 'paid',
        amount_paid: 100,
        amount_refunded: 0,
        payment_count: 2,
        updated_at: '2025-03-01 11:00',
      },
    ]);
  });
});

/**
 * Migration 0058 fills ledger.refunded_by_day with what the daily report counted until then (refund
 * objects by the day each was created, not those of a payment that received nothing), so an upgrade
 * changes no figure until a payment's next event or a rebuild of payments refolds it.
 */
import { DAILY_SQL } from '../src/api/dailyReport.js';
import { migrate } from '../src/db/migrate.js';
import { createTestDatabaseBefore, type TestDatabase } from './support/testDatabase.js';

describe('migration 0058: refunded_by_day', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabaseBefore(58);
    const db = database.db;
    await db.query(
      `INSERT INTO ledger.payments (payment_id, livemode, currency, amount, amount_received, amount_refunded,
         status, payment_status, created_at, paid_at, updated_at, last_stripe_event_id)
       VALUES ('pi_refunded', true, 'eur', 700, 700, 500, 'succeeded', 'partially_refunded', '2025-03-01T11:00Z',
               '2025-03-01T12:00Z', '2025-03-02T12:00Z', 'evt_6'),
              ('pi_released', false, 'usd', 800, 0, 0, 'canceled', 'canceled', '2025-03-02T08:00Z',
               NULL, '2025-03-02T09:00Z', 'evt_11')`,
    );
    await db.query(
      `INSERT INTO ledger.refunds (refund_id, payment_id, amount, currency, status, created_at, updated_at)
       VALUES ('re_1', 'pi_refunded', 200, 'eur', 'succeeded', '2025-03-02T12:00Z', '2025-03-02T12:00Z'),
              ('re_2', 'pi_refunded', 300, 'eur', 'pending', '2025-03-02T23:59Z', '2025-03-02T23:59Z'),
              ('re_3', 'pi_refunded', 100, 'eur', 'failed', '2025-03-02T13:00Z', '2025-03-03T13:00Z'),
              ('re_orphan', 'ch_unknown', 50, 'usd', 'succeeded', '2025-03-03T01:00Z', '2025-03-03T01:00Z'),
              ('re_release', 'pi_released', 800, 'usd', 'succeeded', '2025-03-02T09:00Z', '2025-03-02T09:00Z')`,
    );
    await db.query(`INSERT INTO ledger.payments_fold_state (payment_id, state) VALUES ('pi_refunded', '{}')`);
    await migrate(db);
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('keeps the refunded figures the report gave before the upgrade', async () => {
    const { rows } = await database.db.query(DAILY_SQL, ['2025-03-01', '2025-03-05']);
    expect(
      rows.map((r) => [r.day, r.livemode, r.currency, Number(r.refunded)]).filter((r) => r[3] !== 0),
    ).toEqual([
      ['2025-03-02', true, 'eur', 500],
      ['2025-03-03', null, 'usd', 50],
    ]);
  });

  it('leaves the days beside existing states unknown, so their next event writes them', async () => {
    const { rows } = await database.db.query(`SELECT refunded_days FROM ledger.payments_fold_state`);
    expect(rows).toEqual([{ refunded_days: null }]);
  });
});

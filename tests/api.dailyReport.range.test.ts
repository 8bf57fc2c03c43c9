/**
 * The daily report reads only the rows of its range (src/api/dailyReport.ts): its figures must be those
 * of the definition, which groups every row by day first and keeps the range's days afterwards (kept
 * here as the reference), for every range, including payments paid at a range's edges.
 */
import { DAILY_SQL } from '../src/api/dailyReport.js';
import { createTestDatabase, type TestDatabase } from './support/testDatabase.js';

const WHOLE_TABLES_FIRST = `
WITH activity AS (
  SELECT p.paid_at AS at, p.livemode, p.currency, p.amount_received AS gross, 0::bigint AS refunded,
         0::bigint AS disputed, 1 AS paid_count
    FROM ledger.payments p
   WHERE p.paid_at IS NOT NULL
  UNION ALL
  SELECT r.day::timestamp AT TIME ZONE 'UTC', r.livemode, r.currency, 0, r.amount, 0, 0
    FROM ledger.refunded_by_day r
  UNION ALL
  SELECT d.closed_at, p.livemode, d.currency, 0, 0, d.amount, 0
    FROM ledger.disputes d LEFT JOIN ledger.payments p USING (payment_id)
   WHERE d.status = 'lost'
), days AS (
  SELECT to_char((at AT TIME ZONE 'UTC')::date, 'YYYY-MM-DD') AS day, livemode, currency,
         sum(gross)::bigint AS gross_paid, sum(refunded)::bigint AS refunded, sum(disputed)::bigint AS disputed,
         (sum(gross) - sum(refunded) - sum(disputed))::bigint AS net, sum(paid_count)::bigint AS payments_paid
    FROM activity
   GROUP BY 1, 2, 3
)
SELECT * FROM days WHERE day BETWEEN $1 AND $2 ORDER BY 1, 2, 3`;

const DAYS = ['2025-03-01', '2025-03-02', '2025-03-03', '2025-03-04', '2025-03-05'];

describe('the daily report over a range', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
    const db = database.db;
    // Payments as the payments projection writes them: paid_at is when each first succeeded (pi_twice
    // succeeded, failed a later attempt and succeeded again two days later; paid_at stays the first).
    await db.query(
      `INSERT INTO ledger.payments (payment_id, livemode, currency, amount, amount_received, amount_refunded,
         status, payment_status, created_at, paid_at, updated_at, last_stripe_event_id)
       VALUES ('pi_twice', false, 'usd', 1000, 1000, 0, 'succeeded', 'paid', '2025-03-01T09:00Z',
               '2025-03-01T10:00Z', '2025-03-03T10:00Z', 'evt_4'),
              ('pi_once', false, 'usd', 2500, 2500, 0, 'succeeded', 'paid', '2025-03-03T08:00Z',
               '2025-03-03T09:00Z', '2025-03-03T09:00Z', 'evt_5'),
              ('pi_refunded', true, 'eur', 700, 700, 700, 'succeeded', 'refunded', '2025-03-01T11:00Z',
               '2025-03-01T12:00Z', '2025-03-02T12:00Z', 'evt_6'),
              ('pi_late_night', false, 'usd', 400, 400, 0, 'succeeded', 'paid', '2025-03-04T23:59:00Z',
               '2025-03-04T23:59:59Z', '2025-03-04T23:59:59Z', 'evt_8'),
              ('pi_before_range', false, 'usd', 300, 300, 0, 'succeeded', 'paid', '2025-02-28T23:00:00Z',
               '2025-02-28T23:59:59Z', '2025-03-02T00:00:00Z', 'evt_10'),
              ('pi_failed', false, 'usd', 900, 0, 0, 'requires_payment_method', 'failed', '2025-03-02T08:00Z',
               NULL, '2025-03-02T08:00Z', 'evt_9'),
              ('pi_released', false, 'usd', 800, 0, 0, 'canceled', 'canceled', '2025-03-02T08:00Z',
               NULL, '2025-03-02T09:00Z', 'evt_11')`,
    );
    await db.query(
      `INSERT INTO ledger.refunded_by_day (payment_id, day, livemode, currency, amount)
       VALUES ('pi_refunded', '2025-03-02', true, 'eur', 700),
              ('pi_refunded_late', '2025-03-04', false, 'usd', 150)`,
    );
    await db.query(
      `INSERT INTO ledger.disputes (dispute_id, payment_id, amount, currency, status, opened_at, closed_at, updated_at)
       VALUES ('dp_1', 'pi_once', 2500, 'usd', 'lost', '2025-03-03T12:00Z', '2025-03-05T12:00Z', '2025-03-05T12:00Z')`,
    );
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('answers the figures of the whole-tables definition for every range of days', async () => {
    for (const [i, from] of DAYS.entries()) {
      for (const to of DAYS.slice(i)) {
        const report = await database.db.query(DAILY_SQL, [from, to]);
        const definition = await database.db.query(WHOLE_TABLES_FIRST, [from, to]);
        expect({ from, to, rows: report.rows }).toEqual({ from, to, rows: definition.rows });
      }
    }
  });

  it('sums what payments refunded on each day of the range', async () => {
    const { rows } = await database.db.query<{ currency: string; refunded: string }>(DAILY_SQL, [
      '2025-03-02',
      '2025-03-02',
    ]);
    expect(rows.map((r) => [r.currency, Number(r.refunded)])).toEqual([['eur', 700]]);
  });

  it('counts each payment once, on the UTC day it first succeeded, edges of the day included', async () => {
    const { rows } = await database.db.query<{ day: string; livemode: boolean; payments_paid: string }>(
      DAILY_SQL,
      ['2025-03-01', '2025-03-05'],
    );
    expect(
      rows
        .filter((r) => Number(r.payments_paid) > 0)
        .map((r) => [r.day, r.livemode, Number(r.payments_paid)]),
    ).toEqual([
      ['2025-03-01', false, 1],
      ['2025-03-01', true, 1],
      ['2025-03-03', false, 1],
      ['2025-03-04', false, 1],
    ]);
    const before = await database.db.query<{ day: string; gross_paid: string }>(DAILY_SQL, [
      '2025-02-28',
      '2025-02-28',
    ]);
    expect(before.rows.map((r) => [r.day, Number(r.gross_paid)])).toEqual([['2025-02-28', 300]]);
  });
});

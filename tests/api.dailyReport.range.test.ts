/**
 * The daily report reads only the history of its range (src/api/dailyReport.ts): its figures must be
 * those of the definition, which groups every payment's whole history first (the SQL the report ran
 * before, kept here as the reference), for every range, including payments whose first transition into
 * paid lies before the range while a later one lies inside it.
 */
import { DAILY_SQL } from '../src/api/dailyReport.js';
import { createTestDatabase, type TestDatabase } from './support/testDatabase.js';

const PAID = `('paid', 'partially_refunded', 'refunded')`;
const GROUPED_FIRST = `
WITH bounds AS (
  SELECT ($1::date)::timestamp AT TIME ZONE 'UTC' AS lo, ($2::date + 1)::timestamp AT TIME ZONE 'UTC' AS hi
), paid AS (
  SELECT h.payment_id, min(h.occurred_at) AS paid_at
    FROM ledger.payment_status_history h
   WHERE h.to_status IN ${PAID} AND (h.from_status IS NULL OR h.from_status NOT IN ${PAID})
   GROUP BY h.payment_id
), activity AS (
  SELECT paid.paid_at AS at, p.livemode, p.currency, p.amount_received AS gross, 0::bigint AS refunded,
         0::bigint AS disputed, 1 AS paid_count
    FROM paid JOIN ledger.payments p USING (payment_id), bounds
   WHERE paid.paid_at >= bounds.lo AND paid.paid_at < bounds.hi
  UNION ALL
  SELECT r.created_at, p.livemode, r.currency, 0, r.amount, 0, 0
    FROM ledger.refunds r LEFT JOIN ledger.payments p USING (payment_id), bounds
   WHERE r.status IN ('pending', 'succeeded') AND r.created_at >= bounds.lo AND r.created_at < bounds.hi
  UNION ALL
  SELECT d.closed_at, p.livemode, d.currency, 0, 0, d.amount, 0
    FROM ledger.disputes d LEFT JOIN ledger.payments p USING (payment_id), bounds
   WHERE d.status = 'lost' AND d.closed_at >= bounds.lo AND d.closed_at < bounds.hi
)
SELECT to_char((at AT TIME ZONE 'UTC')::date, 'YYYY-MM-DD') AS day, livemode, currency,
       sum(gross)::bigint AS gross_paid, sum(refunded)::bigint AS refunded, sum(disputed)::bigint AS disputed,
       (sum(gross) - sum(refunded) - sum(disputed))::bigint AS net, sum(paid_count)::bigint AS payments_paid
  FROM activity
 GROUP BY 1, 2, 3
 ORDER BY 1, 2, 3`;

const DAYS = ['2025-03-01', '2025-03-02', '2025-03-03', '2025-03-04', '2025-03-05'];

describe('the daily report over a range', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
    const db = database.db;
    // Payments whose history the report reads, as the status-history projection writes it: a row per
    // event with the status before and after. pi_twice went paid, failed (its from_status as seen when a
    // snapshot arrived late), and paid again two days later.
    await db.query(
      `INSERT INTO ledger.payments (payment_id, livemode, currency, amount, amount_received, amount_refunded,
         status, payment_status, created_at, updated_at, last_stripe_event_id)
       VALUES ('pi_twice', false, 'usd', 1000, 1000, 0, 'succeeded', 'paid', '2025-03-01T10:00Z', '2025-03-03T10:00Z', 'evt_4'),
              ('pi_once', false, 'usd', 2500, 2500, 0, 'succeeded', 'paid', '2025-03-03T09:00Z', '2025-03-03T09:00Z', 'evt_5'),
              ('pi_refunded_at_first_sight', true, 'eur', 700, 700, 700, 'succeeded', 'refunded',
               '2025-03-02T12:00Z', '2025-03-02T12:00Z', 'evt_6'),
              ('pi_late_night', false, 'usd', 400, 400, 0, 'succeeded', 'paid', '2025-03-04T23:59:59Z',
               '2025-03-04T23:59:59Z', 'evt_8'),
              ('pi_failed', false, 'usd', 900, 0, 0, 'requires_payment_method', 'failed', '2025-03-02T08:00Z',
               '2025-03-02T08:00Z', 'evt_9')`,
    );
    await db.query(
      `INSERT INTO ledger.payment_status_history (payment_id, stripe_event_id, event_type, from_status, to_status, occurred_at)
       VALUES ('pi_twice', 'evt_1', 'payment_intent.created', NULL, 'pending', '2025-03-01T09:00Z'),
              ('pi_twice', 'evt_2', 'payment_intent.succeeded', 'pending', 'paid', '2025-03-01T10:00Z'),
              ('pi_twice', 'evt_3', 'payment_intent.payment_failed', 'paid', 'failed', '2025-03-02T10:00Z'),
              ('pi_twice', 'evt_4', 'payment_intent.succeeded', 'failed', 'paid', '2025-03-03T10:00Z'),
              ('pi_once', 'evt_5', 'payment_intent.succeeded', NULL, 'paid', '2025-03-03T09:00Z'),
              ('pi_refunded_at_first_sight', 'evt_6', 'charge.refunded', NULL, 'refunded', '2025-03-02T12:00Z'),
              ('pi_refunded_at_first_sight', 'evt_7', 'payment_intent.succeeded', 'refunded', 'refunded', '2025-03-01T12:00Z'),
              ('pi_late_night', 'evt_8', 'payment_intent.succeeded', 'pending', 'paid', '2025-03-04T23:59:59Z'),
              ('pi_failed', 'evt_9', 'payment_intent.payment_failed', 'pending', 'failed', '2025-03-02T08:00Z')`,
    );
    await db.query(
      `INSERT INTO ledger.refunds (refund_id, payment_id, amount, currency, status, created_at, updated_at)
       VALUES ('re_1', 'pi_refunded_at_first_sight', 700, 'eur', 'succeeded', '2025-03-02T12:00Z', '2025-03-02T12:00Z')`,
    );
    await db.query(
      `INSERT INTO ledger.disputes (dispute_id, payment_id, amount, currency, status, opened_at, closed_at, updated_at)
       VALUES ('dp_1', 'pi_once', 2500, 'usd', 'lost', '2025-03-03T12:00Z', '2025-03-05T12:00Z', '2025-03-05T12:00Z')`,
    );
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('answers the figures of the whole-history definition for every range of days', async () => {
    for (const [i, from] of DAYS.entries()) {
      for (const to of DAYS.slice(i)) {
        const report = await database.db.query(DAILY_SQL, [from, to]);
        const definition = await database.db.query(GROUPED_FIRST, [from, to]);
        expect({ from, to, rows: report.rows }).toEqual({ from, to, rows: definition.rows });
      }
    }
  });

  it('counts a payment on the day it first became paid, not on a later return to paid inside the range', async () => {
    const { rows } = await database.db.query<{ day: string; payments_paid: string; gross_paid: string }>(
      DAILY_SQL,
      ['2025-03-03', '2025-03-03'],
    );
    expect(rows.map((r) => [r.day, Number(r.payments_paid), Number(r.gross_paid)])).toEqual([
      ['2025-03-03', 1, 2500],
    ]);
    const all = await database.db.query<{ day: string; livemode: boolean; payments_paid: string }>(
      DAILY_SQL,
      ['2025-03-01', '2025-03-05'],
    );
    expect(
      all.rows
        .filter((r) => Number(r.payments_paid) > 0)
        .map((r) => [r.day, r.livemode, Number(r.payments_paid)]),
    ).toEqual([
      ['2025-03-01', false, 1],
      ['2025-03-02', true, 1],
      ['2025-03-03', false, 1],
      ['2025-03-04', false, 1],
    ]);
  });
});

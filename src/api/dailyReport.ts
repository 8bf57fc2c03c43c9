import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { Db } from '../db/port.js';
import { sendCsv } from './csv.js';
import { wantsCsv } from './listRoute.js';
import { dateParam, listParams, parseParams } from './params.js';
import { columnsOf, dailyRow } from './rows.js';
import { staleOf } from './staleness.js';

export const dailyQuery = z
  .strictObject({
    from: dateParam.describe('first UTC day, inclusive'),
    to: dateParam.describe('last UTC day, inclusive'),
    format: listParams.format,
  })
  .refine((q) => q.from <= q.to, { path: ['to'], message: 'must be on or after from' });

const PAID = `('paid', 'partially_refunded', 'refunded')`;
const INTO_PAID = (h: string) =>
  `${h}.to_status IN ${PAID} AND (${h}.from_status IS NULL OR ${h}.from_status NOT IN ${PAID})`;

/**
 * One row per UTC day, livemode and currency with any activity in [from, to].
 * - gross_paid / payments_paid: a payment counts on the day of its first transition into a paid status
 *   (paid, partially_refunded or refunded: a payment whose first known state already carries a refund
 *   was paid too), i.e. the occurred_at (the Stripe event's `created`) of its earliest
 *   payment_status_history row moving from a non-paid status (or none) to a paid one; the amount is its
 *   amount_received.
 * - refunded: refunds in status pending or succeeded, by the day they were created.
 * - disputed: disputes lost, by the day they closed.
 * Refunds and disputes take livemode from their payment.
 */
export const DAILY_SQL = `
WITH bounds AS (
  SELECT ($1::date)::timestamp AT TIME ZONE 'UTC' AS lo, ($2::date + 1)::timestamp AT TIME ZONE 'UTC' AS hi
), paid AS (
  -- A payment's first transition into paid falls in the range when one does and none came before it:
  -- the range is read through the occurred_at index and each candidate looked up by payment, instead
  -- of grouping the whole history first.
  SELECT DISTINCT ON (h.payment_id) h.payment_id, h.occurred_at AS paid_at
    FROM ledger.payment_status_history h, bounds
   WHERE h.occurred_at >= bounds.lo AND h.occurred_at < bounds.hi AND ${INTO_PAID('h')}
     AND NOT EXISTS (SELECT 1 FROM ledger.payment_status_history e
                      WHERE e.payment_id = h.payment_id AND e.occurred_at < bounds.lo AND ${INTO_PAID('e')})
   ORDER BY h.payment_id, h.occurred_at
), activity AS (
  SELECT paid.paid_at AS at, p.livemode, p.currency, p.amount_received AS gross, 0::bigint AS refunded,
         0::bigint AS disputed, 1 AS paid_count
    FROM paid JOIN ledger.payments p USING (payment_id)
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

/** GET /api/reports/daily?from=&to= */
export const dailyReportRoute =
  (db: Db): RequestHandler =>
  async (req, res) => {
    const query = parseParams(dailyQuery, req.query);
    const { rows } = await db.query(DAILY_SQL, [query.from, query.to]);
    if (wantsCsv(req, query.format)) {
      await sendCsv(res, `daily-${query.from}-${query.to}`, columnsOf(dailyRow), (onBatch) => onBatch(rows));
      return;
    }
    res.json({ data: rows, next_cursor: null, stale: staleOf(res) });
  };

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

/**
 * One row per UTC day, livemode and currency with any activity in [from, to].
 * - gross_paid / payments_paid: a payment counts on the day it first succeeded, `paid_at` of its
 *   payments row: the earliest `created` of the Stripe events that prove it succeeded, folded whatever
 *   order they arrived in (projections/shared/paymentState.ts); the amount is its amount_received.
 * - refunded: what payments refunded to their customers, by day (ledger.refunded_by_day, dated by the
 *   payment fold: projections/shared/refundedDays.ts): refunds in status pending or succeeded by the
 *   day they were created, and those Stripe sent no object for by the day the charge showed them; not
 *   what went back to no customer (before API 2025-03-31 a cancelled authorisation, or the uncaptured
 *   rest of a partial capture, was a Refund). Per payment they add up to its amount_refunded.
 * - disputed: disputes lost, by the day they closed.
 * Refunds and disputes take livemode from their payment, else from their own events.
 */
// The range's bounds as expressions of the parameters (not a CTE), so every table is read through its
// time index from the first row of the range to the last.
const LO = `(($1::date)::timestamp AT TIME ZONE 'UTC')`;
const HI = `(($2::date + 1)::timestamp AT TIME ZONE 'UTC')`;

export const DAILY_SQL = `
WITH activity AS (
  SELECT p.paid_at AS at, p.livemode, p.currency, p.amount_received AS gross, 0::bigint AS refunded,
         0::bigint AS disputed, 1 AS paid_count
    FROM ledger.payments p
   WHERE p.paid_at >= ${LO} AND p.paid_at < ${HI}
  UNION ALL
  SELECT r.day::timestamp AT TIME ZONE 'UTC', r.livemode, r.currency, 0, r.amount, 0, 0
    FROM ledger.refunded_by_day r
   WHERE r.day >= $1::date AND r.day <= $2::date
  UNION ALL
  SELECT d.closed_at, coalesce(p.livemode, d.livemode), d.currency, 0, 0, d.amount, 0
    FROM ledger.disputes d LEFT JOIN ledger.payments p USING (payment_id)
   WHERE d.status = 'lost' AND d.closed_at >= ${LO} AND d.closed_at < ${HI}
), days AS (
  -- Grouped by the date itself: the text is made once per group, not once per row.
  SELECT (at AT TIME ZONE 'UTC')::date AS day, livemode, currency, sum(gross) AS gross, sum(refunded) AS refunded,
         sum(disputed) AS disputed, sum(paid_count) AS paid_count
    FROM activity
   GROUP BY 1, 2, 3
)
SELECT to_char(day, 'YYYY-MM-DD') AS day, livemode, currency, gross::bigint AS gross_paid,
       refunded::bigint AS refunded, disputed::bigint AS disputed, (gross - refunded - disputed)::bigint AS net,
       paid_count::bigint AS payments_paid
  FROM days
 ORDER BY days.day, livemode, currency`;

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

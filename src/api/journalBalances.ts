import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { Db } from '../db/port.js';
import { parseParams, timeParam } from './params.js';

export const journalBalancesQuery = z.strictObject({
  at: timeParam
    .optional()
    .describe('balances after every line up to this time (a date: to its end, UTC); default now'),
});

// Whole days from the daily movements the journal projection keeps, then the lines of the last day.
const BALANCES_SQL = `
WITH cut AS (SELECT $1::timestamptz AS bound, $2::boolean AS inclusive,
                    (($1::timestamptz - interval '1 microsecond') AT TIME ZONE 'UTC')::date AS day)
SELECT account, currency, sum(amount)::bigint AS balance FROM (
  SELECT d.account, d.currency, d.amount FROM ledger.journal_daily d, cut WHERE d.day < cut.day
  UNION ALL
  SELECT l.account, l.currency, l.amount FROM ledger.journal_lines l, cut
   WHERE l.occurred_at >= cut.day::timestamp AT TIME ZONE 'UTC'
     AND (l.occurred_at < cut.bound OR (cut.inclusive AND l.occurred_at = cut.bound))
) lines
GROUP BY 1, 2 ORDER BY 1, 2`;

const nextDay = (date: string) => new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString();

/** GET /api/journal/balances?at=: every account's balance per currency at a time. */
export const journalBalancesRoute =
  (db: Db, now: () => Date = () => new Date()): RequestHandler =>
  async (req, res) => {
    const { at } = parseParams(journalBalancesQuery, req.query);
    const [bound, inclusive] =
      at === undefined ? [now().toISOString(), true] : at.length === 10 ? [nextDay(at), false] : [at, true];
    const { rows } = await db.query(BALANCES_SQL, [bound, inclusive]);
    res.json({ at: new Date(bound).toISOString(), data: rows });
  };

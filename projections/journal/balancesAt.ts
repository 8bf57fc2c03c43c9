import type { Queryable } from '../../src/db/port.js';

/** A time to take balances at; `inclusive`: lines at exactly `bound` count. */
export type BalanceCut = { bound: string; inclusive: boolean };

export type JournalBalance = { account: string; currency: string; balance: number };

// Whole UTC days from ledger.journal_daily (the journal projection grows it as entries arrive), then
// the lines of the cut's own day: a year of a million transactions reads a few thousand daily rows and
// one day's lines. With an account ($3), those lines come from that account's partial index when one
// exists (stripe_balance: migration 0045), so the balance check reads only its own lines.
const BALANCES_SQL = `
WITH cut AS (SELECT $1::timestamptz AS bound, $2::boolean AS inclusive,
                    (($1::timestamptz - interval '1 microsecond') AT TIME ZONE 'UTC')::date AS day)
SELECT account, currency, sum(amount)::bigint AS balance FROM (
  SELECT d.account, d.currency, d.amount FROM ledger.journal_daily d, cut
   WHERE d.day < cut.day AND ($3::text IS NULL OR d.account = $3::text)
  UNION ALL
  SELECT l.account, l.currency, l.amount FROM ledger.journal_lines l, cut
   WHERE l.occurred_at >= cut.day::timestamp AT TIME ZONE 'UTC' AND l.occurred_at <= cut.bound
     AND (l.occurred_at < cut.bound OR (cut.inclusive AND l.occurred_at = cut.bound))
     AND ($3::text IS NULL OR l.account = $3::text)
) lines
GROUP BY 1, 2 ORDER BY 1, 2`;

/** Every journal account's balance per currency at a time, or only `account`'s (SPEC section 12). */
export const journalBalancesAt = async (
  db: Queryable,
  cut: BalanceCut,
  account: string | null = null,
): Promise<JournalBalance[]> => {
  const { rows } = await db.query<{ account: string; currency: string; balance: string | number }>(
    BALANCES_SQL,
    [cut.bound, cut.inclusive, account],
  );
  return rows.map((row) => ({ account: row.account, currency: row.currency, balance: Number(row.balance) }));
};

import { joinedFactsOf } from '../money/balanceTransactionFacts.js';
import { joinPaymentIdSql, joinPayoutIdSql } from '../money/balanceTransactionSql.js';
import { statementProjection } from '../money/statementProjection.js';
import { tableIn } from '../projection.js';
import { journalEntry } from './entry.js';

const COLUMNS = [
  'balance_transaction_id',
  'line',
  'account',
  'currency',
  'amount',
  'occurred_at',
  'payment_id',
  'payout_id',
].join(', ');

/** As balance_transactions: lines never change amount, so each is added to its day's movement once,
 * when it is inserted; later facts only join its payment and payout. */
const upsertSql = (table: string, daily: string) => {
  const payment = joinPaymentIdSql('cur.payment_id', 'EXCLUDED.payment_id');
  const payout = joinPayoutIdSql('cur.payout_id', 'EXCLUDED.payout_id');
  return `
WITH upserted AS (
  INSERT INTO ${table} AS cur (${COLUMNS})
  SELECT ${COLUMNS} FROM json_populate_recordset(null::${table}, $1::json)
  ON CONFLICT (balance_transaction_id, line) DO UPDATE SET payment_id = ${payment}, payout_id = ${payout}
  WHERE (cur.payment_id, cur.payout_id) IS DISTINCT FROM (${payment}, ${payout})
  RETURNING xmax = 0 AS inserted, occurred_at, account, currency, amount
)
INSERT INTO ${daily} AS cur (day, account, currency, amount)
SELECT (occurred_at AT TIME ZONE 'UTC')::date, account, currency, sum(amount)
  FROM upserted WHERE inserted GROUP BY 1, 2, 3
ON CONFLICT (day, account, currency) DO UPDATE SET amount = cur.amount + EXCLUDED.amount`;
};

/** ledger.journal_lines, the double entry of every balance transaction, and its daily movements. */
export const journalProjection = statementProjection({
  name: 'journal',
  tables: ['journal_lines', 'journal_daily'],
  statementOf: (events, target) => {
    const lines = joinedFactsOf(events).flatMap(journalEntry);
    if (lines.length === 0) return null;
    return {
      sql: upsertSql(tableIn(target, 'journal_lines'), tableIn(target, 'journal_daily')),
      params: [JSON.stringify(lines)],
    };
  },
});

import { joinedFactsOf, type BalanceTransactionFacts } from '../money/balanceTransactionFacts.js';
import { higherStatusSql, joinPaymentIdSql, joinPayoutIdSql } from '../money/balanceTransactionSql.js';
import { statementProjection } from '../money/statementProjection.js';
import { tableIn } from '../projection.js';

export const BALANCE_TRANSACTION_COLUMNS = [
  'balance_transaction_id',
  'type',
  'reporting_category',
  'source_id',
  'payment_id',
  'payout_id',
  'amount',
  'fee',
  'net',
  'currency',
  'status',
  'available_on',
  'created_at',
  'livemode',
] as const;

const iso = (unix: number | null) => (unix === null ? null : new Date(unix * 1000).toISOString());

export const balanceTransactionRow = (bt: BalanceTransactionFacts) => ({
  balance_transaction_id: bt.id,
  type: bt.type,
  reporting_category: bt.reportingCategory,
  source_id: bt.sourceId,
  payment_id: bt.paymentId,
  payout_id: bt.payoutId,
  amount: bt.amount,
  fee: bt.fee,
  net: bt.net,
  currency: bt.currency,
  status: bt.status,
  available_on: iso(bt.availableOn),
  created_at: iso(bt.created),
  livemode: bt.livemode,
});

/**
 * One statement per batch: upsert the joined facts (a row already there keeps its amounts and takes the
 * join of status, payment and payout), and add the transactions that are new to the day's settlement
 * totals. `xmax = 0` tells a row inserted by this statement from one updated: each transaction is
 * counted once, on arrival, whatever arrives about it later.
 */
const upsertSql = (table: string, daily: string) => {
  const columns = BALANCE_TRANSACTION_COLUMNS.join(', ');
  const joined = {
    status: higherStatusSql('cur.status', 'EXCLUDED.status'),
    payment_id: joinPaymentIdSql('cur.payment_id', 'EXCLUDED.payment_id'),
    payout_id: joinPayoutIdSql('cur.payout_id', 'EXCLUDED.payout_id'),
  };
  return `
WITH upserted AS (
  INSERT INTO ${table} AS cur (${columns})
  SELECT ${columns} FROM json_populate_recordset(null::${table}, $1::json)
  ON CONFLICT (balance_transaction_id) DO UPDATE SET
    status = ${joined.status}, payment_id = ${joined.payment_id}, payout_id = ${joined.payout_id}
  WHERE (cur.status, cur.payment_id, cur.payout_id)
    IS DISTINCT FROM (${joined.status}, ${joined.payment_id}, ${joined.payout_id})
  RETURNING xmax = 0 AS inserted, created_at, currency, reporting_category, amount, fee, net
)
INSERT INTO ${daily} AS cur (day, currency, reporting_category, count, gross, fee, net)
SELECT (created_at AT TIME ZONE 'UTC')::date, currency, reporting_category, count(*), sum(amount), sum(fee), sum(net)
  FROM upserted WHERE inserted GROUP BY 1, 2, 3
ON CONFLICT (day, currency, reporting_category) DO UPDATE SET
  count = cur.count + EXCLUDED.count, gross = cur.gross + EXCLUDED.gross,
  fee = cur.fee + EXCLUDED.fee, net = cur.net + EXCLUDED.net`;
};

/** ledger.balance_transactions and the settlement report's daily totals (SPEC section 12). */
export const balanceTransactionsProjection = statementProjection({
  name: 'balance_transactions',
  tables: ['balance_transactions', 'settlement_daily'],
  statementOf: (events, target) => {
    const facts = joinedFactsOf(events);
    if (facts.length === 0) return null;
    return {
      sql: upsertSql(tableIn(target, 'balance_transactions'), tableIn(target, 'settlement_daily')),
      params: [JSON.stringify(facts.map(balanceTransactionRow))],
    };
  },
});

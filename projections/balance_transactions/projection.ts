import type { BalanceTransactionFacts } from '../money/balanceTransactionFacts.js';
import { balanceTransactionFold } from '../money/balanceTransactionFold.js';
import { addToDaily, dayOf, newRows } from '../money/dailyTotals.js';
import { defineProjection, tableIn } from '../projection.js';

/**
 * ledger.balance_transactions (SPEC section 12): the table is the fold's state itself (one row per
 * transaction, its facts in typed columns), so a million transactions are stored once. The settlement
 * report's daily totals (ledger.settlement_daily) grow as transactions first arrive.
 */
export const balanceTransactionsProjection = defineProjection<BalanceTransactionFacts>({
  name: 'balance_transactions',
  fold: balanceTransactionFold,
  state: { table: 'balance_transactions', key: 'balance_transaction_id' },
  rowTables: {},
  derivedTables: ['settlement_daily'],
  afterWrite: async (tx, target, change) => {
    const rows = newRows(change, 'balance_transaction_id').map((row) => ({
      day: dayOf(row.created_at),
      currency: row.currency,
      reporting_category: row.reporting_category,
      count: 1,
      gross: row.amount,
      fee: row.fee,
      net: row.net,
    }));
    await addToDaily(
      tx,
      tableIn(target, 'settlement_daily'),
      ['day', 'currency', 'reporting_category'],
      ['count', 'gross', 'fee', 'net'],
      rows,
    );
  },
});

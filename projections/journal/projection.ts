import type { BalanceTransactionFacts } from '../money/balanceTransactionFacts.js';
import { balanceTransactionFold } from '../money/balanceTransactionFold.js';
import { addToDaily, newRows } from '../money/dailyTotals.js';
import { defineProjection, tableIn } from '../projection.js';
import { journalEntry } from './entry.js';

const LINE_COLUMNS = [
  'balance_transaction_id',
  'line',
  'account',
  'currency',
  'amount',
  'occurred_at',
  'payment_id',
  'payout_id',
] as const;

/**
 * ledger.journal_lines (SPEC section 12): the double entry of every balance transaction, from the same
 * fold as balance_transactions (folded once per batch for both). ledger.journal_entries holds the
 * transaction each entry was booked from; ledger.journal_daily each account's movement per UTC day,
 * grown as entries first arrive, so balances at a time read days rather than every line.
 */
export const journalProjection = defineProjection<BalanceTransactionFacts>({
  name: 'journal',
  fold: balanceTransactionFold,
  state: { table: 'journal_entries', key: 'balance_transaction_id' },
  // A key of two columns: the upsert's ON CONFLICT names the primary key (balance_transaction_id, line).
  rowTables: { journal_lines: { key: 'balance_transaction_id, line', columns: LINE_COLUMNS } },
  rows: (_key, facts) => ({ journal_lines: journalEntry(facts) }),
  derivedTables: ['journal_daily'],
  afterWrite: async (tx, target, change) => {
    const lines = newRows(change, 'balance_transaction_id').flatMap((row) =>
      journalEntry(balanceTransactionFold.stored.fromRow(row)),
    );
    await addToDaily(
      tx,
      tableIn(target, 'journal_daily'),
      ['day', 'account', 'currency'],
      ['amount'],
      lines.map((line) => ({
        day: line.occurred_at.slice(0, 10),
        account: line.account,
        currency: line.currency,
        amount: line.amount,
      })),
    );
  },
});

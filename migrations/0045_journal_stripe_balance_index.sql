-- The balance check (src/sync/balanceCheck.ts) sums stripe_balance per currency up to the moment it read
-- Stripe's balance: whole days from ledger.journal_daily, then that day's stripe_balance lines. This
-- partial index holds just those lines (a third of the journal), with what the sum needs, so it reads
-- them alone, index-only. It replaces the (account, currency) index, through which the check summed
-- every stripe_balance line ever booked (1.5 s at a million transactions) and which nothing else used.
DROP INDEX ledger.journal_lines_account_idx;
CREATE INDEX journal_lines_stripe_balance_idx ON ledger.journal_lines (occurred_at) INCLUDE (currency, amount)
  WHERE account = 'stripe_balance';

-- The transaction each journal entry was booked from: the journal projection's fold state, in the
-- columns of ledger.balance_transactions (the same fold feeds both).
CREATE TABLE ledger.journal_entries (
  LIKE ledger.balance_transactions INCLUDING CONSTRAINTS,
  PRIMARY KEY (balance_transaction_id)
);

-- The double-entry journal (SPEC section 12): per balance transaction, stripe_balance +net, stripe_fees
-- +fee and its reporting category -amount, zero lines left out. Every entry sums to zero.
CREATE TABLE ledger.journal_lines (
  balance_transaction_id text NOT NULL,
  line smallint NOT NULL,
  account text NOT NULL,
  currency text NOT NULL,
  amount bigint NOT NULL,
  occurred_at timestamptz NOT NULL,
  payment_id text,
  payout_id text,
  PRIMARY KEY (balance_transaction_id, line)
);

CREATE INDEX journal_lines_occurred_at_idx ON ledger.journal_lines (occurred_at);
CREATE INDEX journal_lines_account_idx ON ledger.journal_lines (account, currency);

-- Each account's movement per UTC day, kept as lines first arrive (they never change amount): balances
-- at a time read whole days here and only the lines of the last day from journal_lines.
CREATE TABLE ledger.journal_daily (
  day date NOT NULL,
  account text NOT NULL,
  currency text NOT NULL,
  amount bigint NOT NULL,
  PRIMARY KEY (day, account, currency)
);

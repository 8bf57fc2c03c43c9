-- Stripe's balance transactions (SPEC section 12): what actually moved, with Stripe's fee and the net.
-- Amounts, type, category and dates never change in Stripe; status moves from pending to available, and
-- payment_id / payout_id are learnt from different events (the projection joins them, see
-- projections/money/balanceTransactionFacts.ts).
CREATE TABLE ledger.balance_transactions (
  balance_transaction_id text PRIMARY KEY,
  type text NOT NULL,
  reporting_category text NOT NULL,
  source_id text,
  payment_id text,
  payout_id text,
  amount bigint NOT NULL,
  fee bigint NOT NULL,
  net bigint NOT NULL,
  currency text NOT NULL,
  status text NOT NULL,
  available_on timestamptz,
  created_at timestamptz NOT NULL,
  livemode boolean NOT NULL
);

CREATE INDEX balance_transactions_created_at_idx ON ledger.balance_transactions (created_at, balance_transaction_id);
CREATE INDEX balance_transactions_payment_id_idx ON ledger.balance_transactions (payment_id);
CREATE INDEX balance_transactions_payout_id_idx ON ledger.balance_transactions (payout_id);
CREATE INDEX balance_transactions_category_idx ON ledger.balance_transactions (reporting_category, created_at);

-- The settlement report's totals, kept per UTC day of created_at, currency and category as transactions
-- first arrive (their amounts never change), so a year's report reads a few thousand rows, not millions.
CREATE TABLE ledger.settlement_daily (
  day date NOT NULL,
  currency text NOT NULL,
  reporting_category text NOT NULL,
  count bigint NOT NULL,
  gross bigint NOT NULL,
  fee bigint NOT NULL,
  net bigint NOT NULL,
  PRIMARY KEY (day, currency, reporting_category)
);

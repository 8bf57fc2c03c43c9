-- Where the sync's money passes resume, per account ('platform' for the key's own): balance
-- transactions are re-read from the oldest one still pending at the last pass (its status will move),
-- payouts from the oldest one not final yet. Advanced only after the pass's appends are durable.
CREATE TABLE ledger.sync_money_cursors (
  account text PRIMARY KEY,
  balance_transactions_from bigint,
  payouts_from bigint,
  updated_at timestamptz NOT NULL DEFAULT now()
);

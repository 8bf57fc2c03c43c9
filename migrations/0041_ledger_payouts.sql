-- Payouts (SPEC section 12), from payout webhooks and the sync's reconciliations. transaction_count and
-- transactions_net are null until the payout's transactions are known (PayoutReconciled); reconciled is
-- true once they are, the payout is paid, and their net equals its amount to the cent.
CREATE TABLE ledger.payouts (
  payout_id text PRIMARY KEY,
  amount bigint NOT NULL,
  currency text NOT NULL,
  status text NOT NULL,
  arrival_date timestamptz,
  created_at timestamptz NOT NULL,
  automatic boolean NOT NULL,
  balance_transaction_id text,
  transaction_count integer,
  transactions_net bigint,
  reconciled boolean NOT NULL,
  updated_at timestamptz NOT NULL
);

CREATE INDEX payouts_created_at_idx ON ledger.payouts (created_at, payout_id);
CREATE INDEX payouts_status_idx ON ledger.payouts (status, created_at);

CREATE TABLE ledger.payouts_fold_state (
  payout_id text PRIMARY KEY,
  state jsonb NOT NULL
);

-- The sync's balance checks: after a pass, the journal's stripe_balance per currency against Stripe's
-- GET /v1/balance (available + pending, summed over the accounts the sync reads). Written by the sync,
-- not a projection: a check is an observation at a time, not a fold of the log. /api/reconciliation
-- answers the last one.
CREATE TABLE ledger.balance_checks (
  checked_at timestamptz NOT NULL,
  currency text NOT NULL,
  ledger bigint NOT NULL,
  stripe_available bigint NOT NULL,
  stripe_pending bigint NOT NULL,
  stripe_total bigint NOT NULL,
  matches boolean NOT NULL,
  PRIMARY KEY (checked_at, currency)
);

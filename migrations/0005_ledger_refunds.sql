-- One row per refund, whether it came as a refund event or embedded in a charge (SPEC section 5).
-- payment_id is the charge id while the charge's payment intent is not known; null for a refund of no
-- charge and no payment intent.
CREATE TABLE ledger.refunds (
  refund_id text PRIMARY KEY,
  payment_id text,
  charge_id text,
  amount bigint NOT NULL,
  currency text NOT NULL,
  status text NOT NULL,
  reason text,
  failure_reason text,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);

CREATE INDEX refunds_payment_id_idx ON ledger.refunds (payment_id);
CREATE INDEX refunds_created_at_idx ON ledger.refunds (created_at, refund_id);
CREATE INDEX refunds_status_idx ON ledger.refunds (status, created_at);

CREATE TABLE ledger.refunds_fold_state (
  refund_id text PRIMARY KEY,
  payment_id text,
  state jsonb NOT NULL
);

CREATE INDEX refunds_fold_state_payment_id_idx ON ledger.refunds_fold_state (payment_id);

-- One row per dispute (SPEC section 5). opened_at is the dispute's created; closed_at the first time it
-- was seen in its final closed status (null while open). payment_id as in ledger.refunds.
CREATE TABLE ledger.disputes (
  dispute_id text PRIMARY KEY,
  payment_id text,
  charge_id text,
  amount bigint NOT NULL,
  currency text NOT NULL,
  status text NOT NULL,
  reason text,
  evidence_due_by timestamptz,
  opened_at timestamptz NOT NULL,
  closed_at timestamptz,
  updated_at timestamptz NOT NULL
);

CREATE INDEX disputes_payment_id_idx ON ledger.disputes (payment_id);
CREATE INDEX disputes_opened_at_idx ON ledger.disputes (opened_at, dispute_id);
CREATE INDEX disputes_closed_at_idx ON ledger.disputes (closed_at) WHERE closed_at IS NOT NULL;
CREATE INDEX disputes_status_idx ON ledger.disputes (status, opened_at);

CREATE TABLE ledger.disputes_fold_state (
  dispute_id text PRIMARY KEY,
  payment_id text,
  state jsonb NOT NULL
);

CREATE INDEX disputes_fold_state_payment_id_idx ON ledger.disputes_fold_state (payment_id);

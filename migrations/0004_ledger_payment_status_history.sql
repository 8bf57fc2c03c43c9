-- One row per event applied to a payment, with its payment_status before and after (SPEC section 5).
CREATE TABLE ledger.payment_status_history (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  payment_id text NOT NULL,
  order_id text,
  stripe_event_id text NOT NULL UNIQUE,
  event_type text NOT NULL,
  from_status text,
  to_status text NOT NULL,
  occurred_at timestamptz NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX payment_status_history_payment_idx ON ledger.payment_status_history (payment_id, occurred_at, id);
CREATE INDEX payment_status_history_order_idx ON ledger.payment_status_history (order_id) WHERE order_id IS NOT NULL;
CREATE INDEX payment_status_history_occurred_at_idx ON ledger.payment_status_history (occurred_at);

-- The history projection's own payment fold state. `pending`: events applied while the payment had no
-- row yet (a refund or dispute waiting for its charge's link); they get their history rows when it does.
CREATE TABLE ledger.history_fold_state (
  payment_id text PRIMARY KEY,
  state jsonb NOT NULL,
  pending jsonb NOT NULL DEFAULT '[]'
);

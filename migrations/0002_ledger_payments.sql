-- Read models live in schema ledger. A rebuild creates its tables with
-- CREATE TABLE <schema>.<t> (LIKE ledger.<t> INCLUDING ALL), so every constraint and index that a
-- table needs is declared on the table itself (no foreign keys between read models: each projection
-- moves at its own pace).
CREATE SCHEMA IF NOT EXISTS ledger;

-- One row per payment: a payment intent, or a legacy charge without one (SPEC section 5).
CREATE TABLE ledger.payments (
  payment_id text PRIMARY KEY,
  livemode boolean NOT NULL,
  account_id text,
  order_id text,
  customer_id text,
  currency text NOT NULL,
  amount bigint NOT NULL,
  amount_received bigint NOT NULL,
  amount_refunded bigint NOT NULL,
  status text NOT NULL,
  payment_status text NOT NULL CHECK (payment_status IN ('pending', 'failed', 'requires_action', 'processing',
    'authorized', 'paid', 'partially_refunded', 'refunded', 'canceled')),
  dispute_status text,
  latest_charge_id text,
  failure_code text,
  failure_message text,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  last_stripe_event_id text NOT NULL
);

-- Finance lists payments newest first, filtered by time, status, order or customer; the payment_id
-- suffix makes keyset pagination on (created_at, payment_id) an index scan.
CREATE INDEX payments_created_at_idx ON ledger.payments (created_at, payment_id);
CREATE INDEX payments_payment_status_idx ON ledger.payments (payment_status, created_at);
CREATE INDEX payments_status_idx ON ledger.payments (status, created_at);
CREATE INDEX payments_order_id_idx ON ledger.payments (order_id) WHERE order_id IS NOT NULL;
CREATE INDEX payments_customer_id_idx ON ledger.payments (customer_id, created_at) WHERE customer_id IS NOT NULL;

-- The payments projection's own fold state (projections/shared/paymentState.ts), keyed like its rows;
-- a key may also be a charge id whose payment intent is not known yet (no payments row then).
CREATE TABLE ledger.payments_fold_state (
  payment_id text PRIMARY KEY,
  state jsonb NOT NULL
);

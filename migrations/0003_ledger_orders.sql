-- One row per order_id (payment intent metadata.order_id), aggregated over its payments (SPEC section 5).
CREATE TABLE ledger.orders (
  order_id text PRIMARY KEY,
  livemode boolean NOT NULL,
  currency text NOT NULL,
  payment_status text NOT NULL CHECK (payment_status IN ('pending', 'failed', 'requires_action', 'processing',
    'authorized', 'paid', 'partially_refunded', 'refunded', 'canceled')),
  amount_paid bigint NOT NULL,
  amount_refunded bigint NOT NULL,
  payment_count integer NOT NULL,
  updated_at timestamptz NOT NULL
);

CREATE INDEX orders_updated_at_idx ON ledger.orders (updated_at, order_id);
CREATE INDEX orders_payment_status_idx ON ledger.orders (payment_status, updated_at);

-- The orders projection keeps its own fold state per payment (it has its own checkpoint, so it cannot
-- read ledger.payments) together with the payment's summary; touched orders are re-aggregated from
-- these summaries with one statement. Summary columns are null while the payment has no row yet.
CREATE TABLE ledger.orders_payment_state (
  payment_id text PRIMARY KEY,
  state jsonb NOT NULL,
  order_id text,
  livemode boolean,
  currency text,
  payment_status text,
  amount_received bigint,
  amount_refunded bigint,
  updated_at timestamptz
);

CREATE INDEX orders_payment_state_order_id_idx ON ledger.orders_payment_state (order_id) WHERE order_id IS NOT NULL;

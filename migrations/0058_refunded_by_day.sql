-- The daily report's `refunded`, per payment, UTC day, mode and currency, as the payment fold dates it
-- (projections/shared/refundedDays.ts): the refunds Stripe sent no object for (the charge's own
-- amount_refunded, API 2022-11-15 to 2024-10-28) count on the day the charge showed them, and what a
-- partial capture gave back before API 2025-03-31 does not count. The report summed ledger.refunds,
-- which knows neither. The payments projection keeps the days beside its fold state and fills the table.
ALTER TABLE ledger.payments_fold_state ADD COLUMN refunded_days jsonb;

CREATE TABLE ledger.refunded_by_day (
  payment_id text NOT NULL,
  day date NOT NULL,
  livemode boolean,
  currency text NOT NULL,
  amount bigint NOT NULL
);
CREATE INDEX refunded_by_day_day_idx ON ledger.refunded_by_day (day);
CREATE INDEX refunded_by_day_payment_idx ON ledger.refunded_by_day (payment_id);

-- Existing payments keep what the report counted until now; a payment's next event writes its days
-- from the fold (its stored refunded_days is null until then), and a rebuild of payments writes all.
INSERT INTO ledger.refunded_by_day (payment_id, day, livemode, currency, amount)
SELECT r.payment_id, (r.created_at AT TIME ZONE 'UTC')::date, p.livemode, r.currency, sum(r.amount)
  FROM ledger.refunds r LEFT JOIN ledger.payments p USING (payment_id)
 WHERE r.status IN ('pending', 'succeeded') AND (p.payment_id IS NULL OR p.amount_received > 0)
 GROUP BY 1, 2, 3, 4;

-- ledger.payments.paid_at: when the payment first succeeded, folded as the earliest `created` of the
-- events that prove it, so it does not depend on the order webhooks arrived in. The daily report counts
-- a payment on that day; it used to take the first transition into paid in the status history, which
-- follows arrival order (a refund delivered before its payment's success moved the payment to the
-- refund's day).
ALTER TABLE ledger.payments ADD COLUMN paid_at timestamptz;

-- Existing payments take what the report counted until now: their first transition into paid. A
-- rebuild of payments folds the order-independent time from the log.
UPDATE ledger.payments p
   SET paid_at = first.paid_at
  FROM (SELECT payment_id, min(occurred_at) AS paid_at
          FROM ledger.payment_status_history
         WHERE to_status IN ('paid', 'partially_refunded', 'refunded')
           AND (from_status IS NULL OR from_status NOT IN ('paid', 'partially_refunded', 'refunded'))
         GROUP BY payment_id) first
 WHERE p.payment_id = first.payment_id;

CREATE INDEX payments_paid_at_idx ON ledger.payments (paid_at) WHERE paid_at IS NOT NULL;

-- The fold states carry it too (`paidAt`, unix seconds), so the next event of an existing payment keeps
-- the earlier time instead of replacing it with its own. States are stored as the projector's JSON text,
-- which now ends with `paidAt`, `importedPaidAt` and `impliedPaidAt`: appending them keeps the text it
-- would write.
UPDATE ledger.payments_fold_state s
   SET state = left(s.state, -1) || ',"paidAt":' ||
               coalesce((SELECT extract(epoch FROM p.paid_at)::bigint::text
                           FROM ledger.payments p WHERE p.payment_id = s.payment_id), 'null') || ',"importedPaidAt":null,"impliedPaidAt":null}'
 WHERE s.state NOT LIKE '%"paidAt":%';
UPDATE ledger.orders_payment_state s
   SET state = left(s.state, -1) || ',"paidAt":' ||
               coalesce((SELECT extract(epoch FROM p.paid_at)::bigint::text
                           FROM ledger.payments p WHERE p.payment_id = s.payment_id), 'null') || ',"importedPaidAt":null,"impliedPaidAt":null}'
 WHERE s.state NOT LIKE '%"paidAt":%';
UPDATE ledger.history_fold_state s
   SET state = left(s.state, -1) || ',"paidAt":' ||
               coalesce((SELECT extract(epoch FROM p.paid_at)::bigint::text
                           FROM ledger.payments p WHERE p.payment_id = s.payment_id), 'null') || ',"importedPaidAt":null,"impliedPaidAt":null}'
 WHERE s.state NOT LIKE '%"paidAt":%';

-- The report no longer reads the history's transitions into paid: their partial indexes (0053) only
-- cost every history insert.
DROP INDEX IF EXISTS ledger.payment_status_history_into_paid_at_idx;
DROP INDEX IF EXISTS ledger.payment_status_history_into_paid_payment_idx;

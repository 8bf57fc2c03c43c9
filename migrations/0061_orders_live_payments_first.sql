-- An order id that live and test payments share is the live order: its figures count its live payments
-- only (projections/orders/recompute.ts). Orders mixing the two are re-aggregated here once; the others
-- are unchanged.
WITH mixed AS (
  SELECT order_id FROM ledger.orders_payment_state
   WHERE order_id IS NOT NULL
   GROUP BY order_id
  HAVING bool_or(livemode) AND NOT bool_and(livemode)
),
agg AS (
  SELECT order_id,
         min(currency) AS currency,
         coalesce(sum(amount_received) FILTER (WHERE payment_status IN ('paid', 'partially_refunded', 'refunded')), 0) AS amount_paid,
         coalesce(sum(amount_refunded) FILTER (WHERE payment_status IN ('paid', 'partially_refunded', 'refunded')), 0) AS amount_refunded,
         count(*)::integer AS payment_count,
         max(updated_at) AS updated_at,
         array_agg(payment_status) AS statuses
    FROM ledger.orders_payment_state
   WHERE order_id IN (SELECT order_id FROM mixed) AND livemode
   GROUP BY order_id
)
UPDATE ledger.orders o
   SET livemode = true,
       currency = agg.currency,
       payment_status = CASE
         WHEN agg.amount_paid > 0 AND agg.amount_refunded >= agg.amount_paid THEN 'refunded'
         WHEN agg.amount_paid > 0 AND agg.amount_refunded > 0 THEN 'partially_refunded'
         WHEN agg.amount_paid > 0 THEN 'paid'
         WHEN 'authorized' = ANY(agg.statuses) THEN 'authorized'
         WHEN 'processing' = ANY(agg.statuses) THEN 'processing'
         WHEN 'requires_action' = ANY(agg.statuses) THEN 'requires_action'
         WHEN 'failed' = ANY(agg.statuses) THEN 'failed'
         WHEN 'pending' = ANY(agg.statuses) THEN 'pending'
         WHEN agg.statuses <@ ARRAY['canceled'] THEN 'canceled'
         ELSE 'paid'
       END,
       amount_paid = agg.amount_paid,
       amount_refunded = agg.amount_refunded,
       payment_count = agg.payment_count,
       updated_at = agg.updated_at
  FROM agg
 WHERE o.order_id = agg.order_id;

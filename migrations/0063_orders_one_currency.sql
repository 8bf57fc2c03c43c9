-- An order whose payments use more than one currency is shown in one (projections/orders/recompute.ts):
-- the currency most of its paid payments use (most of all its payments when none is paid, the first
-- alphabetically on a tie), its amounts that currency's paid payments only. Orders mixing currencies
-- are re-aggregated here once; the others are unchanged. An order's mode is as 0061 left it.
WITH counted AS (
  SELECT s.order_id, s.currency, s.payment_status, s.amount_received, s.amount_refunded
    FROM ledger.orders_payment_state s
    JOIN ledger.orders o ON o.order_id = s.order_id AND s.livemode IS NOT DISTINCT FROM o.livemode
),
mixed AS (
  SELECT order_id FROM counted GROUP BY order_id HAVING count(DISTINCT currency) > 1
),
shown AS (
  SELECT DISTINCT ON (order_id) order_id, currency AS order_currency
    FROM counted
   WHERE order_id IN (SELECT order_id FROM mixed)
   GROUP BY order_id, currency
   ORDER BY order_id,
            count(*) FILTER (WHERE payment_status IN ('paid', 'partially_refunded', 'refunded')) DESC,
            count(*) DESC, currency
),
agg AS (
  SELECT order_id,
         min(order_currency) AS currency,
         coalesce(sum(amount_received) FILTER (WHERE payment_status IN ('paid', 'partially_refunded', 'refunded')
                                                 AND currency = order_currency), 0) AS amount_paid,
         coalesce(sum(amount_refunded) FILTER (WHERE payment_status IN ('paid', 'partially_refunded', 'refunded')
                                                 AND currency = order_currency), 0) AS amount_refunded,
         array_agg(payment_status) AS statuses
    FROM counted JOIN shown USING (order_id)
   GROUP BY order_id
)
UPDATE ledger.orders o
   SET currency = agg.currency,
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
       amount_refunded = agg.amount_refunded
  FROM agg
 WHERE o.order_id = agg.order_id;

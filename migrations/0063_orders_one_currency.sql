-- An order whose payments use more than one currency is shown in the currency most of its paid payments
-- use (most of all its payments when none is paid, the first alphabetically on a tie), as
-- projections/orders/recompute.ts now gives it; before, the alphabetically first of them (a declined
-- attempt in EUR showed a USD payment's amounts as EUR). Its amounts are unchanged. An order's mode is as
-- 0061 left it.
WITH counted AS (
  SELECT s.order_id, s.currency, s.payment_status
    FROM ledger.orders_payment_state s
    JOIN ledger.orders o ON o.order_id = s.order_id AND s.livemode IS NOT DISTINCT FROM o.livemode
),
shown AS (
  SELECT DISTINCT ON (order_id) order_id, currency
    FROM counted
   WHERE order_id IN (SELECT order_id FROM counted GROUP BY order_id HAVING count(DISTINCT currency) > 1)
   GROUP BY order_id, currency
   ORDER BY order_id,
            count(*) FILTER (WHERE payment_status IN ('paid', 'partially_refunded', 'refunded')) DESC,
            count(*) DESC, currency
)
UPDATE ledger.orders o
   SET currency = shown.currency
  FROM shown
 WHERE o.order_id = shown.order_id AND o.currency IS DISTINCT FROM shown.currency;

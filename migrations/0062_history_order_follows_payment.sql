-- Every status history row carries its payment's order id as it stands now (projections/
-- payment_status_history): rows of events that arrived before the one naming the order were written
-- with none, and rows written before an order id changed kept the old one. They take the payment's
-- here once; the projection keeps them so from now on.
UPDATE ledger.payment_status_history h
   SET order_id = p.order_id
  FROM ledger.payments p
 WHERE h.payment_id = p.payment_id
   AND h.order_id IS DISTINCT FROM p.order_id;

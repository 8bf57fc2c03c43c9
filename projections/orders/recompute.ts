import { PREPARED, type Queryable } from '../../src/db/port.js';

const PAID = `('paid', 'partially_refunded', 'refunded')`;

/**
 * Per order_id, the aggregate of the summaries selected by `where` (SPEC section 5, ledger.orders).
 * An order id that live and test payments share (a staging system numbering its orders as production
 * does, its test-mode webhooks sent to the same ledger) is the live order: its test payments are left
 * out of its amounts, count and status, so test money never shows in a live order's figures.
 * An order whose payments use more than one currency (a customer who switched currency at checkout
 * after a declined attempt, say) is shown in the currency most of its paid payments use (most of all its
 * payments when none is paid; the first alphabetically on a tie): the currency its amounts are in when
 * one currency was paid. Its amounts still sum every paid payment, as SPEC section 5 defines them.
 */
const aggregate = (summaries: string, where: string) =>
  `WITH scoped AS (
     SELECT *, bool_or(livemode) OVER (PARTITION BY order_id) AS order_live FROM ${summaries} WHERE ${where}
   ), counted AS (
     SELECT * FROM scoped WHERE livemode IS NOT DISTINCT FROM order_live
   ), shown AS (
     SELECT DISTINCT ON (order_id) order_id, currency AS order_currency
       FROM counted
      GROUP BY order_id, currency
      ORDER BY order_id, count(*) FILTER (WHERE payment_status IN ${PAID}) DESC, count(*) DESC, currency
   )
   SELECT order_id,
          bool_or(livemode) AS livemode,
          min(order_currency) AS currency,
          coalesce(sum(amount_received) FILTER (WHERE payment_status IN ${PAID}), 0) AS amount_paid,
          coalesce(sum(amount_refunded) FILTER (WHERE payment_status IN ${PAID}), 0) AS amount_refunded,
          count(*)::integer AS payment_count,
          max(updated_at) AS updated_at,
          array_agg(payment_status) AS statuses
     FROM counted JOIN shown USING (order_id)
    GROUP BY order_id`;

const ORDER_COLUMNS =
  '(order_id, livemode, currency, payment_status, amount_paid, amount_refunded, payment_count, updated_at)';

/** The orders rows of `agg`. When nothing is paid the status is the first any payment has of
 * authorized, processing, requires_action, failed, pending; canceled when all are canceled. An order
 * whose only paid payments received nothing counts as paid. */
const ORDER_ROWS = `SELECT order_id, livemode, currency,
          CASE
            WHEN amount_paid > 0 AND amount_refunded >= amount_paid THEN 'refunded'
            WHEN amount_paid > 0 AND amount_refunded > 0 THEN 'partially_refunded'
            WHEN amount_paid > 0 THEN 'paid'
            WHEN 'authorized' = ANY(statuses) THEN 'authorized'
            WHEN 'processing' = ANY(statuses) THEN 'processing'
            WHEN 'requires_action' = ANY(statuses) THEN 'requires_action'
            WHEN 'failed' = ANY(statuses) THEN 'failed'
            WHEN 'pending' = ANY(statuses) THEN 'pending'
            WHEN statuses <@ ARRAY['canceled'] THEN 'canceled'
            ELSE 'paid'
          END,
          amount_paid, amount_refunded, payment_count, updated_at
     FROM agg`;

/**
 * Re-aggregates the given orders from the per-payment summaries in one statement, and deletes orders
 * none of whose payments names them any more.
 */
export const recomputeOrders = async (
  tx: Queryable,
  tables: { orders: string; summaries: string },
  orderIds: readonly string[],
): Promise<void> => {
  if (orderIds.length === 0) return;
  await tx.query(
    `WITH agg AS (${aggregate(tables.summaries, 'order_id = ANY($1::text[])')}),
     upserted AS (
       INSERT INTO ${tables.orders} AS cur ${ORDER_COLUMNS}
       ${ORDER_ROWS}
       ON CONFLICT (order_id) DO UPDATE SET
              livemode = EXCLUDED.livemode, currency = EXCLUDED.currency,
              payment_status = EXCLUDED.payment_status, amount_paid = EXCLUDED.amount_paid,
              amount_refunded = EXCLUDED.amount_refunded, payment_count = EXCLUDED.payment_count,
              updated_at = EXCLUDED.updated_at
        WHERE (cur.livemode, cur.currency, cur.payment_status, cur.amount_paid, cur.amount_refunded,
               cur.payment_count, cur.updated_at)
              IS DISTINCT FROM (EXCLUDED.livemode, EXCLUDED.currency, EXCLUDED.payment_status,
               EXCLUDED.amount_paid, EXCLUDED.amount_refunded, EXCLUDED.payment_count, EXCLUDED.updated_at)
     )
     DELETE FROM ${tables.orders} WHERE order_id = ANY($1::text[]) AND order_id NOT IN (SELECT order_id FROM agg)`,
    [orderIds],
    PREPARED,
  );
};

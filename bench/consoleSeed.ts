import type { Db } from '../src/db/port.js';

/**
 * Read models of `payments` payments written straight with generate_series, spread over the 90 days
 * before now (so the reports' default range has data): two status-history rows each, a refund for one in
 * 13, a dispute for one in 50 (one in 4 of them still needing a response, due within two weeks). For
 * measuring the console's queries in a minute; `--seed=lifecycles` folds generated Stripe events instead.
 */
export const seedReadModels = async (db: Db, payments: number) => {
  await db.query(
    `INSERT INTO ledger.payments (payment_id, livemode, account_id, order_id, customer_id, currency, amount,
       amount_received, amount_refunded, status, payment_status, dispute_status, latest_charge_id, failure_code,
       failure_message, created_at, updated_at, last_stripe_event_id)
     SELECT 'pi_cons_' || lpad(g::text, 7, '0'), g % 10 = 0, NULL, 'order_cons_' || (g / 2), 'cus_cons_' || (g % 5000),
            (ARRAY['usd', 'eur', 'gbp', 'jpy'])[1 + g % 4], 1000 + g % 90000,
            CASE WHEN g % 7 = 0 THEN 0 ELSE 1000 + g % 90000 END, CASE WHEN g % 13 = 0 THEN 500 ELSE 0 END,
            CASE WHEN g % 7 = 0 THEN 'requires_payment_method' ELSE 'succeeded' END,
            CASE WHEN g % 7 = 0 THEN 'failed' WHEN g % 13 = 0 THEN 'partially_refunded' ELSE 'paid' END,
            CASE WHEN g % 50 = 0 AND g % 7 <> 0 THEN (ARRAY['needs_response', 'won', 'lost', 'under_review'])[1 + (g / 50) % 4] END,
            'ch_cons_' || g, CASE WHEN g % 7 = 0 THEN 'card_declined' END,
            CASE WHEN g % 7 = 0 THEN 'Your card was declined.' END,
            now() - interval '90 days' + g * (interval '90 days' / $1::int),
            now() - interval '90 days' + g * (interval '90 days' / $1::int) + interval '1 minute', 'evt_cons_' || g
       FROM generate_series(1, $1::int) g`,
    [payments],
  );
  await db.query(
    `INSERT INTO ledger.payment_status_history (payment_id, order_id, stripe_event_id, event_type, from_status,
       to_status, occurred_at)
     SELECT p.payment_id, p.order_id, p.last_stripe_event_id || '_' || step, step_type, from_status, to_status,
            p.created_at + (step * interval '30 seconds')
       FROM ledger.payments p,
            LATERAL (VALUES (0, 'payment_intent.created', NULL, 'pending'),
                            (1, CASE WHEN p.payment_status = 'failed' THEN 'payment_intent.payment_failed'
                                     ELSE 'payment_intent.succeeded' END, 'pending',
                                CASE WHEN p.payment_status = 'failed' THEN 'failed' ELSE 'paid' END)) AS s(step, step_type, from_status, to_status)`,
  );
  await db.query(
    `INSERT INTO ledger.refunds (refund_id, payment_id, charge_id, amount, currency, status, reason, created_at, updated_at)
     SELECT 're_' || substr(payment_id, 4), payment_id, latest_charge_id, 500, currency, 'succeeded',
            'requested_by_customer', created_at + interval '1 day', created_at + interval '1 day'
       FROM ledger.payments WHERE amount_refunded > 0`,
  );
  await db.query(
    `INSERT INTO ledger.disputes (dispute_id, payment_id, charge_id, amount, currency, status, reason,
       evidence_due_by, opened_at, closed_at, updated_at)
     SELECT 'dp_' || substr(payment_id, 4), payment_id, latest_charge_id, amount_received, currency, dispute_status,
            'fraudulent',
            CASE WHEN dispute_status = 'needs_response' THEN now() + (hashtext(payment_id) % 14 + 14) * interval '12 hours'
                 ELSE created_at + interval '8 days' END,
            created_at + interval '1 day',
            CASE WHEN dispute_status IN ('won', 'lost') THEN created_at + interval '20 days' END, created_at + interval '1 day'
       FROM ledger.payments WHERE dispute_status IS NOT NULL`,
  );
  await db.query('ANALYZE');
};

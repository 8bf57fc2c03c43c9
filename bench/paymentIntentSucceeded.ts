import { createHmac, randomBytes } from 'node:crypto';

/**
 * Distinct, freshly signed payment_intent.succeeded deliveries of about 2 KB (a real API 2024-06-20
 * payment intent with its usual fields), made cheaply: the load generator shares the CPUs with the server.
 */
export const paymentIntentSucceededFactory = (secret: string) => {
  const run = randomBytes(4).toString('hex');
  let sequence = 0;
  return (): { body: Buffer; signature: string } => {
    sequence += 1;
    const key = `${run}${sequence.toString(36).padStart(8, '0')}`;
    const created = Math.floor(Date.now() / 1000);
    const amount = 1000 + (sequence % 90_000);
    const text = `{
  "id": "evt_3Pb${key}Bench",
  "object": "event",
  "api_version": "2024-06-20",
  "created": ${created},
  "data": {
    "object": {
      "id": "pi_3Pb${key}Bench",
      "object": "payment_intent",
      "amount": ${amount},
      "amount_capturable": 0,
      "amount_details": { "tip": {} },
      "amount_received": ${amount},
      "application": null,
      "application_fee_amount": null,
      "automatic_payment_methods": { "allow_redirects": "always", "enabled": true },
      "canceled_at": null,
      "cancellation_reason": null,
      "capture_method": "automatic_async",
      "client_secret": "pi_3Pb${key}Bench_secret_q0Wd4Xr8Zb1TnKcLmPzYvE2sA",
      "confirmation_method": "automatic",
      "created": ${created},
      "currency": "eur",
      "customer": "cus_Qb${key}",
      "description": "Order ${sequence} for the bench store",
      "invoice": null,
      "last_payment_error": null,
      "latest_charge": "ch_3Pb${key}Bench",
      "livemode": false,
      "metadata": { "order_id": "order_${key}", "cart_id": "cart_${key}", "channel": "web" },
      "next_action": null,
      "on_behalf_of": null,
      "payment_method": "pm_1Pb${key}Bench",
      "payment_method_configuration_details": { "id": "pmc_1OsxR4LkdIwHu7ixS3yR1f5N", "parent": null },
      "payment_method_options": {
        "card": {
          "installments": null,
          "mandate_options": null,
          "network": null,
          "request_three_d_secure": "automatic"
        },
        "link": { "persistent_token": null }
      },
      "payment_method_types": ["card", "link"],
      "processing": null,
      "receipt_email": "customer${sequence}@example.com",
      "review": null,
      "setup_future_usage": null,
      "shipping": null,
      "source": null,
      "statement_descriptor": null,
      "statement_descriptor_suffix": null,
      "status": "succeeded",
      "transfer_data": null,
      "transfer_group": null
    }
  },
  "livemode": false,
  "pending_webhooks": 1,
  "request": { "id": "req_${key}", "idempotency_key": "0c5a6f0e-${key}" },
  "type": "payment_intent.succeeded"
}`;
    const body = Buffer.from(text, 'utf8');
    const timestamp = Math.floor(Date.now() / 1000);
    const v1 = createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
    return { body, signature: `t=${timestamp},v1=${v1}` };
  };
};

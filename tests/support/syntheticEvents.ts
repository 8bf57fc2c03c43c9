import { randomBytes } from 'node:crypto';

export type SyntheticEvent = { id: string; paymentIntentId: string; body: string };

const token = () => randomBytes(9).toString('hex');

/** A fresh, distinct payment_intent.succeeded delivery in the shape of API 2024-06-20. */
export const paymentIntentSucceeded = (
  options: { amount?: unknown; created?: number; description?: string } = {},
): SyntheticEvent => {
  const id = `evt_test_${token()}`;
  const paymentIntentId = `pi_test_${token()}`;
  const created = options.created ?? Math.floor(Date.now() / 1000);
  const amount = options.amount ?? 2500;
  const body = JSON.stringify({
    id,
    object: 'event',
    api_version: '2024-06-20',
    created,
    livemode: false,
    pending_webhooks: 1,
    request: { id: `req_${token()}`, idempotency_key: null },
    type: 'payment_intent.succeeded',
    data: {
      object: {
        id: paymentIntentId,
        object: 'payment_intent',
        amount,
        amount_capturable: 0,
        amount_received: amount,
        currency: 'eur',
        customer: `cus_${token()}`,
        latest_charge: `ch_test_${token()}`,
        livemode: false,
        metadata: { order_id: `order_${token()}` },
        status: 'succeeded',
        created,
        ...(options.description !== undefined && { description: options.description }),
      },
    },
  });
  return { id, paymentIntentId, body };
};

/**
 * A fresh payment_intent.succeeded delivery whose body is exactly `bytes` long, padded by its
 * description. At 1 MiB (the webhook's cap) its stored form (object, derived keys, metadata) is a few
 * hundred bytes more than the body.
 */
export const paymentIntentSucceededOfSize = (bytes: number): SyntheticEvent => {
  const bare = paymentIntentSucceeded({ description: '' });
  const padding = bytes - Buffer.byteLength(bare.body);
  if (padding < 0) throw new Error(`a delivery cannot be smaller than ${Buffer.byteLength(bare.body)} bytes`);
  return { ...bare, body: bare.body.replace('"description":""', `"description":"${'x'.repeat(padding)}"`) };
};

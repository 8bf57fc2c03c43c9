import { randomBytes } from 'node:crypto';
import { paymentIntentObject } from '../../src/stripe/payloads/paymentIntentObject.js';
import { webhookEvent } from '../../src/stripe/payloads/webhookEvent.js';

export type SyntheticEvent = { id: string; paymentIntentId: string; body: string };

const token = () => randomBytes(9).toString('hex');

/** A fresh, distinct payment_intent.succeeded delivery in the shape of API 2024-06-20. `amount` may be
 * any value, to send what the ledger must refuse. */
export const paymentIntentSucceeded = (
  options: { amount?: unknown; created?: number; description?: string } = {},
): SyntheticEvent => {
  const id = `evt_test_${token()}`;
  const paymentIntentId = `pi_test_${token()}`;
  const created = options.created ?? Math.floor(Date.now() / 1000);
  const amount = options.amount ?? 2500;
  const object = paymentIntentObject(
    {
      id: paymentIntentId,
      status: 'succeeded',
      amount: 2500,
      currency: 'eur',
      created,
      customer: `cus_${token()}`,
      latest_charge: `ch_test_${token()}`,
      metadata: { order_id: `order_${token()}` },
      ...(options.description !== undefined && { description: options.description }),
    },
    // As given, even when it is not a number.
    { amount, amount_received: amount },
  );
  const request = { id: `req_${token()}`, idempotency_key: null };
  const body = JSON.stringify(
    webhookEvent({ id, type: 'payment_intent.succeeded', object, created, request }),
  );
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

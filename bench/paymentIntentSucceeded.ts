import { createHmac, randomBytes } from 'node:crypto';
import { paymentIntentObject } from '../src/stripe/payloads/paymentIntentObject.js';
import { webhookEvent } from '../src/stripe/payloads/webhookEvent.js';

// Stand-ins for what differs between deliveries, replaced in the text of one template; the numbers'
// stand-ins are strings in the JSON, so they are replaced with their quotes.
const KEY = '@key@';
const SEQUENCE = '@sequence@';
const AMOUNT = '@amount@';
const CREATED = '@created@';
const quoted = (standIn: string) => `"${standIn}"`;

/** One payment_intent.succeeded delivery built once by the shared builder, as text cut at the stand-ins. */
const template = (): string[] => {
  const object = paymentIntentObject(
    {
      id: `pi_3Pb${KEY}Bench`,
      status: 'succeeded',
      amount: 0,
      currency: 'eur',
      created: 0,
      customer: `cus_Qb${KEY}`,
      description: `Order ${SEQUENCE} for the bench store`,
      latest_charge: `ch_3Pb${KEY}Bench`,
      metadata: { order_id: `order_${KEY}`, cart_id: `cart_${KEY}`, channel: 'web' },
      capture_method: 'automatic_async',
    },
    {
      amount: AMOUNT,
      amount_received: AMOUNT,
      created: CREATED,
      automatic_payment_methods: { allow_redirects: 'always', enabled: true },
      payment_method_configuration_details: { id: 'pmc_1OsxR4LkdIwHu7ixS3yR1f5N', parent: null },
      payment_method_types: ['card', 'link'],
      receipt_email: `customer${SEQUENCE}@example.com`,
    },
  );
  const event = webhookEvent({
    id: `evt_3Pb${KEY}Bench`,
    type: 'payment_intent.succeeded',
    object,
    created: 0,
    request: { id: `req_${KEY}`, idempotency_key: `0c5a6f0e-${KEY}` },
  });
  const standIns = [KEY, SEQUENCE, quoted(AMOUNT), quoted(CREATED)];
  return JSON.stringify({ ...event, created: CREATED }, null, 2).split(new RegExp(`(${standIns.join('|')})`));
};

/**
 * Distinct, freshly signed payment_intent.succeeded deliveries of about 2 KB (a real API 2024-06-20
 * payment intent with its usual fields), made cheaply: the load generator shares the CPUs with the
 * server, so the payload is built once and each delivery only fills in its ids, amount and time.
 */
export const paymentIntentSucceededFactory = (secret: string) => {
  const run = randomBytes(4).toString('hex');
  const parts = template();
  let sequence = 0;
  return (): { body: Buffer; signature: string } => {
    sequence += 1;
    const values: Record<string, string> = {
      [KEY]: `${run}${sequence.toString(36).padStart(8, '0')}`,
      [SEQUENCE]: String(sequence),
      [quoted(AMOUNT)]: String(1000 + (sequence % 90_000)),
      [quoted(CREATED)]: String(Math.floor(Date.now() / 1000)),
    };
    const body = Buffer.from(parts.map((part) => values[part] ?? part).join(''), 'utf8');
    const timestamp = Math.floor(Date.now() / 1000);
    const v1 = createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
    return { body, signature: `t=${timestamp},v1=${v1}` };
  };
};

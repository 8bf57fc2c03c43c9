import type { Delivery } from './generate.js';
import { webhookEvent } from '../../src/stripe/payloads/webhookEvent.js';
import { chargeOf, disputeOf, intentOf, refundOf, type Payment } from './stripeObjects.js';

/** Markup an attacker could put in Stripe metadata, descriptions or messages; it sets window.__pwned if it ever runs. */
export const SCRIPT = '<script>window.__pwned = "script"</script>';
export const IMG = '"><img src=x onerror="window.__pwned = \'img\'">';

export type LifeText = {
  description: string;
  note: string;
  failure: string;
  refundReason: string;
  refundFailure: string;
  disputeReason: string;
};

/** Stripe text an attacker could write; the console must show it all as text. */
export const HOSTILE_TEXT: LifeText = {
  description: `${SCRIPT} ${IMG}`,
  note: IMG,
  failure: `${IMG} ${SCRIPT}`,
  refundReason: IMG,
  refundFailure: SCRIPT,
  disputeReason: SCRIPT,
};

export const PLAIN_TEXT: LifeText = {
  description: 'Order from the web shop',
  note: 'gift',
  failure: 'Your card was declined.',
  refundReason: 'requested_by_customer',
  refundFailure: 'expired_or_canceled_card',
  disputeReason: 'fraudulent',
};

/**
 * One payment life carrying the given Stripe text: description and metadata, a failed attempt's
 * message, then a success, a failed refund and a dispute that needs a response.
 */
export const paymentLife = (p: Payment, words: LifeText): Delivery[] => {
  let counter = 0;
  const deliveries: Delivery[] = [];
  const emit = (type: string, object: Record<string, unknown>, at: number) => {
    const id = `evt_life_${p.pi}_${(counter += 1)}`;
    const body = JSON.stringify(webhookEvent({ id, type, object, created: at, livemode: p.livemode }));
    deliveries.push({ id, type, created: at, body });
  };
  const text = { description: words.description, metadata: { order_id: p.orderId ?? '', note: words.note } };
  const error = { code: 'card_declined', message: words.failure, decline_code: 'do_not_honor' };
  emit('payment_intent.created', intentOf(p, 'requires_payment_method', text), p.created);
  emit(
    'payment_intent.payment_failed',
    intentOf(p, 'requires_payment_method', { ...text, last_payment_error: error }),
    p.created + 10,
  );
  emit('charge.succeeded', chargeOf(p, p.created + 20, { description: words.description }), p.created + 20);
  emit(
    'payment_intent.succeeded',
    intentOf(p, 'succeeded', { ...text, amount_received: p.amount, latest_charge: p.ch }),
    p.created + 20,
  );
  emit(
    'refund.created',
    {
      ...refundOf(p, `re_${p.pi.slice(3)}`, 100, 'failed', p.created + 30),
      reason: words.refundReason,
      failure_reason: words.refundFailure,
    },
    p.created + 30,
  );
  emit(
    'charge.dispute.created',
    { ...disputeOf(p, 'needs_response', p.created + 40), reason: words.disputeReason },
    p.created + 40,
  );
  return deliveries;
};

import { randomBytes, randomUUID } from 'node:crypto';
import { chargeObject, type ChargeShape } from '../stripe/payloads/chargeObject.js';
import { disputeObject } from '../stripe/payloads/disputeObject.js';
import { paymentIntentObject, type PaymentIntentShape } from '../stripe/payloads/paymentIntentObject.js';
import { refundObject } from '../stripe/payloads/refundObject.js';
import { webhookEvent } from '../stripe/payloads/webhookEvent.js';

/**
 * The story `stripe-ledger demo` tells: Stripe test-mode webhooks shaped as API version 2024-06-20
 * delivers them (payment intents name their `latest_charge`; charges no longer embed their refunds),
 * built by the payload builders of src/stripe/payloads/.
 */

export type DemoEvent = { id: string; type: string; body: string };
export type DemoPayment = { id: string; amount: number; currency: string; story: string; events: number };
export type DemoScenario = { events: DemoEvent[]; payments: DemoPayment[]; orderId: string };

type StripeObject = Record<string, unknown>;

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const randomId = (prefix: string, length = 14) =>
  `${prefix}_demo_${Array.from(randomBytes(length), (byte) => ALPHABET[byte % ALPHABET.length]).join('')}`;

type Plan = {
  id: string;
  amount: number;
  currency: string;
  customer: string;
  description: string;
  orderId: string | null;
  created: number;
};

const intentOf = (plan: Plan, status: string, shape: Partial<PaymentIntentShape> = {}) =>
  paymentIntentObject(
    {
      id: plan.id,
      status,
      amount: plan.amount,
      currency: plan.currency,
      created: plan.created,
      customer: plan.customer,
      description: plan.description,
      metadata: plan.orderId ? { order_id: plan.orderId } : {},
      capture_method: 'automatic_async',
      ...shape,
    },
    { automatic_payment_methods: { allow_redirects: 'always', enabled: true } },
  );

const DECLINED = {
  code: 'card_declined',
  decline_code: 'generic_decline',
  message: 'Your card was declined.',
};

const chargeOf = (plan: Plan, id: string, created: number, paid: boolean, shape: Partial<ChargeShape> = {}) =>
  chargeObject({
    id,
    payment_intent: plan.id,
    status: paid ? 'succeeded' : 'failed',
    amount: plan.amount,
    currency: plan.currency,
    created,
    customer: plan.customer,
    description: plan.description,
    metadata: plan.orderId ? { order_id: plan.orderId } : {},
    ...shape,
  });

const refundOf = (plan: Plan, chargeId: string, amount: number, created: number) =>
  refundObject({
    id: randomId('re', 24),
    charge: chargeId,
    payment_intent: plan.id,
    amount,
    currency: plan.currency,
    created,
    status: 'succeeded',
  });

const disputeOf = (plan: Plan, id: string, chargeId: string, created: number, status: string) =>
  disputeObject({
    id,
    charge: chargeId,
    payment_intent: plan.id,
    amount: plan.amount,
    currency: plan.currency,
    created,
    status,
    due_by: created + 8 * 86_400,
  });

/** Builds the scenario: ids random (pi_demo_...), times ending now, so every run adds new payments. */
export const demoScenario = (now = Math.floor(Date.now() / 1000)): DemoScenario => {
  const events: DemoEvent[] = [];
  const payments: DemoPayment[] = [];
  const orderId = randomId('order', 10);
  let clock = now - 300;

  const emit = (type: string, object: StripeObject, previous?: StripeObject) => {
    clock += 3;
    const id = randomId('evt', 24);
    const body = webhookEvent({
      id,
      type,
      object,
      created: Math.min(clock, now),
      ...(previous && { previousAttributes: previous }),
      request: { id: randomId('req', 14), idempotency_key: randomUUID() },
    });
    events.push({ id, type, body: JSON.stringify(body) });
  };

  const pay = (
    amount: number,
    currency: string,
    description: string,
    story: string,
    orderOf: string | null = null,
  ) => {
    const plan: Plan = {
      id: randomId('pi', 24),
      amount,
      currency,
      customer: randomId('cus', 14),
      description,
      orderId: orderOf,
      created: clock,
    };
    const first = events.length;
    const chargeId = randomId('ch', 24);
    emit('payment_intent.created', intentOf(plan, 'requires_payment_method'));
    emit('charge.succeeded', chargeOf(plan, chargeId, clock, true));
    emit('payment_intent.succeeded', intentOf(plan, 'succeeded', { latest_charge: chargeId }));
    const payment: DemoPayment = { id: plan.id, amount, currency, story, events: 0 };
    payments.push(payment);
    return { plan, chargeId, done: () => (payment.events = events.length - first) };
  };

  pay(2_900, 'usd', 'Starter plan, monthly', 'paid').done();
  pay(3_200, 'eur', 'Workshop ticket', 'paid').done();

  const full = pay(4_900, 'usd', 'Annual license', 'paid, then refunded in full');
  const fullRefund = refundOf(full.plan, full.chargeId, full.plan.amount, clock);
  emit('refund.created', fullRefund);
  emit(
    'charge.refunded',
    chargeOf(full.plan, full.chargeId, full.plan.created, true, {
      amount_refunded: full.plan.amount,
      refunded: true,
    }),
    { amount_refunded: 0, refunded: false },
  );
  full.done();

  const partial = pay(12_900, 'usd', 'Team plan, quarterly', 'paid, then refunded in part (30.00)');
  emit('refund.created', refundOf(partial.plan, partial.chargeId, 3_000, clock));
  emit(
    'charge.refunded',
    chargeOf(partial.plan, partial.chargeId, partial.plan.created, true, { amount_refunded: 3_000 }),
    { amount_refunded: 0 },
  );
  partial.done();

  const disputed = pay(8_999, 'usd', 'Hardware kit', 'paid, then disputed and lost');
  const disputeNow = (status: string) =>
    disputeOf(disputed.plan, disputeId, disputed.chargeId, disputeCreated, status);
  const disputeId = randomId('dp', 24);
  const disputeCreated = clock;
  emit('charge.dispute.created', disputeNow('needs_response'));
  emit('charge.dispute.funds_withdrawn', disputeNow('needs_response'));
  emit('charge.dispute.closed', disputeNow('lost'), { status: 'needs_response' });
  disputed.done();

  // A declined card, then a second attempt that goes through: the payment intent stays the same.
  const retried: Plan = {
    id: randomId('pi', 24),
    amount: 5_500,
    currency: 'usd',
    customer: randomId('cus', 14),
    description: 'Conference pass',
    orderId: null,
    created: clock,
  };
  const declinedCharge = randomId('ch', 24);
  const retryCharge = randomId('ch', 24);
  emit('payment_intent.created', intentOf(retried, 'requires_payment_method'));
  emit('charge.failed', chargeOf(retried, declinedCharge, clock, false));
  emit(
    'payment_intent.payment_failed',
    intentOf(retried, 'requires_payment_method', {
      latest_charge: declinedCharge,
      last_payment_error: {
        ...DECLINED,
        charge: declinedCharge,
        doc_url: 'https://stripe.com/docs/error-codes/card-declined',
        type: 'card_error',
      },
    }),
  );
  emit('charge.succeeded', chargeOf(retried, retryCharge, clock, true));
  emit('payment_intent.succeeded', intentOf(retried, 'succeeded', { latest_charge: retryCharge }));
  payments.push({
    id: retried.id,
    amount: retried.amount,
    currency: 'usd',
    story: 'card declined, then paid on a second attempt',
    events: 5,
  });

  pay(15_000, 'usd', 'Order: desk', `paid, first of two payments of order ${orderId}`, orderId).done();
  pay(7_500, 'usd', 'Order: chair', `paid, second of two payments of order ${orderId}`, orderId).done();

  return { events, payments, orderId };
};

import { randomBytes, randomUUID } from 'node:crypto';

/**
 * The story `stripe-ledger demo` tells: Stripe test-mode webhooks shaped as API version 2024-06-20
 * delivers them (payment intents name their `latest_charge`; charges no longer embed their refunds).
 */
export const DEMO_API_VERSION = '2024-06-20';

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

const paymentIntent = (plan: Plan, status: string, changes: StripeObject = {}): StripeObject => ({
  id: plan.id,
  object: 'payment_intent',
  amount: plan.amount,
  amount_capturable: 0,
  amount_details: { tip: {} },
  amount_received: status === 'succeeded' ? plan.amount : 0,
  application: null,
  application_fee_amount: null,
  automatic_payment_methods: { allow_redirects: 'always', enabled: true },
  canceled_at: null,
  cancellation_reason: null,
  capture_method: 'automatic_async',
  client_secret: `${plan.id}_secret_${randomBytes(12).toString('hex')}`,
  confirmation_method: 'automatic',
  created: plan.created,
  currency: plan.currency,
  customer: plan.customer,
  description: plan.description,
  invoice: null,
  last_payment_error: null,
  latest_charge: null,
  livemode: false,
  metadata: plan.orderId ? { order_id: plan.orderId } : {},
  next_action: null,
  on_behalf_of: null,
  payment_method: null,
  payment_method_configuration_details: null,
  payment_method_options: {
    card: { installments: null, mandate_options: null, network: null, request_three_d_secure: 'automatic' },
  },
  payment_method_types: ['card'],
  processing: null,
  receipt_email: null,
  review: null,
  setup_future_usage: null,
  shipping: null,
  source: null,
  statement_descriptor: null,
  statement_descriptor_suffix: null,
  status,
  transfer_data: null,
  transfer_group: null,
  ...changes,
});

const DECLINED = {
  code: 'card_declined',
  decline_code: 'generic_decline',
  message: 'Your card was declined.',
};

const charge = (
  plan: Plan,
  id: string,
  created: number,
  paid: boolean,
  changes: StripeObject = {},
): StripeObject => ({
  id,
  object: 'charge',
  amount: plan.amount,
  amount_captured: paid ? plan.amount : 0,
  amount_refunded: 0,
  application: null,
  application_fee: null,
  application_fee_amount: null,
  balance_transaction: paid ? randomId('txn', 24) : null,
  billing_details: {
    address: { city: null, country: 'US', line1: null, line2: null, postal_code: '94103', state: null },
    email: null,
    name: 'Demo Customer',
    phone: null,
  },
  calculated_statement_descriptor: 'STRIPE LEDGER DEMO',
  captured: paid,
  created,
  currency: plan.currency,
  customer: plan.customer,
  description: plan.description,
  destination: null,
  dispute: null,
  disputed: false,
  failure_balance_transaction: null,
  failure_code: paid ? null : DECLINED.code,
  failure_message: paid ? null : DECLINED.message,
  fraud_details: {},
  invoice: null,
  livemode: false,
  metadata: plan.orderId ? { order_id: plan.orderId } : {},
  on_behalf_of: null,
  outcome: paid
    ? {
        network_status: 'approved_by_network',
        reason: null,
        risk_level: 'normal',
        risk_score: 21,
        seller_message: 'Payment complete.',
        type: 'authorized',
      }
    : {
        network_status: 'declined_by_network',
        reason: 'generic_decline',
        risk_level: 'normal',
        risk_score: 48,
        seller_message: 'The bank did not return any further details with this decline.',
        type: 'issuer_declined',
      },
  paid,
  payment_intent: plan.id,
  payment_method: randomId('pm', 24),
  payment_method_details: {
    card: {
      amount_authorized: paid ? plan.amount : null,
      brand: 'visa',
      country: 'US',
      exp_month: 12,
      exp_year: 2034,
      funding: 'credit',
      last4: paid ? '4242' : '0002',
      network: 'visa',
      three_d_secure: null,
      wallet: null,
    },
    type: 'card',
  },
  receipt_email: null,
  receipt_number: null,
  receipt_url: paid
    ? `https://pay.stripe.com/receipts/payment/${randomBytes(24).toString('base64url')}`
    : null,
  refunded: false,
  review: null,
  shipping: null,
  source: null,
  source_transfer: null,
  statement_descriptor: null,
  statement_descriptor_suffix: null,
  status: paid ? 'succeeded' : 'failed',
  transfer_data: null,
  transfer_group: null,
  ...changes,
});

const refund = (plan: Plan, chargeId: string, amount: number, created: number): StripeObject => ({
  id: randomId('re', 24),
  object: 'refund',
  amount,
  balance_transaction: randomId('txn', 24),
  charge: chargeId,
  created,
  currency: plan.currency,
  destination_details: {
    card: { reference_status: 'pending', reference_type: 'acquirer_reference_number', type: 'refund' },
    type: 'card',
  },
  metadata: {},
  payment_intent: plan.id,
  reason: 'requested_by_customer',
  receipt_number: null,
  source_transfer_reversal: null,
  status: 'succeeded',
  transfer_reversal: null,
});

const dispute = (
  plan: Plan,
  id: string,
  chargeId: string,
  created: number,
  status: string,
): StripeObject => ({
  id,
  object: 'dispute',
  amount: plan.amount,
  balance_transactions: [],
  charge: chargeId,
  created,
  currency: plan.currency,
  evidence: {
    customer_name: 'Demo Customer',
    product_description: plan.description,
    uncategorized_text: null,
  },
  evidence_details: {
    due_by: created + 8 * 86_400,
    has_evidence: false,
    past_due: false,
    submission_count: 0,
  },
  is_charge_refundable: false,
  livemode: false,
  metadata: {},
  payment_intent: plan.id,
  payment_method_details: {
    card: { brand: 'visa', case_type: 'chargeback', network_reason_code: '10.4' },
    type: 'card',
  },
  reason: 'fraudulent',
  status,
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
    const body = {
      id,
      object: 'event',
      api_version: DEMO_API_VERSION,
      created: Math.min(clock, now),
      data: { object, ...(previous && { previous_attributes: previous }) },
      livemode: false,
      pending_webhooks: 1,
      request: { id: randomId('req', 14), idempotency_key: randomUUID() },
      type,
    };
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
    emit('payment_intent.created', paymentIntent(plan, 'requires_payment_method'));
    emit('charge.succeeded', charge(plan, chargeId, clock, true));
    emit('payment_intent.succeeded', paymentIntent(plan, 'succeeded', { latest_charge: chargeId }));
    const payment: DemoPayment = { id: plan.id, amount, currency, story, events: 0 };
    payments.push(payment);
    return { plan, chargeId, done: () => (payment.events = events.length - first) };
  };

  pay(2_900, 'usd', 'Starter plan, monthly', 'paid').done();
  pay(3_200, 'eur', 'Workshop ticket', 'paid').done();

  const full = pay(4_900, 'usd', 'Annual license', 'paid, then refunded in full');
  const fullRefund = refund(full.plan, full.chargeId, full.plan.amount, clock);
  emit('refund.created', fullRefund);
  emit(
    'charge.refunded',
    charge(full.plan, full.chargeId, full.plan.created, true, {
      amount_refunded: full.plan.amount,
      refunded: true,
    }),
    { amount_refunded: 0, refunded: false },
  );
  full.done();

  const partial = pay(12_900, 'usd', 'Team plan, quarterly', 'paid, then refunded in part (30.00)');
  emit('refund.created', refund(partial.plan, partial.chargeId, 3_000, clock));
  emit(
    'charge.refunded',
    charge(partial.plan, partial.chargeId, partial.plan.created, true, { amount_refunded: 3_000 }),
    { amount_refunded: 0 },
  );
  partial.done();

  const disputed = pay(8_999, 'usd', 'Hardware kit', 'paid, then disputed and lost');
  const disputeOf = (status: string) =>
    dispute(disputed.plan, disputeId, disputed.chargeId, disputeCreated, status);
  const disputeId = randomId('dp', 24);
  const disputeCreated = clock;
  emit('charge.dispute.created', disputeOf('needs_response'));
  emit('charge.dispute.funds_withdrawn', disputeOf('needs_response'));
  emit('charge.dispute.closed', disputeOf('lost'), { status: 'needs_response' });
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
  emit('payment_intent.created', paymentIntent(retried, 'requires_payment_method'));
  emit('charge.failed', charge(retried, declinedCharge, clock, false));
  emit(
    'payment_intent.payment_failed',
    paymentIntent(retried, 'requires_payment_method', {
      latest_charge: declinedCharge,
      last_payment_error: {
        ...DECLINED,
        charge: declinedCharge,
        doc_url: 'https://stripe.com/docs/error-codes/card-declined',
        type: 'card_error',
      },
    }),
  );
  emit('charge.succeeded', charge(retried, retryCharge, clock, true));
  emit('payment_intent.succeeded', paymentIntent(retried, 'succeeded', { latest_charge: retryCharge }));
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

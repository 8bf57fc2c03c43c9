/** Stripe-shaped objects modelled on the recorded payloads in /work/shared/stripe-fixtures (test-only). */
type Json = Record<string, unknown>;

export const T0 = 1_700_000_000;

export type PaymentIntentShape = {
  id: string;
  status: string;
  amount?: number;
  amount_received?: number;
  currency?: string;
  created?: number;
  orderId?: string;
  customer?: string | Json | null;
  latest_charge?: string | null;
  /** Set: the API <= 2022-08-01 shape, charges embedded instead of latest_charge. */
  charges?: Json[];
  last_payment_error?: Json | null;
  capture_method?: 'automatic' | 'manual';
};

export const paymentIntent = (p: PaymentIntentShape): Json => ({
  id: p.id,
  object: 'payment_intent',
  amount: p.amount ?? 2000,
  amount_capturable: p.status === 'requires_capture' ? (p.amount ?? 2000) : 0,
  amount_received: p.amount_received ?? (p.status === 'succeeded' ? (p.amount ?? 2000) : 0),
  capture_method: p.capture_method ?? 'automatic',
  client_secret: `${p.id}_secret_test`,
  confirmation_method: 'automatic',
  created: p.created ?? T0,
  currency: p.currency ?? 'usd',
  customer: p.customer === undefined ? 'cus_test' : p.customer,
  description: null,
  last_payment_error: p.last_payment_error ?? null,
  livemode: false,
  metadata: p.orderId === undefined ? {} : { order_id: p.orderId },
  next_action: p.status === 'requires_action' ? { type: 'use_stripe_sdk' } : null,
  payment_method: 'pm_card_visa',
  payment_method_types: ['card'],
  status: p.status,
  ...(p.charges === undefined
    ? { latest_charge: p.latest_charge ?? null }
    : { charges: { object: 'list', data: p.charges, has_more: false, total_count: p.charges.length } }),
});

export type ChargeShape = {
  id: string;
  payment_intent: string | null;
  status: 'succeeded' | 'pending' | 'failed';
  amount?: number;
  captured?: boolean;
  amount_captured?: number;
  amount_refunded?: number;
  refunded?: boolean;
  created?: number;
  failure_code?: string | null;
  failure_message?: string | null;
  /** Set: the API <= 2022-08-01 shape with refunds embedded. */
  refunds?: Json[];
  metadata?: Json;
};

export const charge = (c: ChargeShape): Json => {
  const amount = c.amount ?? 2000;
  const captured = c.captured ?? c.status === 'succeeded';
  return {
    id: c.id,
    object: 'charge',
    amount,
    amount_captured: c.amount_captured ?? (captured ? amount : 0),
    amount_refunded: c.amount_refunded ?? 0,
    balance_transaction: captured ? `txn_${c.id}` : null,
    captured,
    created: c.created ?? T0,
    currency: 'usd',
    customer: 'cus_test',
    disputed: false,
    failure_code: c.failure_code ?? (c.status === 'failed' ? 'card_declined' : null),
    failure_message: c.failure_message ?? (c.status === 'failed' ? 'Your card was declined.' : null),
    livemode: false,
    metadata: c.metadata ?? {},
    outcome: { type: c.status === 'failed' ? 'issuer_declined' : 'authorized' },
    paid: c.status === 'succeeded',
    payment_intent: c.payment_intent,
    payment_method: 'pm_card_visa',
    refunded: c.refunded ?? (c.amount_refunded ?? 0) >= amount,
    status: c.status,
    ...(c.refunds === undefined
      ? {}
      : { refunds: { object: 'list', data: c.refunds, has_more: false, total_count: c.refunds.length } }),
  };
};

export type RefundShape = {
  id: string;
  charge: string | null;
  /** Omit for the older shape that names only the charge. */
  payment_intent?: string | null;
  amount: number;
  status: string | null;
  created?: number;
  reason?: string | null;
  failure_reason?: string;
};

export const refund = (r: RefundShape): Json => ({
  id: r.id,
  object: 'refund',
  amount: r.amount,
  balance_transaction: `txn_${r.id}`,
  charge: r.charge,
  created: r.created ?? T0,
  currency: 'usd',
  metadata: {},
  ...(r.payment_intent === undefined ? {} : { payment_intent: r.payment_intent }),
  reason: r.reason ?? 'requested_by_customer',
  receipt_number: null,
  status: r.status,
  ...(r.failure_reason === undefined ? {} : { failure_reason: r.failure_reason }),
});

export type DisputeShape = {
  id?: string;
  charge: string;
  payment_intent?: string | null;
  amount?: number;
  status: string;
  created?: number;
  reason?: string;
  due_by?: number;
};

export const dispute = (d: DisputeShape): Json => ({
  ...(d.id === undefined ? {} : { id: d.id }),
  object: 'dispute',
  amount: d.amount ?? 2000,
  balance_transactions: [],
  charge: d.charge,
  created: d.created ?? T0,
  currency: 'usd',
  evidence_details: { due_by: d.due_by ?? T0 + 7 * 86_400, has_evidence: false, past_due: false },
  is_charge_refundable: false,
  livemode: false,
  metadata: {},
  ...(d.payment_intent === undefined ? {} : { payment_intent: d.payment_intent }),
  reason: d.reason ?? 'fraudulent',
  status: d.status,
});

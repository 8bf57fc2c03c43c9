/** Stripe objects of API 2024-06-20, with the fields Stripe sends (generate.ts builds lives from them). */
type Json = Record<string, unknown>;

export type Payment = {
  pi: string;
  ch: string;
  amount: number;
  currency: string;
  livemode: boolean;
  created: number;
  customer: string;
  orderId: string | undefined;
};

export const intentObject = (p: Payment, status: string, extra: Json = {}): Json => ({
  id: p.pi,
  object: 'payment_intent',
  amount: p.amount,
  amount_capturable: 0,
  amount_received: 0,
  capture_method: 'automatic',
  currency: p.currency,
  customer: p.customer,
  created: p.created,
  latest_charge: null,
  last_payment_error: null,
  livemode: p.livemode,
  metadata: p.orderId ? { order_id: p.orderId } : {},
  status,
  canceled_at: null,
  cancellation_reason: null,
  ...extra,
});

export const chargeObject = (p: Payment, created: number, extra: Json = {}): Json => ({
  id: p.ch,
  object: 'charge',
  amount: p.amount,
  amount_captured: p.amount,
  amount_refunded: 0,
  currency: p.currency,
  customer: p.customer,
  created,
  livemode: p.livemode,
  paid: true,
  captured: true,
  refunded: false,
  status: 'succeeded',
  payment_intent: p.pi,
  failure_code: null,
  failure_message: null,
  dispute: null,
  metadata: {},
  ...extra,
});

export const refundObject = (
  p: Payment,
  id: string,
  amount: number,
  status: string,
  created: number,
): Json => ({
  id,
  object: 'refund',
  amount,
  currency: p.currency,
  charge: p.ch,
  payment_intent: p.pi,
  created,
  reason: 'requested_by_customer',
  failure_reason: status === 'failed' ? 'expired_or_canceled_card' : null,
  status,
  metadata: {},
});

export const disputeObject = (p: Payment, status: string, created: number): Json => ({
  id: `dp_${p.pi.slice(3)}`,
  object: 'dispute',
  amount: p.amount,
  currency: p.currency,
  charge: p.ch,
  payment_intent: p.pi,
  created,
  reason: 'fraudulent',
  status,
  evidence_details: { due_by: created + 7 * 86_400, has_evidence: false, past_due: false },
  is_charge_refundable: false,
});

/** The production payload builders (src/stripe/payloads/) for the payments generate.ts makes lives of:
 * one payment intent and its one charge. Test-only. */
import { chargeObject, type ChargeShape } from '../../src/stripe/payloads/chargeObject.js';
import { disputeObject } from '../../src/stripe/payloads/disputeObject.js';
import {
  paymentIntentObject,
  type PaymentIntentShape,
} from '../../src/stripe/payloads/paymentIntentObject.js';
import { refundObject } from '../../src/stripe/payloads/refundObject.js';

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

export const intentOf = (p: Payment, status: string, extra: Partial<PaymentIntentShape> = {}): Json =>
  paymentIntentObject({
    id: p.pi,
    status,
    amount: p.amount,
    currency: p.currency,
    created: p.created,
    livemode: p.livemode,
    customer: p.customer,
    metadata: p.orderId ? { order_id: p.orderId } : {},
    amount_capturable: 0,
    amount_received: 0,
    ...extra,
  });

export const chargeOf = (p: Payment, created: number, extra: Partial<ChargeShape> = {}): Json =>
  chargeObject({
    id: p.ch,
    payment_intent: p.pi,
    status: 'succeeded',
    amount: p.amount,
    currency: p.currency,
    created,
    livemode: p.livemode,
    customer: p.customer,
    ...extra,
  });

export const refundOf = (p: Payment, id: string, amount: number, status: string, created: number): Json =>
  refundObject({
    id,
    charge: p.ch,
    payment_intent: p.pi,
    amount,
    currency: p.currency,
    created,
    status,
    ...(status === 'failed' && { failure_reason: 'expired_or_canceled_card' }),
  });

export const disputeOf = (p: Payment, status: string, created: number): Json =>
  disputeObject({
    id: `dp_${p.pi.slice(3)}`,
    charge: p.ch,
    payment_intent: p.pi,
    amount: p.amount,
    currency: p.currency,
    created,
    status,
    livemode: p.livemode,
  });

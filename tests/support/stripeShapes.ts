/**
 * The production payload builders (src/stripe/payloads/) with the defaults the fold tests share: one
 * 20.00 USD card payment of customer cus_test at T0. Test-only.
 */
import { chargeObject, type ChargeShape as FullChargeShape } from '../../src/stripe/payloads/chargeObject.js';
import {
  disputeObject,
  type DisputeShape as FullDisputeShape,
} from '../../src/stripe/payloads/disputeObject.js';
import {
  paymentIntentObject,
  type PaymentIntentShape as FullPaymentIntentShape,
} from '../../src/stripe/payloads/paymentIntentObject.js';
import { refundObject, type RefundShape as FullRefundShape } from '../../src/stripe/payloads/refundObject.js';

type Json = Record<string, unknown>;

export const T0 = 1_700_000_000;
const AMOUNT = 2000;
const DAY = 86_400;

type Defaulted = 'amount' | 'currency' | 'created';
type WithDefaults<S> = Omit<S, Defaulted> & Partial<Pick<S, Defaulted & keyof S>>;

export type PaymentIntentShape = WithDefaults<Omit<FullPaymentIntentShape, 'metadata'>> & {
  orderId?: string;
};

export const paymentIntent = ({ orderId, ...p }: PaymentIntentShape): Json =>
  paymentIntentObject({
    amount: AMOUNT,
    currency: 'usd',
    created: T0,
    customer: 'cus_test',
    metadata: orderId === undefined ? {} : { order_id: orderId },
    ...p,
  });

export type ChargeShape = WithDefaults<FullChargeShape>;

export const charge = (c: ChargeShape): Json =>
  chargeObject({ amount: AMOUNT, currency: 'usd', created: T0, customer: 'cus_test', ...c });

export type RefundShape = WithDefaults<FullRefundShape> & { amount: number };

export const refund = (r: RefundShape): Json => refundObject({ currency: 'usd', created: T0, ...r });

export type DisputeShape = WithDefaults<FullDisputeShape>;

export const dispute = (d: DisputeShape): Json =>
  disputeObject({ amount: AMOUNT, currency: 'usd', created: T0, due_by: T0 + 7 * DAY, ...d });

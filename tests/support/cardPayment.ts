/** One card payment's events, for the fold's unit tests (test-only). */
import { charge, dispute, paymentIntent, refund, stripeEvent, T0 } from './testEvents.js';

export const at = (seconds: number) => ({ created: T0 + seconds });
export const PI = 'pi_3Pcard';
export const CH = 'ch_3Pcard';

export const piEvent = (
  type: Parameters<typeof stripeEvent>[0],
  seconds: number,
  shape: Partial<Parameters<typeof paymentIntent>[0]> & { status: string },
) => stripeEvent(type, paymentIntent({ id: PI, orderId: 'order_1', ...shape }), at(seconds));

export const created = (s = 0) => piEvent('payment_intent.created', s, { status: 'requires_payment_method' });
export const succeeded = (s: number, latest = CH) =>
  piEvent('payment_intent.succeeded', s, { status: 'succeeded', latest_charge: latest });
export const chargeEvent = (
  type: Parameters<typeof stripeEvent>[0],
  s: number,
  shape: Partial<Parameters<typeof charge>[0]> & { status: 'succeeded' | 'pending' | 'failed' },
) => stripeEvent(type, charge({ id: CH, payment_intent: PI, created: T0 + s, ...shape }), at(s));
export const refundEvent = (
  type: Parameters<typeof stripeEvent>[0],
  s: number,
  r: { id: string; amount: number; status: string },
) => stripeEvent(type, refund({ charge: CH, payment_intent: PI, created: T0 + s, ...r }), at(s));
export const disputeEvent = (
  type: Parameters<typeof stripeEvent>[0],
  s: number,
  status: string,
  id = 'dp_1',
) => stripeEvent(type, dispute({ id, charge: CH, payment_intent: PI, status, created: T0 + 100 }), at(s));

export const paid = () => [
  created(0),
  chargeEvent('charge.succeeded', 5, { status: 'succeeded' }),
  succeeded(5),
];

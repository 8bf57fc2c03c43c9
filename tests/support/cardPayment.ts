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

/**
 * A charge of 2000 authorised, 1500 of it captured at 60 s, under `apiVersion`: before 2025-03-31
 * Stripe gave the rest (`released`) back as a Refund, counted in the charge's amount_refunded, whose
 * object `release` holds (empty when there is none); then a customer refund of 1000 at `refundAt`.
 */
export const partialCapture = (apiVersion: string, released: number, refundAt = 600) => {
  const on = (seconds: number) => ({ ...at(seconds), apiVersion });
  /** The partially captured charge as an event at `seconds` shows it, `refunded` so far. */
  const capturedCharge = (type: 'charge.captured' | 'charge.refunded', seconds: number, refunded: number) =>
    stripeEvent(
      type,
      charge({
        id: CH,
        payment_intent: PI,
        status: 'succeeded',
        captured: true,
        amount: 2000,
        amount_captured: 1500,
        amount_refunded: refunded,
        refunded: false,
      }),
      on(seconds),
    );
  const refundOf = (id: string, amount: number, seconds: number) =>
    stripeEvent(
      'refund.created',
      refund({ id, charge: CH, payment_intent: PI, amount, status: 'succeeded', created: T0 + seconds }),
      on(seconds),
    );
  return {
    authorised: [
      created(0),
      stripeEvent(
        'charge.succeeded',
        charge({ id: CH, payment_intent: PI, status: 'succeeded', captured: false, amount: 2000 }),
        on(2),
      ),
    ],
    capture: [
      capturedCharge('charge.captured', 60, released),
      stripeEvent(
        'payment_intent.succeeded',
        paymentIntent({
          id: PI,
          orderId: 'order_1',
          status: 'succeeded',
          amount: 2000,
          amount_received: 1500,
          latest_charge: CH,
        }),
        on(60),
      ),
    ],
    release: released > 0 ? [refundOf('re_release', released, 60)] : [],
    customerRefund: [
      capturedCharge('charge.refunded', refundAt, released + 1000),
      refundOf('re_customer', 1000, refundAt),
    ],
  };
};

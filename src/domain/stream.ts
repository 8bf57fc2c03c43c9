import type { DerivedKeys } from './events.js';
import type { DomainEvent } from './ledgerEvent.js';
import { payoutStream } from './moneyEvents.js';

/**
 * The charge whose payment the ingest layer must look up (EventStore.paymentOfCharge) before
 * appending: a refund or dispute that names no payment intent. Null when no lookup is needed.
 */
export const chargeNeedingLookup = (derived: DerivedKeys): string | null =>
  derived.payment_id === null ? (derived.charge_ids[0] ?? null) : null;

const PAYMENT_STREAM_PREFIX = 'payment-';

/** The stream of a payment's events (SPEC section 2): `payment-<payment intent or charge id>`. */
export const paymentStream = (paymentId: string): string => `${PAYMENT_STREAM_PREFIX}${paymentId}`;

/** The payment a stream belongs to; null for streams of events that concern no payment. */
export const paymentOfStream = (stream: string): string | null =>
  stream.startsWith(PAYMENT_STREAM_PREFIX) ? stream.slice(PAYMENT_STREAM_PREFIX.length) : null;

/**
 * The stream an event is appended to (SPEC section 2, contract):
 * - `payment-<payment intent id>` whenever the object names a payment intent;
 * - a charge without one (legacy Charges API): `payment-<charge id>`;
 * - a refund or dispute without one: the payment the store already links its charge to
 *   (`lookedUpPaymentOfCharge`), else `payment-<charge id>`; projections join it once the link is known;
 * - an unmodelled event follows the same rules when its object is a payment intent, charge, refund or
 *   dispute (see deriveKeys); any other object goes to its own stream `stripe-<stripe event id>`.
 * - a payout event: `payout-<payout id>` (SPEC section 12).
 * The caller stores `paymentId` as `data.derived.payment_id` of the appended event.
 */
export const streamFor = (
  derived: DerivedKeys,
  lookedUpPaymentOfCharge: string | null,
  stripeEventId: string,
): { stream: string; paymentId: string | null } => {
  if (derived.kind === 'payout' && derived.payout_id) {
    return { stream: payoutStream(derived.payout_id), paymentId: null };
  }
  const charge = chargeNeedingLookup(derived);
  const paymentId = derived.payment_id ?? (charge === null ? null : (lookedUpPaymentOfCharge ?? charge));
  return paymentId === null
    ? { stream: `stripe-${stripeEventId}`, paymentId: null }
    : { stream: paymentStream(paymentId), paymentId };
};

/** The event as appended to the stream streamFor chose: `data.derived.payment_id` is its `paymentId`. */
export const withPaymentId = <E extends DomainEvent>(event: E, paymentId: string | null): E => ({
  ...event,
  data: { ...event.data, derived: { ...event.data.derived, payment_id: paymentId } },
});

import fc from 'fast-check';
import { importObject, importedMetadata, IMPORTED } from '../../src/domain/imported.js';
import type { StoredEvent } from '../../src/eventstore/port.js';
import {
  CH,
  PI,
  chargeEvent,
  created,
  piEvent,
  refundEvent,
  succeeded,
} from '../../tests/support/cardPayment.js';
import { foldAll, foldOneByOne, given } from '../../tests/support/givenEvents.js';
import { charge, paymentIntent, T0 } from '../../tests/support/testEvents.js';

const DAY = 86_400;
const iso = (seconds: number) => new Date((T0 + seconds) * 1000).toISOString();

/** A payment paid on its first day and fully refunded the next. */
const paidThenRefunded = () => [
  created(0),
  chargeEvent('charge.succeeded', 7, { status: 'succeeded' }),
  succeeded(9),
  chargeEvent('charge.refunded', DAY + 60, { status: 'succeeded', amount_refunded: 2000, refunded: true }),
  refundEvent('refund.created', DAY + 60, { id: 're_1', amount: 2000, status: 'succeeded' }),
];

/** The snapshot a history import appends for `object`, read `observedAt`. */
const imported = (
  object: Record<string, unknown>,
  observedAt: number,
  kind: 'charge' | 'payment_intent' = 'charge',
): StoredEvent => {
  const result = importObject(kind, object);
  if (result.kind !== 'ok') throw new Error(result.message);
  const { event } = result;
  return {
    id: event.eventId,
    type: IMPORTED,
    data: { ...event.data, derived: { ...event.data.derived, payment_id: PI } },
    metadata: importedMetadata(kind, event, {
      account: null,
      observedAt,
      receivedAt: new Date(observedAt * 1000),
    }),
    stream: `payment-${PI}`,
    streamVersion: 0,
    position: 1,
    recordedAt: new Date(observedAt * 1000),
  };
};

describe('payment fold: paid_at, when a payment first succeeded', () => {
  it('is the earliest event proving success, the same in every delivery order and batching', () => {
    fc.assert(
      fc.property(
        fc.shuffledSubarray(paidThenRefunded(), { minLength: 5, maxLength: 5 }),
        fc.boolean(),
        (events, oneByOne) => {
          given(...events)
            .whenFolded(oneByOne ? foldOneByOne : foldAll)
            .thenPayment(PI, { payment_status: 'refunded', paid_at: iso(7) });
        },
      ),
      { numRuns: 200 },
    );
  });

  it('counts a refund delivered before the payment succeeded on the day it succeeded', () => {
    const [, , success, refunded] = paidThenRefunded();
    given(refunded!, success!)
      .whenFolded()
      .thenPayment(PI, { paid_at: iso(9) });
    given(refunded!)
      .whenFolded()
      .thenPayment(PI, { paid_at: iso(DAY + 60) });
  });

  it('is null until the payment succeeds, and an authorisation is dated by its capture', () => {
    given(created(0)).whenFolded().thenPayment(PI, { payment_status: 'pending', paid_at: null });
    const authorised = [
      created(0),
      piEvent('payment_intent.amount_capturable_updated', 2, { status: 'requires_capture' }),
      chargeEvent('charge.succeeded', 2, { status: 'succeeded', captured: false }),
    ];
    given(...authorised)
      .whenFolded()
      .thenPayment(PI, { payment_status: 'authorized', paid_at: null });
    const capture = chargeEvent('charge.captured', 3_600, {
      status: 'succeeded',
      captured: true,
      created: T0 + 2,
    });
    given(capture, ...authorised)
      .whenFolded()
      .thenPayment(PI, { payment_status: 'paid', paid_at: iso(3_600) });
  });

  it('takes an imported charge at its own time, not when it was read, and an event over any snapshot', () => {
    const object = charge({ id: CH, payment_intent: PI, status: 'succeeded', created: T0 + 5 });
    const snapshot = imported(object, T0 + 40 * DAY);
    given(snapshot)
      .whenFolded()
      .thenPayment(PI, { payment_status: 'paid', paid_at: iso(5) });
    given(snapshot, succeeded(9))
      .whenFolded()
      .thenPayment(PI, { paid_at: iso(9) });
  });

  it('takes an imported payment intent that embeds no charge at its own time only while its charge is unknown', () => {
    // An invoice's payment intent, created eight days before the charge that paid it (API 2022-11-15 on:
    // latest_charge is an id, nothing embedded).
    const intent = imported(
      paymentIntent({ id: PI, status: 'succeeded', created: T0, amount_received: 2000, latest_charge: CH }),
      T0 + 40 * DAY,
      'payment_intent',
    );
    const paying = imported(
      charge({ id: CH, payment_intent: PI, status: 'succeeded', created: T0 + 8 * DAY }),
      T0 + 40 * DAY,
    );
    given(intent)
      .whenFolded()
      .thenPayment(PI, { payment_status: 'paid', paid_at: iso(0) });
    for (const order of [
      [intent, paying],
      [paying, intent],
    ])
      given(...order)
        .whenFolded(foldOneByOne)
        .thenPayment(PI, { payment_status: 'paid', paid_at: iso(8 * DAY) });
  });
});

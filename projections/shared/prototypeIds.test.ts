import { at, created, PI, succeeded } from '../../tests/support/cardPayment.js';
import { foldOneByOne, given } from '../../tests/support/givenEvents.js';
import { charge, refund, stripeEvent, T0 } from '../../tests/support/testEvents.js';

// Stripe ids arrive as text the sender chooses; the fold keeps charges and refunds in records keyed by
// them. An id that names a member of Object.prototype must be data like any other id.
describe.each(['toString', '__proto__', 'constructor', 'hasOwnProperty', 'valueOf'])(
  'a charge and a refund whose id is %s',
  (id) => {
    const charged = stripeEvent(
      'charge.succeeded',
      charge({ id, payment_intent: PI, created: T0 + 5, status: 'succeeded' }),
      at(5),
    );
    const refunded = stripeEvent(
      'refund.created',
      refund({ id, charge: id, payment_intent: PI, created: T0 + 20, amount: 700, status: 'succeeded' }),
      at(20),
    );

    it('fold into the payment like any other ids, in any order', () => {
      for (const order of [
        [created(0), charged, succeeded(5, id), refunded],
        [refunded, succeeded(5, id), charged, created(0)],
      ]) {
        given(...order)
          .whenFolded()
          .thenPayment(PI, { payment_status: 'partially_refunded', amount_refunded: 700 });
        given(...order)
          .whenFolded(foldOneByOne)
          .thenPayment(PI, { payment_status: 'partially_refunded', amount_refunded: 700 });
      }
    });

    it('make a payment of their own when the charge has no payment intent', () => {
      const alone = stripeEvent(
        'charge.succeeded',
        charge({ id, payment_intent: null, created: T0 + 5, status: 'succeeded', amount_refunded: 0 }),
        at(5),
      );
      given(alone).whenFolded(foldOneByOne).thenPayment(id, { payment_status: 'paid', amount_refunded: 0 });
    });
  },
);

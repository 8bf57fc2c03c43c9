import {
  at,
  PI,
  CH,
  piEvent,
  created,
  succeeded,
  chargeEvent,
  paid,
} from '../../tests/support/cardPayment.js';
import { given } from '../../tests/support/givenEvents.js';
import { evolve } from './paymentState.js';
import { charge, stripeEvent, T0 } from '../../tests/support/testEvents.js';

describe('payment fold: statuses', () => {
  it('folds a card payment into a paid row with the fields finance reads', () => {
    given(...paid())
      .whenFolded()
      .thenPayment(PI, {
        livemode: false,
        order_id: 'order_1',
        customer_id: 'cus_test',
        currency: 'usd',
        amount: 2000,
        amount_received: 2000,
        amount_refunded: 0,
        status: 'succeeded',
        payment_status: 'paid',
        dispute_status: null,
        latest_charge_id: CH,
        failure_code: null,
        created_at: new Date(T0 * 1000).toISOString(),
        updated_at: new Date((T0 + 5) * 1000).toISOString(),
      });
  });

  it('keeps a payment paid when payment_intent.succeeded arrives before payment_intent.created', () => {
    const [c, ch, s] = paid();
    given(s!, ch!, c!).whenFolded().thenPayment(PI, { status: 'succeeded', payment_status: 'paid' });
  });

  it('shows a 3-D Secure payment as requires_action until it succeeds', () => {
    const action = piEvent('payment_intent.requires_action', 2, { status: 'requires_action' });
    given(created(0), action).whenFolded().thenPayment(PI, { payment_status: 'requires_action' });
    given(created(0), action, ...paid().slice(1))
      .whenFolded()
      .thenPayment(PI, { payment_status: 'paid' });
  });

  it('marks a failed attempt as failed and a later retry that succeeds as paid without the old failure', () => {
    const error = {
      code: 'card_declined',
      decline_code: 'insufficient_funds',
      message: 'Your card has insufficient funds.',
    };
    const failed = piEvent('payment_intent.payment_failed', 3, {
      status: 'requires_payment_method',
      last_payment_error: error,
      latest_charge: 'ch_declined',
    });
    const declined = stripeEvent(
      'charge.failed',
      charge({ id: 'ch_declined', payment_intent: PI, status: 'failed', created: T0 + 3 }),
      at(3),
    );
    given(created(0), declined, failed).whenFolded().thenPayment(PI, {
      payment_status: 'failed',
      status: 'requires_payment_method',
      failure_code: 'card_declined',
      failure_message: 'Your card has insufficient funds.',
    });
    given(
      created(0),
      declined,
      failed,
      chargeEvent('charge.succeeded', 9, { status: 'succeeded' }),
      succeeded(9),
    )
      .whenFolded()
      .thenPayment(PI, { payment_status: 'paid', failure_code: null, latest_charge_id: CH });
  });

  it('counts a charge.failed alone as a failed attempt, with the charge failure', () => {
    given(created(0), chargeEvent('charge.failed', 2, { status: 'failed' }))
      .whenFolded()
      .thenPayment(PI, { payment_status: 'failed', failure_code: 'card_declined' });
  });

  it('shows a new payment as pending and a canceled one as canceled', () => {
    given(created(0)).whenFolded().thenPayment(PI, { payment_status: 'pending' });
    given(created(0), piEvent('payment_intent.canceled', 4, { status: 'canceled' }))
      .whenFolded()
      .thenPayment(PI, { payment_status: 'canceled', amount_received: 0 });
  });

  it('shows an authorised, not captured payment as authorized even before amount_capturable_updated', () => {
    const auth = chargeEvent('charge.succeeded', 2, { status: 'succeeded', captured: false });
    given(created(0), auth)
      .whenFolded()
      .thenPayment(PI, { status: 'requires_capture', payment_status: 'authorized', amount_received: 0 });
    given(
      created(0),
      auth,
      piEvent('payment_intent.amount_capturable_updated', 2, {
        status: 'requires_capture',
        capture_method: 'manual',
      }),
    )
      .whenFolded()
      .thenPayment(PI, { payment_status: 'authorized' });
  });

  it('settles a manual capture as paid when charge.captured arrives, whatever else is missing', () => {
    given(
      created(0),
      piEvent('payment_intent.amount_capturable_updated', 2, {
        status: 'requires_capture',
        capture_method: 'manual',
      }),
      chargeEvent('charge.captured', 60, { status: 'succeeded', captured: true, created: T0 + 2 }),
    )
      .whenFolded()
      .thenPayment(PI, { status: 'succeeded', payment_status: 'paid', amount_received: 2000 });
  });

  it('refuses an event whose status it cannot rank, naming the status', () => {
    expect(() =>
      evolve(undefined, piEvent('payment_intent.created', 0, { status: 'requires_magic' })),
    ).toThrow(/payment intent status "requires_magic"/);
  });

  it('refuses an event whose object lacks a field it folds, naming the path', () => {
    const broken = piEvent('payment_intent.succeeded', 0, { status: 'succeeded' });
    delete (broken.data as { object: Record<string, unknown> }).object.amount;
    expect(() => evolve(undefined, broken)).toThrow(/data\.object\.amount: expected an integer, got nothing/);
  });
});

import {
  at,
  PI,
  CH,
  created,
  chargeEvent,
  refundEvent,
  disputeEvent,
  paid,
  partialCapture,
} from '../../tests/support/cardPayment.js';
import { foldOneByOne, given } from '../../tests/support/givenEvents.js';
import { charge, paymentIntent, refund, stripeEvent, T0 } from '../../tests/support/testEvents.js';

describe('payment fold: refunds, disputes and links', () => {
  it('refunds fully once, counting the refund object and not also the charge total', () => {
    given(
      ...paid(),
      chargeEvent('charge.refunded', 20, { status: 'succeeded', amount_refunded: 2000 }),
      refundEvent('refund.created', 20, { id: 're_1', amount: 2000, status: 'succeeded' }),
    )
      .whenFolded()
      .thenPayment(PI, { payment_status: 'refunded', amount_refunded: 2000 });
  });

  it('uses the charge amount_refunded when no refund object was delivered', () => {
    given(...paid(), chargeEvent('charge.refunded', 20, { status: 'succeeded', amount_refunded: 700 }))
      .whenFolded()
      .thenPayment(PI, { payment_status: 'partially_refunded', amount_refunded: 700 });
  });

  it('counts the refunds no object was delivered for from the charge, when only some objects came', () => {
    // Until 2024-10-28 Stripe sent charge.refunded for each refund and a refund event only when one changed.
    const first = chargeEvent('charge.refunded', 20, { status: 'succeeded', amount_refunded: 500 });
    const second = chargeEvent('charge.refunded', 30, { status: 'succeeded', amount_refunded: 800 });
    const secondFailed = refundEvent('charge.refund.updated', 3 * 86_400, {
      id: 're_2',
      amount: 300,
      status: 'failed',
    });
    const secondSucceeded = refundEvent('charge.refund.updated', 3 * 86_400, {
      id: 're_2',
      amount: 300,
      status: 'succeeded',
    });
    for (const order of [
      [first, second, secondFailed],
      [secondFailed, second, first],
    ])
      given(...paid(), ...order)
        .whenFolded()
        .thenPayment(PI, { payment_status: 'partially_refunded', amount_refunded: 500 });
    given(...paid(), first, secondSucceeded, second)
      .whenFolded()
      .thenPayment(PI, { payment_status: 'partially_refunded', amount_refunded: 800 });
  });

  describe.each([
    ['2024-06-20', 'a Refund of the rest of the authorisation', 500],
    ['2025-03-31.basil', 'no Refund', 0],
  ])('a partial capture under API %s (%s)', (apiVersion, _, released) => {
    const { authorised, capture, release, customerRefund } = partialCapture(apiVersion, released);
    const captured = [...capture, ...release];

    it('is paid what was captured, with nothing refunded to the customer', () => {
      for (const events of [[...authorised, ...captured], [...captured].reverse().concat(authorised)])
        given(...events)
          .whenFolded()
          .thenPayment(PI, { payment_status: 'paid', amount_received: 1500, amount_refunded: 0 });
    });

    it('counts only what a later refund gave back to the customer', () => {
      for (const events of [
        [...authorised, ...captured, ...customerRefund],
        [...customerRefund, ...captured, ...authorised],
      ])
        given(...events)
          .whenFolded(foldOneByOne)
          .thenPayment(PI, {
            payment_status: 'partially_refunded',
            amount_received: 1500,
            amount_refunded: 1000,
          });
    });
  });

  it('shows a cancelled authorisation canceled with nothing refunded, though API 2024-06-20 gave it back as a Refund', () => {
    given(
      created(0),
      stripeEvent(
        'charge.succeeded',
        charge({ id: CH, payment_intent: PI, status: 'succeeded', captured: false, amount: 2000 }),
        at(2),
      ),
      stripeEvent(
        'charge.refunded',
        charge({
          id: CH,
          payment_intent: PI,
          status: 'succeeded',
          captured: false,
          amount: 2000,
          amount_refunded: 2000,
          refunded: true,
        }),
        at(3_600),
      ),
      stripeEvent(
        'refund.created',
        refund({
          id: 're_cancel',
          charge: CH,
          payment_intent: PI,
          amount: 2000,
          status: 'succeeded',
          created: T0 + 3_600,
        }),
        at(3_600),
      ),
      stripeEvent(
        'payment_intent.canceled',
        paymentIntent({ id: PI, orderId: 'order_1', status: 'canceled', amount: 2000 }),
        at(3_600),
      ),
    )
      .whenFolded()
      .thenPayment(PI, { payment_status: 'canceled', amount_received: 0, amount_refunded: 0 });
  });

  it('turns two partial refunds summing to the amount into refunded', () => {
    const first = refundEvent('refund.created', 20, { id: 're_1', amount: 500, status: 'pending' });
    const second = refundEvent('refund.created', 30, { id: 're_2', amount: 1500, status: 'succeeded' });
    given(...paid(), first)
      .whenFolded()
      .thenPayment(PI, { payment_status: 'partially_refunded', amount_refunded: 500 });
    given(...paid(), second, first)
      .whenFolded()
      .thenPayment(PI, { payment_status: 'refunded', amount_refunded: 2000 });
  });

  it('gives the money back to the payment when a succeeded refund fails later, in any order', () => {
    const ok = refundEvent('refund.created', 20, { id: 're_1', amount: 500, status: 'succeeded' });
    const failed = refundEvent('refund.failed', 90, { id: 're_1', amount: 500, status: 'failed' });
    given(...paid(), ok, failed)
      .whenFolded()
      .thenPayment(PI, { payment_status: 'paid', amount_refunded: 0 });
    given(failed, ...paid(), ok)
      .whenFolded()
      .thenPayment(PI, { payment_status: 'paid', amount_refunded: 0 });
  });

  it('records a lost dispute and a won one by rank, not arrival', () => {
    const opened = disputeEvent('charge.dispute.created', 100, 'needs_response');
    given(...paid(), disputeEvent('charge.dispute.closed', 200, 'lost'), opened)
      .whenFolded()
      .thenPayment(PI, { dispute_status: 'lost', payment_status: 'paid' });
    given(
      ...paid(),
      opened,
      disputeEvent('charge.dispute.updated', 150, 'under_review'),
      disputeEvent('charge.dispute.closed', 200, 'won'),
    )
      .whenFolded()
      .thenPayment(PI, { dispute_status: 'won' });
  });

  it('closes a warning_* inquiry as warning_closed', () => {
    given(
      ...paid(),
      disputeEvent('charge.dispute.closed', 300, 'warning_closed'),
      disputeEvent('charge.dispute.created', 100, 'warning_needs_response'),
    )
      .whenFolded()
      .thenPayment(PI, { dispute_status: 'warning_closed' });
  });

  it('gives a legacy charge without a payment intent its own row, refunds embedded', () => {
    const legacy = (
      type: Parameters<typeof stripeEvent>[0],
      s: number,
      extra: Partial<Parameters<typeof charge>[0]>,
    ) =>
      stripeEvent(
        type,
        charge({
          id: 'ch_legacy',
          payment_intent: null,
          status: 'succeeded',
          amount: 500,
          metadata: { order_id: 'order_9' },
          ...extra,
        }),
        at(s),
      );
    given(legacy('charge.succeeded', 0, {}))
      .whenFolded()
      .thenPayment('ch_legacy', {
        status: 'succeeded',
        payment_status: 'paid',
        amount_received: 500,
        order_id: 'order_9',
        latest_charge_id: 'ch_legacy',
      });
    const embedded = refund({ id: 're_legacy', charge: 'ch_legacy', amount: 500, status: 'succeeded' });
    given(
      legacy('charge.refunded', 9, { amount_refunded: 500, refunds: [embedded] }),
      legacy('charge.succeeded', 0, {}),
    )
      .whenFolded()
      .thenPayment('ch_legacy', { payment_status: 'refunded', amount_refunded: 500 });
  });

  it('keeps an orphan refund out of payments until its charge is linked, then merges it', () => {
    const orphan = stripeEvent(
      'refund.created',
      refund({ id: 're_orphan', charge: CH, amount: 300, status: 'succeeded' }),
      at(20),
    );
    expect(orphan.stream).toBe(`payment-${CH}`);
    const before = given(created(0), orphan).whenFolded(foldOneByOne);
    before.thenNoPayment(CH).thenPayment(PI, { payment_status: 'pending' });
    const after = given(created(0), orphan, ...paid().slice(1)).whenFolded(foldOneByOne);
    after.thenPayment(PI, { payment_status: 'partially_refunded', amount_refunded: 300 });
    expect(after.states.has(CH)).toBe(false);
  });

  it('reads old API shapes: requires_source, embedded charges with embedded refunds', () => {
    const old = (
      type: Parameters<typeof stripeEvent>[0],
      s: number,
      status: string,
      charges: Record<string, unknown>[],
    ) => stripeEvent(type, paymentIntent({ id: PI, status, charges }), at(s));
    given(
      old('payment_intent.payment_failed', 1, 'requires_source', [
        charge({ id: 'ch_old', payment_intent: PI, status: 'failed' }),
      ]),
    )
      .whenFolded()
      .thenPayment(PI, {
        status: 'requires_payment_method',
        payment_status: 'failed',
        latest_charge_id: 'ch_old',
      });
    const refunded = charge({
      id: CH,
      payment_intent: PI,
      status: 'succeeded',
      amount_refunded: 400,
      refunds: [refund({ id: 're_emb', charge: CH, amount: 400, status: 'succeeded' })],
    });
    given(old('payment_intent.succeeded', 5, 'succeeded', [refunded]))
      .whenFolded()
      .thenPayment(PI, { payment_status: 'partially_refunded', amount_refunded: 400 });
  });
});

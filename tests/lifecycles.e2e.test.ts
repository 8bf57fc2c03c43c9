/**
 * Whole payment lifecycles, end to end: signed webhooks posted to the real server (ingest, event store,
 * projector, all in one process on PostgreSQL), then the read models finance queries (SPEC section 5).
 */
import { startLedger, type TestServer } from './support/ledgerServer.js';
import { disputeRows, historyRows, orderRow, paymentRow, refundRows } from './support/ledgerRows.js';
import { DAY, isoAt, lifecycle, START, type Lifecycle, type Webhook } from './support/lifecycleWebhooks.js';
import { describeWithPostgres } from './support/needsPostgres.js';
import { waitForProjections } from './support/queryApi.js';
import { postWebhook } from './support/stripeEvents.js';
import { createTestDatabase, type TestDatabase } from './support/testDatabase.js';

const DECLINE = { code: 'card_declined', message: 'Your card was declined.', type: 'card_error' };

/** The row fields every payment of these lifecycles shares (2000 USD cents, test mode, no Connect). */
const aPayment = (name: string) => ({
  payment_id: `pi_${name}`,
  livemode: false,
  account_id: null,
  order_id: `order_${name}`,
  customer_id: `cus_${name}`,
  currency: 'usd',
  amount: 2000,
  created_at: isoAt(START),
});

/** A history row: what the event did to the payment's payment_status. */
const step = (hook: Webhook, from: string | null, to: string) => ({
  stripe_event_id: hook.id,
  event_type: hook.type,
  from_status: from,
  to_status: to,
  occurred_at: isoAt(hook.created),
});

describeWithPostgres(
  "it reads the server's tables over a connection of its own; the embedded database has one, the server's",
)('payment lifecycles delivered as signed webhooks', () => {
  let database: TestDatabase;
  let server: TestServer;
  beforeAll(async () => {
    database = await createTestDatabase();
    server = await startLedger(database.url, { role: 'all' });
  });
  afterAll(async () => {
    await server?.stop();
    await database?.drop();
  });

  /** Delivers the webhooks in order, each acknowledged, and waits for every projection to catch up. */
  const deliver = async (...hooks: Webhook[]) => {
    for (const hook of hooks) {
      const answer = await postWebhook(server.url, hook.body);
      expect({ hook: hook.id, status: answer.status }).toEqual({ hook: hook.id, status: 200 });
    }
    await waitForProjections(server.url);
  };
  const payment = (id: string) => paymentRow(database.db, id);
  const order = (id: string) => orderRow(database.db, id);
  const history = (id: string) => historyRows(database.db, id);
  const refunds = (id: string) => refundRows(database.db, id);
  const disputes = (id: string) => disputeRows(database.db, id);

  /** created, charge.succeeded, payment_intent.succeeded: the shortest paid card payment. */
  const paidCard = (life: Lifecycle) => [
    life.paymentIntent('payment_intent.created', 'requires_payment_method'),
    life.charge('charge.succeeded'),
    life.paymentIntent('payment_intent.succeeded', 'succeeded'),
  ];

  it('records a card payment as paid, with its order and a pending -> paid history', async () => {
    const life = lifecycle('card');
    const [created, charged, succeeded] = paidCard(life);
    await deliver(created!, charged!, succeeded!);

    expect(await payment(life.paymentId)).toEqual({
      ...aPayment('card'),
      amount_received: 2000,
      amount_refunded: 0,
      status: 'succeeded',
      payment_status: 'paid',
      dispute_status: null,
      latest_charge_id: 'ch_card',
      failure_code: null,
      failure_message: null,
      paid_at: isoAt(Math.min(charged!.created, succeeded!.created)),
      updated_at: isoAt(succeeded!.created),
      last_stripe_event_id: succeeded!.id,
    });
    expect(await order('order_card')).toEqual({
      order_id: 'order_card',
      livemode: false,
      currency: 'usd',
      payment_status: 'paid',
      amount_paid: 2000,
      amount_refunded: 0,
      payment_count: 1,
      updated_at: isoAt(succeeded!.created),
    });
    expect(await history(life.paymentId)).toEqual([
      { ...step(created!, null, 'pending'), order_id: 'order_card' },
      { ...step(charged!, 'pending', 'paid'), order_id: 'order_card' },
      { ...step(succeeded!, 'paid', 'paid'), order_id: 'order_card' },
    ]);
    expect(await refunds(life.paymentId)).toEqual([]);
    expect(await disputes(life.paymentId)).toEqual([]);
  });

  it('passes a 3-D Secure payment through requires_action on its way to paid', async () => {
    const life = lifecycle('threeds');
    const hooks = [
      life.paymentIntent('payment_intent.created', 'requires_payment_method'),
      life.paymentIntent('payment_intent.requires_action', 'requires_action'),
      life.charge('charge.succeeded'),
      life.paymentIntent('payment_intent.succeeded', 'succeeded'),
    ];
    await deliver(...hooks);

    expect(await payment(life.paymentId)).toMatchObject({
      status: 'succeeded',
      payment_status: 'paid',
      amount_received: 2000,
      latest_charge_id: 'ch_threeds',
    });
    expect((await history(life.paymentId)).map((h) => [h.event_type, h.from_status, h.to_status])).toEqual([
      ['payment_intent.created', null, 'pending'],
      ['payment_intent.requires_action', 'pending', 'requires_action'],
      ['charge.succeeded', 'requires_action', 'paid'],
      ['payment_intent.succeeded', 'paid', 'paid'],
    ]);
  });

  it('marks a payment failed when its card is declined, and paid once the retry succeeds', async () => {
    const life = lifecycle('retried');
    const hooks = [
      life.paymentIntent('payment_intent.created', 'requires_payment_method'),
      life.charge('charge.failed', { id: 'ch_retried_declined', status: 'failed' }),
      life.paymentIntent('payment_intent.payment_failed', 'requires_payment_method', {
        last_payment_error: DECLINE,
      }),
      life.after(120).charge('charge.succeeded'),
      life.paymentIntent('payment_intent.succeeded', 'succeeded'),
    ];
    await deliver(...hooks);

    expect(await payment(life.paymentId)).toMatchObject({
      status: 'succeeded',
      payment_status: 'paid',
      amount_received: 2000,
      latest_charge_id: 'ch_retried',
      failure_code: null,
      failure_message: null,
    });
    expect((await history(life.paymentId)).map((h) => [h.event_type, h.from_status, h.to_status])).toEqual([
      ['payment_intent.created', null, 'pending'],
      ['charge.failed', 'pending', 'failed'],
      ['payment_intent.payment_failed', 'failed', 'failed'],
      ['charge.succeeded', 'failed', 'paid'],
      ['payment_intent.succeeded', 'paid', 'paid'],
    ]);
    expect(await order('order_retried')).toMatchObject({ payment_status: 'paid', amount_paid: 2000 });
  });

  it('keeps a payment whose only attempt was declined failed, with the decline code and message', async () => {
    const life = lifecycle('declined');
    const hooks = [
      life.paymentIntent('payment_intent.created', 'requires_payment_method'),
      life.charge('charge.failed', { status: 'failed' }),
      life.paymentIntent('payment_intent.payment_failed', 'requires_payment_method', {
        last_payment_error: DECLINE,
      }),
    ];
    await deliver(...hooks);

    expect(await payment(life.paymentId)).toEqual({
      ...aPayment('declined'),
      amount_received: 0,
      amount_refunded: 0,
      status: 'requires_payment_method',
      payment_status: 'failed',
      dispute_status: null,
      latest_charge_id: 'ch_declined',
      failure_code: 'card_declined',
      failure_message: 'Your card was declined.',
      paid_at: null,
      updated_at: isoAt(hooks[2]!.created),
      last_stripe_event_id: hooks[2]!.id,
    });
    expect(await order('order_declined')).toMatchObject({
      payment_status: 'failed',
      amount_paid: 0,
      amount_refunded: 0,
      payment_count: 1,
    });
  });

  it('records a canceled payment intent as canceled, and its order too', async () => {
    const life = lifecycle('canceled');
    await deliver(
      life.paymentIntent('payment_intent.created', 'requires_payment_method'),
      life.after(DAY).paymentIntent('payment_intent.canceled', 'canceled'),
    );

    expect(await payment(life.paymentId)).toMatchObject({
      status: 'canceled',
      payment_status: 'canceled',
      amount_received: 0,
      latest_charge_id: null,
    });
    expect(await order('order_canceled')).toMatchObject({ payment_status: 'canceled', amount_paid: 0 });
  });

  it('shows an authorised payment that was never captured as authorized, with nothing received', async () => {
    const life = lifecycle('authorized');
    await deliver(
      life.paymentIntent('payment_intent.created', 'requires_payment_method', { capture_method: 'manual' }),
      life.charge('charge.succeeded', { captured: false }),
      life.paymentIntent('payment_intent.amount_capturable_updated', 'requires_capture', {
        capture_method: 'manual',
      }),
    );

    expect(await payment(life.paymentId)).toMatchObject({
      status: 'requires_capture',
      payment_status: 'authorized',
      amount_received: 0,
      latest_charge_id: 'ch_authorized',
    });
    expect(await order('order_authorized')).toMatchObject({ payment_status: 'authorized', amount_paid: 0 });
  });

  it('moves a manually captured payment from authorized to paid when the charge is captured', async () => {
    const life = lifecycle('captured');
    await deliver(
      life.paymentIntent('payment_intent.created', 'requires_payment_method', { capture_method: 'manual' }),
      life.charge('charge.succeeded', { captured: false }),
      life.paymentIntent('payment_intent.amount_capturable_updated', 'requires_capture', {
        capture_method: 'manual',
      }),
      life.after(2 * DAY).charge('charge.captured', { captured: true }),
      life.paymentIntent('payment_intent.succeeded', 'succeeded', { capture_method: 'manual' }),
    );

    expect(await payment(life.paymentId)).toMatchObject({
      status: 'succeeded',
      payment_status: 'paid',
      amount_received: 2000,
    });
    expect((await history(life.paymentId)).map((h) => [h.event_type, h.from_status, h.to_status])).toEqual([
      ['payment_intent.created', null, 'pending'],
      ['charge.succeeded', 'pending', 'authorized'],
      ['payment_intent.amount_capturable_updated', 'authorized', 'authorized'],
      ['charge.captured', 'authorized', 'paid'],
      ['payment_intent.succeeded', 'paid', 'paid'],
    ]);
  });

  it('records a full refund: the payment and its order refunded, the refund succeeded', async () => {
    const life = lifecycle('refunded');
    const paid = paidCard(life);
    const created = life.after(DAY).refund('refund.created', 'full', { amount: 2000 });
    const chargeRefunded = life.after(0).charge('charge.refunded', { amount_refunded: 2000 });
    await deliver(...paid, created, chargeRefunded);

    expect(await payment(life.paymentId)).toMatchObject({
      status: 'succeeded',
      payment_status: 'refunded',
      amount_received: 2000,
      amount_refunded: 2000,
    });
    expect(await order('order_refunded')).toMatchObject({
      payment_status: 'refunded',
      amount_paid: 2000,
      amount_refunded: 2000,
    });
    expect(await refunds(life.paymentId)).toEqual([
      {
        refund_id: 're_refunded_full',
        payment_id: 'pi_refunded',
        charge_id: 'ch_refunded',
        amount: 2000,
        currency: 'usd',
        status: 'succeeded',
        reason: 'requested_by_customer',
        failure_reason: null,
        created_at: isoAt(created.created),
        updated_at: isoAt(created.created),
      },
    ]);
  });

  it('ends a card payment paid, as in order, when Stripe delivers its events out of order and twice', async () => {
    const life = lifecycle('shuffled');
    const [created, charged, succeeded] = paidCard(life);
    await deliver(succeeded!, charged!, succeeded!, created!, charged!);

    expect(await payment(life.paymentId)).toEqual({
      ...aPayment('shuffled'),
      amount_received: 2000,
      amount_refunded: 0,
      status: 'succeeded',
      payment_status: 'paid',
      dispute_status: null,
      latest_charge_id: 'ch_shuffled',
      failure_code: null,
      failure_message: null,
      paid_at: isoAt(Math.min(charged!.created, succeeded!.created)),
      updated_at: isoAt(succeeded!.created),
      last_stripe_event_id: succeeded!.id,
    });
    expect(await order('order_shuffled')).toMatchObject({ payment_status: 'paid', payment_count: 1 });
    expect(await history(life.paymentId)).toHaveLength(3);
  });

  it('counts a pending refund in amount_refunded, and keeps counting it once it succeeds', async () => {
    const life = lifecycle('pending');
    const paid = paidCard(life);
    const created = life.after(DAY).refund('refund.created', 'slow', { amount: 2000, status: 'pending' });
    const settled = life.after(3 * DAY).refund('refund.updated', 'slow', { status: 'succeeded' });
    await deliver(...paid, created);
    expect(await payment(life.paymentId)).toMatchObject({
      payment_status: 'refunded',
      amount_refunded: 2000,
    });
    expect(await refunds(life.paymentId)).toEqual([expect.objectContaining({ status: 'pending' })]);

    await deliver(settled);
    expect(await payment(life.paymentId)).toMatchObject({
      payment_status: 'refunded',
      amount_refunded: 2000,
    });
    expect(await refunds(life.paymentId)).toEqual([
      expect.objectContaining({ status: 'succeeded', updated_at: isoAt(settled.created) }),
    ]);
  });

  it('adds two partial refunds up to a full refund, partially refunded in between', async () => {
    const life = lifecycle('twice');
    const paid = paidCard(life);
    const first = life.after(DAY).refund('refund.created', 'first', { amount: 1200 });
    const firstOnCharge = life.after(0).charge('charge.refunded', { amount_refunded: 1200 });
    const second = life.after(DAY).refund('refund.created', 'second', { amount: 800 });
    const secondOnCharge = life.after(0).charge('charge.refunded', { amount_refunded: 2000 });
    await deliver(...paid, first, firstOnCharge, second, secondOnCharge);

    expect(await payment(life.paymentId)).toMatchObject({
      payment_status: 'refunded',
      amount_refunded: 2000,
    });
    expect(await order('order_twice')).toMatchObject({
      payment_status: 'refunded',
      amount_paid: 2000,
      amount_refunded: 2000,
    });
    expect((await history(life.paymentId)).slice(3)).toEqual([
      { ...step(first, 'paid', 'partially_refunded'), order_id: 'order_twice' },
      { ...step(firstOnCharge, 'partially_refunded', 'partially_refunded'), order_id: 'order_twice' },
      { ...step(second, 'partially_refunded', 'refunded'), order_id: 'order_twice' },
      { ...step(secondOnCharge, 'refunded', 'refunded'), order_id: 'order_twice' },
    ]);
    expect((await refunds(life.paymentId)).map((r) => [r.refund_id, r.amount, r.status])).toEqual([
      ['re_twice_first', 1200, 'succeeded'],
      ['re_twice_second', 800, 'succeeded'],
    ]);
  });

  it('keeps the payment paid when its refund fails days later', async () => {
    const life = lifecycle('bounced');
    const paid = paidCard(life);
    const created = life.after(DAY).refund('refund.created', 'bounce', { amount: 500 });
    const onCharge = life.after(0).charge('charge.refunded', { amount_refunded: 500 });
    const failed = life.after(5 * DAY).refund('refund.failed', 'bounce', {
      status: 'failed',
      failure_reason: 'expired_or_canceled_card',
    });
    await deliver(...paid, created, onCharge, failed);

    expect(await payment(life.paymentId)).toMatchObject({
      status: 'succeeded',
      payment_status: 'paid',
      amount_received: 2000,
      amount_refunded: 0,
    });
    expect(await order('order_bounced')).toMatchObject({ payment_status: 'paid', amount_refunded: 0 });
    expect(await refunds(life.paymentId)).toEqual([
      {
        refund_id: 're_bounced_bounce',
        payment_id: 'pi_bounced',
        charge_id: 'ch_bounced',
        amount: 500,
        currency: 'usd',
        status: 'failed',
        reason: 'requested_by_customer',
        failure_reason: 'expired_or_canceled_card',
        created_at: isoAt(created.created),
        updated_at: isoAt(failed.created),
      },
    ]);
    expect((await history(life.paymentId)).slice(3).map((h) => [h.from_status, h.to_status])).toEqual([
      ['paid', 'partially_refunded'],
      ['partially_refunded', 'partially_refunded'],
      ['partially_refunded', 'paid'],
    ]);
  });

  it('records a lost dispute: opened, funds withdrawn, closed lost; the payment stays paid', async () => {
    const life = lifecycle('lost');
    const paid = paidCard(life);
    const opened = life.after(10 * DAY).dispute('charge.dispute.created', 'needs_response');
    const withdrawn = life.after(0).dispute('charge.dispute.funds_withdrawn', 'needs_response');
    const closed = life.after(20 * DAY).dispute('charge.dispute.closed', 'lost');
    await deliver(...paid, opened, withdrawn, closed);

    expect(await payment(life.paymentId)).toMatchObject({
      payment_status: 'paid',
      amount_received: 2000,
      dispute_status: 'lost',
    });
    expect(await disputes(life.paymentId)).toEqual([
      {
        dispute_id: 'dp_lost',
        payment_id: 'pi_lost',
        charge_id: 'ch_lost',
        amount: 2000,
        currency: 'usd',
        status: 'lost',
        reason: 'fraudulent',
        evidence_due_by: isoAt(opened.created + 7 * DAY),
        opened_at: isoAt(opened.created),
        closed_at: isoAt(closed.created),
        updated_at: isoAt(closed.created),
        livemode: false,
      },
    ]);
  });

  it('records a won dispute as won, closed when Stripe closed it, with the funds reinstated after', async () => {
    const life = lifecycle('won');
    const paid = paidCard(life);
    const opened = life.after(10 * DAY).dispute('charge.dispute.created', 'needs_response');
    const withdrawn = life.after(0).dispute('charge.dispute.funds_withdrawn', 'needs_response');
    const evidence = life.after(3 * DAY).dispute('charge.dispute.updated', 'under_review');
    const closed = life.after(30 * DAY).dispute('charge.dispute.closed', 'won');
    const reinstated = life.after(1).dispute('charge.dispute.funds_reinstated', 'won');
    await deliver(...paid, opened, withdrawn, evidence, closed, reinstated);

    expect(await payment(life.paymentId)).toMatchObject({ payment_status: 'paid', dispute_status: 'won' });
    expect(await disputes(life.paymentId)).toEqual([
      expect.objectContaining({
        dispute_id: 'dp_won',
        status: 'won',
        opened_at: isoAt(opened.created),
        closed_at: isoAt(closed.created),
        updated_at: isoAt(reinstated.created),
      }),
    ]);
  });

  it('closes an inquiry (warning_*) as warning_closed without touching the payment status', async () => {
    const life = lifecycle('inquiry');
    const paid = paidCard(life);
    const opened = life.after(5 * DAY).dispute('charge.dispute.created', 'warning_needs_response');
    const review = life.after(DAY).dispute('charge.dispute.updated', 'warning_under_review');
    const closed = life.after(10 * DAY).dispute('charge.dispute.closed', 'warning_closed');
    await deliver(...paid, opened, review, closed);

    expect(await payment(life.paymentId)).toMatchObject({
      payment_status: 'paid',
      dispute_status: 'warning_closed',
    });
    expect(await disputes(life.paymentId)).toEqual([
      expect.objectContaining({
        dispute_id: 'dp_inquiry',
        status: 'warning_closed',
        opened_at: isoAt(opened.created),
        closed_at: isoAt(closed.created),
      }),
    ]);
  });

  it('pays an order whose first payment intent failed and whose second succeeded', async () => {
    const abandoned = lifecycle('split_a', { orderId: 'order_split' });
    const retried = lifecycle('split_b', { orderId: 'order_split', start: START + 600 });
    await deliver(
      abandoned.paymentIntent('payment_intent.created', 'requires_payment_method'),
      abandoned.charge('charge.failed', { status: 'failed' }),
      abandoned.paymentIntent('payment_intent.payment_failed', 'requires_payment_method', {
        last_payment_error: DECLINE,
      }),
      ...paidCard(retried),
    );

    expect(await payment('pi_split_a')).toMatchObject({ order_id: 'order_split', payment_status: 'failed' });
    expect(await payment('pi_split_b')).toMatchObject({ order_id: 'order_split', payment_status: 'paid' });
    expect(await order('order_split')).toEqual({
      order_id: 'order_split',
      livemode: false,
      currency: 'usd',
      payment_status: 'paid',
      amount_paid: 2000,
      amount_refunded: 0,
      payment_count: 2,
      updated_at: (await payment('pi_split_b'))!.updated_at,
    });
  });

  it('counts a redelivered refund once', async () => {
    const life = lifecycle('redelivered');
    const paid = paidCard(life);
    const created = life.after(DAY).refund('refund.created', 'once', { amount: 700 });
    const onCharge = life.after(0).charge('charge.refunded', { amount_refunded: 700 });
    await deliver(...paid, created, onCharge, created, onCharge, created);

    expect(await payment(life.paymentId)).toMatchObject({
      payment_status: 'partially_refunded',
      amount_refunded: 700,
    });
    expect(await refunds(life.paymentId)).toHaveLength(1);
    expect(await history(life.paymentId)).toHaveLength(5);
  });

  describe('in the shapes of older API versions', () => {
    it('projects a 2020-08-27 payment (charges embedded in the payment intent) refunded by a refund naming only its charge', async () => {
      const life = lifecycle('embedded', { apiVersion: '2020-08-27' });
      const paid = paidCard(life);
      const onCharge = life.after(DAY).refund('charge.refund.updated', 'old', { amount: 600 });
      const chargeRefunded = life.after(0).charge('charge.refunded', { amount_refunded: 600 });
      await deliver(...paid, onCharge, chargeRefunded);

      expect(await payment(life.paymentId)).toMatchObject({
        payment_id: 'pi_embedded',
        status: 'succeeded',
        payment_status: 'partially_refunded',
        amount_received: 2000,
        amount_refunded: 600,
        latest_charge_id: 'ch_embedded',
      });
      expect(await refunds(life.paymentId)).toEqual([
        expect.objectContaining({
          refund_id: 're_embedded_old',
          payment_id: 'pi_embedded',
          charge_id: 'ch_embedded',
          amount: 600,
          status: 'succeeded',
        }),
      ]);
      expect(await order('order_embedded')).toMatchObject({
        payment_status: 'partially_refunded',
        amount_refunded: 600,
      });
    });

    it('joins a refund and a dispute that arrive before their charge to the payment once the charge links them', async () => {
      const life = lifecycle('early', { apiVersion: '2019-05-16' });
      const created = life.paymentIntent('payment_intent.created', 'requires_payment_method');
      const charged = life.charge('charge.succeeded');
      const succeeded = life.paymentIntent('payment_intent.succeeded', 'succeeded');
      const refunded = life.after(DAY).refund('charge.refund.updated', 'early', { amount: 2000 });
      const disputed = life.after(DAY).dispute('charge.dispute.created', 'needs_response');
      // The refund and the dispute name only ch_early, and nothing has linked it to pi_early yet.
      await deliver(refunded, disputed, created, charged, succeeded);

      expect(await payment('ch_early')).toBeUndefined();
      expect(await payment(life.paymentId)).toMatchObject({
        payment_status: 'refunded',
        amount_refunded: 2000,
        dispute_status: 'needs_response',
      });
      expect(await refunds(life.paymentId)).toEqual([
        expect.objectContaining({ refund_id: 're_early_early', payment_id: 'pi_early', amount: 2000 }),
      ]);
      expect(await disputes(life.paymentId)).toEqual([
        expect.objectContaining({ dispute_id: 'dp_early', payment_id: 'pi_early', status: 'needs_response' }),
      ]);
      expect(await history(life.paymentId)).toHaveLength(5);
    });

    it('projects a Charges API charge without a payment intent as its own payment, refunded in full', async () => {
      const life = lifecycle('legacy', { apiVersion: '2017-08-15', paymentIntent: false });
      const charged = life.charge('charge.succeeded');
      const refunded = life.after(DAY).charge('charge.refunded', { amount_refunded: 2000 });
      await deliver(charged, refunded);

      expect(await payment('ch_legacy')).toMatchObject({
        payment_id: 'ch_legacy',
        order_id: 'order_legacy',
        status: 'succeeded',
        payment_status: 'refunded',
        amount_received: 2000,
        amount_refunded: 2000,
        latest_charge_id: 'ch_legacy',
        created_at: isoAt(charged.created),
      });
      expect(await order('order_legacy')).toMatchObject({
        payment_status: 'refunded',
        amount_paid: 2000,
        amount_refunded: 2000,
      });
      expect((await history('ch_legacy')).map((h) => [h.event_type, h.from_status, h.to_status])).toEqual([
        ['charge.succeeded', null, 'paid'],
        ['charge.refunded', 'paid', 'refunded'],
      ]);
    });
  });
});

import { envelope, payout } from '../../tests/support/payoutShapes.js';
import { streamFor, translate } from './translate.js';

describe('translating payout webhooks', () => {
  it.each([
    ['payout.created', 'PayoutCreated'],
    ['payout.updated', 'PayoutUpdated'],
    ['payout.paid', 'PayoutPaid'],
    ['payout.failed', 'PayoutFailed'],
    ['payout.canceled', 'PayoutCanceled'],
    ['payout.reconciliation_completed', 'PayoutReconciliationCompleted'],
  ])('turns %s into %s in the stream payout-<id>, the payout kept as delivered', (stripeType, domainType) => {
    const object = payout();
    const result = translate(envelope(stripeType, object));
    if (result.kind !== 'ok') throw new Error(result.message);
    expect(result.event.type).toBe(domainType);
    expect(result.event.data.object).toBe(object);
    expect(result.event.data.derived).toEqual({
      kind: 'payout',
      payment_intent_id: null,
      charge_ids: [],
      payment_id: null,
      payout_id: 'po_1OaBc2',
    });
    expect(streamFor(result.event.data.derived, null, result.event.stripe.id)).toEqual({
      stream: 'payout-po_1OaBc2',
      paymentId: null,
    });
  });

  it('refuses a payout event whose amount is not an integer, naming the field', () => {
    const result = translate(envelope('payout.paid', payout({ amount: '10450' })));
    expect(result).toEqual({
      kind: 'invalid',
      code: 'invalid_object',
      message: 'data.object.amount: expected integer, got string',
    });
  });

  it('refuses a payout event that carries some other object', () => {
    const result = translate(envelope('payout.paid', { id: 'ch_1', object: 'charge' }));
    expect(result.kind).toBe('invalid');
    expect(result.kind === 'invalid' && result.message).toMatch(/^data\.object\.object: expected "payout"/);
  });

  it('accepts a payout status Stripe may add later', () => {
    const result = translate(envelope('payout.updated', payout({ status: 'returned_to_sender' })));
    expect(result.kind).toBe('ok');
  });
});

import type { DerivedKeys } from './events.js';
import { chargeNeedingLookup, streamFor } from './stream.js';

const derived = (keys: Partial<DerivedKeys>): DerivedKeys => ({
  kind: 'refund',
  payment_intent_id: null,
  charge_ids: [],
  payment_id: null,
  ...keys,
});

describe('streamFor', () => {
  it('routes an event naming a payment intent to payment-<pi>, ignoring any lookup', () => {
    const keys = derived({
      kind: 'charge',
      payment_intent_id: 'pi_1',
      charge_ids: ['ch_1'],
      payment_id: 'pi_1',
    });
    expect(chargeNeedingLookup(keys)).toBeNull();
    expect(streamFor(keys, 'ch_other', 'evt_1')).toEqual({ stream: 'payment-pi_1', paymentId: 'pi_1' });
  });

  it('routes a legacy charge without payment intent to its own stream', () => {
    const keys = derived({ kind: 'charge', charge_ids: ['ch_1'], payment_id: 'ch_1' });
    expect(streamFor(keys, null, 'evt_1')).toEqual({ stream: 'payment-ch_1', paymentId: 'ch_1' });
  });

  it('routes a refund without payment_intent to the payment its charge is known to belong to', () => {
    const keys = derived({ charge_ids: ['ch_1'] });
    expect(chargeNeedingLookup(keys)).toBe('ch_1');
    expect(streamFor(keys, 'pi_9', 'evt_1')).toEqual({ stream: 'payment-pi_9', paymentId: 'pi_9' });
  });

  it('routes a refund without payment_intent to its charge stream when the charge is unknown', () => {
    expect(streamFor(derived({ charge_ids: ['ch_1'] }), null, 'evt_1')).toEqual({
      stream: 'payment-ch_1',
      paymentId: 'ch_1',
    });
  });

  it('routes a dispute without payment_intent like a refund', () => {
    const keys = derived({ kind: 'dispute', charge_ids: ['ch_2'] });
    expect(streamFor(keys, 'pi_2', 'evt_1')).toEqual({ stream: 'payment-pi_2', paymentId: 'pi_2' });
  });

  it('gives an unmodelled event that names no payment a stream of its own', () => {
    const keys = derived({ kind: 'other' });
    expect(chargeNeedingLookup(keys)).toBeNull();
    expect(streamFor(keys, null, 'evt_7')).toEqual({ stream: 'stripe-evt_7', paymentId: null });
  });

  it('routes an unmodelled event about a payment intent to that payment', () => {
    const keys = derived({ kind: 'other', payment_intent_id: 'pi_3', payment_id: 'pi_3' });
    expect(streamFor(keys, null, 'evt_8')).toEqual({ stream: 'payment-pi_3', paymentId: 'pi_3' });
  });
});

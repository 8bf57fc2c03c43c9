import type { StoredEvent } from '../../src/eventstore/port.js';
import { recordBalanceTransaction } from '../../src/domain/balanceTransactions.js';
import { asStored } from '../../tests/support/moneyEvents.js';
import { created, PI } from '../../tests/support/cardPayment.js';
import { charge, dispute, refund, stripeEvent, T0 } from '../../tests/support/testEvents.js';
import { carriedBy, modelledKind } from './carried.js';

describe('modelledKind', () => {
  it('names the object kind each payment event type carries', () => {
    const at = { created: T0 };
    expect(modelledKind(created())).toBe('payment_intent');
    const ch = charge({ id: 'ch_1', payment_intent: PI, status: 'succeeded' });
    expect(modelledKind(stripeEvent('charge.refunded', ch, at))).toBe('charge');
    const re = refund({ id: 're_1', charge: 'ch_1', amount: 100, status: 'succeeded' });
    expect(modelledKind(stripeEvent('charge.refund.updated', re, at))).toBe('refund');
    const dp = dispute({ id: 'dp_1', charge: 'ch_1', status: 'lost' });
    expect(modelledKind(stripeEvent('charge.dispute.closed', dp, at))).toBe('dispute');
  });

  it('skips unmodelled and money events, which no payment projection folds', () => {
    expect(
      modelledKind(stripeEvent('customer.created', { id: 'cus_1', object: 'customer' }, { created: T0 })),
    ).toBeNull();
    const recorded = recordBalanceTransaction(
      {
        id: 'txn_1',
        object: 'balance_transaction',
        amount: 2000,
        fee: 88,
        net: 1912,
        currency: 'usd',
        status: 'available',
        type: 'charge',
        source: 'ch_1',
        created: T0,
      },
      PI,
      { account: null, livemode: false, recordedAt: new Date(T0 * 1000) },
    );
    if (recorded.kind !== 'ok') throw new Error(recorded.message);
    expect(modelledKind(asStored([recorded])[0]!)).toBeNull();
  });

  it('refuses an event whose type no domain event has, naming the event and the type', () => {
    const foreign = { ...created(), type: 'OrderShipped' } as unknown as StoredEvent;
    expect(() => modelledKind(foreign)).toThrow(
      `event ${foreign.id}: type "OrderShipped" is not a domain event type`,
    );
  });
});

describe('carriedBy', () => {
  const at = { created: T0 };

  it('reads an expired uncaptured charge as an authorisation given back', () => {
    const ch = charge({ id: 'ch_1', payment_intent: PI, status: 'succeeded', captured: false });
    const [carried] = carriedBy(stripeEvent('charge.expired', ch, at))!.charges;
    expect(carried!.facts.released).toBe(true);
    expect(carried!.facts.captured).toBe(false);
  });

  it('leaves a captured charge that expired, and an uncaptured one still held, not released', () => {
    const captured = charge({ id: 'ch_1', payment_intent: PI, status: 'succeeded', captured: true });
    expect(carriedBy(stripeEvent('charge.expired', captured, at))!.charges[0]!.facts.released).toBe(false);
    const held = charge({ id: 'ch_2', payment_intent: PI, status: 'succeeded', captured: false });
    expect(carriedBy(stripeEvent('charge.succeeded', held, at))!.charges[0]!.facts.released).toBe(false);
  });

  it('carries a refund event as its refund alone and a dispute event as its dispute alone', () => {
    const re = refund({ id: 're_1', charge: 'ch_1', amount: 100, status: 'succeeded' });
    const refundCarried = carriedBy(stripeEvent('charge.refund.updated', re, at))!;
    expect(refundCarried.refunds.map((r) => r.id)).toEqual(['re_1']);
    expect([refundCarried.charges, refundCarried.disputes]).toEqual([[], []]);
    const dp = dispute({ id: 'dp_1', charge: 'ch_1', status: 'lost' });
    const disputeCarried = carriedBy(stripeEvent('charge.dispute.closed', dp, at))!;
    expect(disputeCarried.disputes.map((d) => d.id)).toEqual(['dp_1']);
    expect([disputeCarried.charges, disputeCarried.refunds]).toEqual([[], []]);
  });
});

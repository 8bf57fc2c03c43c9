import { CH, PI, chargeEvent, paid, partialCapture } from '../../tests/support/cardPayment.js';
import { foldAll, foldOneByOne } from '../../tests/support/givenEvents.js';
import { refund, stripeEvent, T0 } from '../../tests/support/testEvents.js';
import type { StoredEvent } from '../../src/eventstore/port.js';
import { paymentRow } from './paymentRow.js';
import { evolve, type PaymentState } from './paymentState.js';
import { refundedAmounts, refundedDays, type RefundedDay } from './refundedDays.js';

const DAY = 86_400;
const dayOf = (seconds: number) => new Date((T0 + seconds) * 1000).toISOString().slice(0, 10);

/** The refunded days of `paymentId` after folding `events` in every order given, all the same. */
const daysOf = (paymentId: string, ...orders: StoredEvent[][]): RefundedDay[] => {
  const results = orders.flatMap((events) =>
    [foldAll, foldOneByOne].map((fold) => {
      const state = fold(events).get(paymentId)!;
      const days = refundedDays(refundedAmounts(state), paymentRow(paymentId, state)?.livemode ?? null);
      // Per payment, the days add up to its amount_refunded.
      const row = paymentRow(paymentId, state);
      if (row) expect(days.reduce((sum, d) => sum + d[3], 0)).toBe(row.amount_refunded);
      return days;
    }),
  );
  for (const result of results) expect(result).toEqual(results[0]);
  return results[0]!;
};

/** charge.refunded as API 2022-11-15 to 2024-10-28 sent it (the default version is one): no refunds
 * embedded, the charge's amount_refunded so far. */
const chargeShowing = (refunded: number, seconds: number) =>
  chargeEvent('charge.refunded', seconds, {
    status: 'succeeded',
    created: T0 + 5,
    amount_refunded: refunded,
    refunded: refunded >= 2000,
  });

describe('what a payment refunded, by day (the daily report’s refunded)', () => {
  it('dates refunds known only from the charge’s amount_refunded by the day the charge first showed each', () => {
    // API 2022-11-15 to 2024-10-28: charge.refunded embeds no refunds and no refund event comes.
    const events = [...paid(), chargeShowing(500, DAY), chargeShowing(2000, 2 * DAY)];
    expect(daysOf(PI, events, [...events].reverse())).toEqual([
      [dayOf(DAY), false, 'usd', 500],
      [dayOf(2 * DAY), false, 'usd', 1500],
    ]);
  });

  it('dates a refund object by its own created, and only the rest of the charge’s amount by the charge', () => {
    const first = stripeEvent(
      'charge.refund.updated',
      refund({
        id: 're_1',
        charge: CH,
        payment_intent: PI,
        amount: 500,
        status: 'succeeded',
        created: T0 + DAY,
      }),
      { created: T0 + 3 * DAY, apiVersion: '2023-10-16' },
    );
    const events = [...paid(), chargeShowing(500, DAY), chargeShowing(800, 2 * DAY), first];
    expect(daysOf(PI, events, [first, ...events.slice(0, -1).reverse()])).toEqual([
      [dayOf(DAY), false, 'usd', 500],
      [dayOf(2 * DAY), false, 'usd', 300],
    ]);
  });

  it('counts nothing for a refund that failed after it showed on the charge', () => {
    const failed = stripeEvent(
      'charge.refund.updated',
      refund({
        id: 're_2',
        charge: CH,
        payment_intent: PI,
        amount: 300,
        status: 'failed',
        created: T0 + 2 * DAY,
      }),
      { created: T0 + 4 * DAY, apiVersion: '2023-10-16' },
    );
    const events = [...paid(), chargeShowing(500, DAY), chargeShowing(800, 2 * DAY), failed];
    expect(daysOf(PI, events, [...events].reverse())).toEqual([[dayOf(DAY), false, 'usd', 500]]);
  });

  describe.each([
    ['2024-06-20', 500],
    ['2025-03-31.basil', 0],
  ])('a partial capture of 1500 of 2000 under API %s', (apiVersion, released) => {
    const { authorised, capture, release, customerRefund } = partialCapture(apiVersion, released, DAY);

    it('counts only what went back to the customer, whether the rest came as a Refund object or not', () => {
      for (const delivered of [release, []]) {
        const events = [...authorised, ...capture, ...delivered, ...customerRefund];
        expect(daysOf(PI, events, [...events].reverse())).toEqual([[dayOf(DAY), false, 'usd', 1000]]);
        expect(daysOf(PI, [...authorised, ...capture, ...delivered])).toEqual([]);
      }
    });
  });

  it('dates a refund of a payment the ledger does not know in the mode of its own events', () => {
    const orphan = stripeEvent(
      'refund.created',
      refund({ id: 're_orphan', charge: 'ch_unknown', amount: 700, status: 'succeeded', created: T0 + DAY }),
      { created: T0 + DAY, livemode: true },
    );
    const state = foldAll([orphan]).get('ch_unknown')!;
    expect(refundedDays(refundedAmounts(state), null)).toEqual([[dayOf(DAY), true, 'usd', 700]]);
  });

  describe('a fold state stored by a version before charges kept when their refunds rose', () => {
    /** The state `events` fold into, as that version stored it: the charge's amount_refunded without
     * its steps (`steps: []`: as a later version's join with such a state left it). */
    const storedEarlier = (events: StoredEvent[], steps?: []): PaymentState => {
      const state = foldAll(events).get(PI)!;
      const { refundSteps: _, ...charge } = state.charges[CH]!;
      return { ...state, charges: { [CH]: steps ? { ...charge, refundSteps: steps } : charge } };
    };
    const after = (state: PaymentState, ...events: StoredEvent[]) => {
      const folded = events.reduce(evolve, state);
      const row = paymentRow(PI, folded)!;
      return {
        payment_status: row.payment_status,
        amount_refunded: row.amount_refunded,
        days: refundedDays(refundedAmounts(folded), row.livemode),
      };
    };
    const fromScratch = (...events: StoredEvent[]) => after(foldAll(events).get(PI)!);

    it.each([[undefined], [[] as []]])(
      'keeps what it refunded when an older event is redelivered after the upgrade (steps: %j)',
      (steps) => {
        const [full, part] = [chargeShowing(2000, 2 * DAY), chargeShowing(500, DAY)];
        const upgraded = after(storedEarlier([...paid(), full], steps), part);
        expect(upgraded).toMatchObject({ payment_status: 'refunded', amount_refunded: 2000 });
        expect(upgraded).toEqual(fromScratch(...paid(), part, full));
      },
    );

    it('dates only the rise a later event shows by its day', () => {
      const [part, more] = [chargeShowing(400, DAY), chargeShowing(900, 2 * DAY)];
      const upgraded = after(storedEarlier([...paid(), part]), more);
      expect(upgraded.days).toEqual([
        [dayOf(DAY), false, 'usd', 400],
        [dayOf(2 * DAY), false, 'usd', 500],
      ]);
      expect(upgraded).toEqual(fromScratch(...paid(), part, more));
    });
  });
});

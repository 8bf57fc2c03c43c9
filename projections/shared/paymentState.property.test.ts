import fc from 'fast-check';
import type { StoredEvent } from '../../src/eventstore/port.js';
import { foldAll, foldOneByOne, rowsOf } from '../../tests/support/givenEvents.js';
import { specArb } from '../../tests/support/lifecycleArb.js';
import { buildLifecycle } from '../../tests/support/lifecycles.js';
import { EMPTY, merge, type PaymentState } from './paymentState.js';
import { redelivered } from '../../tests/support/testEvents.js';

/** The lifecycle's events in a random order with some of them delivered more than once. */
const deliveryArb = (events: StoredEvent[]) =>
  fc
    .array(fc.nat(events.length - 1), { maxLength: 4 })
    .chain((dups) =>
      fc.shuffledSubarray([...events.keys(), ...dups], { minLength: events.length + dups.length }),
    )
    .map((order) => order.map((i, k) => (k < events.length ? events[i]! : redelivered(events[i]!))));

const stateFromSubset = (events: StoredEvent[], mask: boolean[]): PaymentState =>
  [...foldAll(events.filter((_, i) => mask[i])).values()].reduce(merge, EMPTY);

describe('payment fold properties', () => {
  it('ends every generated lifecycle in the row its logical order implies', () => {
    fc.assert(
      fc.property(specArb, (spec) => {
        const lifecycle = buildLifecycle(spec);
        const row = rowsOf(foldAll(lifecycle.events)).find((r) => r.payment_id === lifecycle.paymentId);
        expect(row).toMatchObject(lifecycle.expected);
      }),
      { numRuns: 300 },
    );
  });

  it('yields the same rows for every arrival order, with duplicates, in one batch or one event per batch', () => {
    fc.assert(
      fc.property(
        specArb.chain((spec) => {
          const { events } = buildLifecycle(spec);
          return fc.tuple(fc.constant(events), deliveryArb(events));
        }),
        ([logical, delivered]) => {
          const expected = rowsOf(foldAll(logical));
          expect(rowsOf(foldAll(delivered))).toEqual(expected);
          expect(rowsOf(foldOneByOne(delivered))).toEqual(expected);
          expect(foldOneByOne(delivered)).toEqual(foldAll(logical));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('merges states commutatively, associatively and idempotently', () => {
    fc.assert(
      fc.property(
        specArb.chain((spec) => {
          const { events } = buildLifecycle(spec);
          const mask = fc.array(fc.boolean(), { minLength: events.length, maxLength: events.length });
          return fc.tuple(fc.constant(events), mask, mask, mask);
        }),
        ([events, ma, mb, mc]) => {
          const [a, b, c] = [ma, mb, mc].map((mask) => stateFromSubset(events, mask)) as [
            PaymentState,
            PaymentState,
            PaymentState,
          ];
          expect(merge(a, b)).toEqual(merge(b, a));
          expect(merge(merge(a, b), c)).toEqual(merge(a, merge(b, c)));
          expect(merge(a, a)).toEqual(a);
          expect(merge(a, EMPTY)).toEqual(a);
        },
      ),
      { numRuns: 300 },
    );
  });
});

/** Given / when / then for payment folds (test-only): folds in memory exactly as the projections do. */
import type { StoredEvent } from '../../src/eventstore/port.js';
import { paymentFold } from '../../projections/shared/paymentFold.js';
import { paymentRow, type PaymentRow } from '../../projections/shared/paymentRow.js';
import { foldBatch } from '../../src/projector/engine/foldBatch.js';
import type { PaymentState } from '../../projections/shared/paymentState.js';
import { linksOf, routeBatch } from '../../projections/shared/routing.js';

/** One batch: links proven anywhere in the batch route charge-keyed events. */
export const foldAll = (events: readonly StoredEvent[]): Map<string, PaymentState> =>
  foldBatch(paymentFold, new Map(), routeBatch(events, new Map())).states;

/** One event per batch, the stored links being those of the events before it (the least the store
 * can know at that point): exercises orphan states and their merge. */
export const foldOneByOne = (events: readonly StoredEvent[]): Map<string, PaymentState> => {
  const states = new Map<string, PaymentState>();
  const links = new Map<string, string>();
  for (const event of events) {
    for (const [chargeId, paymentId] of linksOf(event))
      if (!links.has(chargeId)) links.set(chargeId, paymentId);
    const result = foldBatch(paymentFold, states, routeBatch([event], links));
    result.removed.forEach((key) => states.delete(key));
    result.states.forEach((state, key) => states.set(key, state));
  }
  return states;
};

export const rowsOf = (states: ReadonlyMap<string, PaymentState>): PaymentRow[] =>
  [...states]
    .flatMap(([id, state]) => paymentRow(id, state) ?? [])
    .sort((a, b) => (a.payment_id < b.payment_id ? -1 : 1));

export const given = (...events: StoredEvent[]) => ({
  whenFolded: (fold: (events: readonly StoredEvent[]) => Map<string, PaymentState> = foldAll) => {
    const states = fold(events);
    return {
      states,
      thenPayment(paymentId: string, expected: Partial<PaymentRow>) {
        const state = states.get(paymentId);
        expect(state && paymentRow(paymentId, state)).toMatchObject(expected);
        return this;
      },
      thenNoPayment(paymentId: string) {
        const state = states.get(paymentId);
        expect(state && paymentRow(paymentId, state)).toBeFalsy();
        return this;
      },
    };
  },
});

import type { Fold, Links } from '../projection.js';
import { carriedBy, type Carried } from './carried.js';
import { joinFact } from './lattice.js';
import { resolver, streamPaymentId } from './routing.js';

/** The fold state of one Stripe object (a refund, a dispute) and the payment it is filed under. */
export type Filed<S> = { paymentId: string | null; state: S };

/** A payment intent id beats the charge id the object was filed under before its link was known. */
const joinPaymentId = (a: string | null, b: string | null): string | null => {
  if (a?.startsWith('pi_') !== b?.startsWith('pi_')) return a?.startsWith('pi_') ? a : b;
  return joinFact(a, b);
};

/**
 * A fold of one state per Stripe object, keyed by the object's id: every object an event carries
 * (embedded ones included) folds into its own state. `statesOf`: the state each object has from this
 * event alone; `merge`: a join-semilattice, so the rows do not depend on delivery order or duplicates.
 */
export const objectFold = <S>(options: {
  name: string;
  statesOf(carried: Carried): [id: string, state: S][];
  merge(a: S, b: S): S;
}): Fold<Filed<S>> => {
  const merge = (a: Filed<S>, b: Filed<S>): Filed<S> => ({
    paymentId: joinPaymentId(a.paymentId, b.paymentId),
    state: options.merge(a.state, b.state),
  });
  return {
    name: options.name,
    route: (events, links) => {
      const resolve = resolver(events, links);
      return events.flatMap((event) => {
        const carried = carriedBy(event);
        if (carried === null) return [];
        const key = streamPaymentId(event);
        const paymentId = key === null ? null : resolve(key);
        return options.statesOf(carried).map(([id]) => ({ event, key: id, paymentId, absorbs: [] }));
      });
    },
    evolve: (filed, routed) => {
      const own = options
        .statesOf(carriedBy(routed.event)!)
        .filter(([id]) => id === routed.key)
        .map(([, state]): Filed<S> => ({ paymentId: routed.paymentId, state }))
        .reduce(merge);
      return filed === undefined ? own : merge(filed, own);
    },
    merge,
    stored: {
      columns: ['payment_id', 'state'],
      toRow: (filed) => ({ payment_id: filed.paymentId, state: filed.state }),
      fromRow: (row) => ({ paymentId: row.payment_id as string | null, state: row.state as S }),
    },
    relink: (filed: Filed<S>, links: Links) => {
      const paymentId = filed.paymentId === null ? undefined : links.get(filed.paymentId);
      return paymentId === undefined ? null : { paymentId, state: filed.state };
    },
  };
};

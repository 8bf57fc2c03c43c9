import type { Fold } from '../projection.js';
import { evolve, merge, type PaymentState } from './paymentState.js';
import { routeBatch } from './routing.js';

/**
 * The payment fold: every modelled event folds into its payment's state, keyed by payment intent id
 * (a charge id for a payment of no payment intent, or while its link is unknown: such an orphan state
 * merges into the payment once an event proves the link). Payments, orders and status history
 * declare it; the engine folds it once per batch for all three.
 */
export const paymentFold: Fold<PaymentState> = {
  name: 'payment',
  route: routeBatch,
  evolve: (state, routed) => evolve(state, routed.event),
  merge,
  stored: {
    columns: ['state'],
    toRow: (state) => ({ state }),
    fromRow: (row) => row.state as PaymentState,
  },
};

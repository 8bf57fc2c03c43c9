import type { Row } from '../../src/db/port.js';
import { defineProjection, type Fold } from '../projection.js';
import { mergePayout, payoutRow, payoutStateOf, storedPayoutState, type PayoutState } from './payoutState.js';

const COLUMNS = [
  'payout_id',
  'amount',
  'currency',
  'status',
  'arrival_date',
  'created_at',
  'automatic',
  'balance_transaction_id',
  'transaction_count',
  'transactions_net',
  'reconciled',
  'updated_at',
] as const;

/** One state per payout: payout webhooks and the sync's reconciliations (payoutState.ts). */
export const payoutFold: Fold<PayoutState> = {
  name: 'payout',
  route: (events) =>
    events.flatMap((event) => {
      const delta = payoutStateOf(event);
      return delta === null ? [] : [{ event, key: delta[0], paymentId: null, absorbs: [] }];
    }),
  evolve: (state, routed) => {
    const [, own] = payoutStateOf(routed.event)!;
    return state === undefined ? own : mergePayout(state, own);
  },
  merge: mergePayout,
  stored: {
    columns: ['state'],
    json: ['state'],
    toRow: (state) => ({ state }),
    fromRow: (row: Row) => storedPayoutState(row.state as PayoutState),
  },
};

/** ledger.payouts (SPEC section 12), with each payout's reconciliation. */
export const payoutsProjection = defineProjection<PayoutState>({
  name: 'payouts',
  fold: payoutFold,
  state: { table: 'payouts_fold_state', key: 'payout_id' },
  rowTables: { payouts: { key: 'payout_id', columns: COLUMNS } },
  rows: (id, state) => ({ payouts: [payoutRow(id, state)] }),
});

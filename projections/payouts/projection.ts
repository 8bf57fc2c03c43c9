import type { StoredEvent } from '../../src/eventstore/port.js';
import type { RebuildableProjection } from '../bulk.js';
import { tableIn, type Projection } from '../projection.js';
import { mapRows, valuesIn } from '../shared/bulkSession.js';
import { selectByKeys, upsertRows } from '../shared/sql.js';
import { mergePayout, payoutRow, payoutStateOf, type PayoutState } from './payoutState.js';

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

const deltasOf = (events: readonly StoredEvent[]) =>
  events.flatMap((event) => {
    const delta = payoutStateOf(event);
    return delta === null ? [] : [delta];
  });

/** Joins each delta into the state `held` has for its payout; answers the payouts touched. */
const fold = (held: Map<string, PayoutState>, deltas: ReturnType<typeof deltasOf>): Set<string> => {
  for (const [id, state] of deltas) {
    const mine = held.get(id);
    held.set(id, mine === undefined ? state : mergePayout(mine, state));
  }
  return new Set(deltas.map(([id]) => id));
};

/** Loads the states a batch touches, joins the batch in, writes each touched payout once. */
const apply: Projection['apply'] = async (tx, events, target) => {
  const deltas = deltasOf(events);
  if (deltas.length === 0) return;
  const stateTable = tableIn(target, 'payouts_fold_state');
  const loaded = await selectByKeys<{ payout_id: string; state: PayoutState }>(tx, stateTable, 'payout_id', [
    ...new Set(deltas.map(([id]) => id)),
  ]);
  const held = new Map(loaded.map((row) => [row.payout_id, row.state]));
  const written = [...fold(held, deltas)].map((id) => [id, held.get(id)!] as const);
  await upsertRows(
    tx,
    stateTable,
    'payout_id',
    ['payout_id', 'state'],
    written.map(([payout_id, state]) => ({ payout_id, state })),
  );
  await upsertRows(
    tx,
    tableIn(target, 'payouts'),
    'payout_id',
    COLUMNS,
    written.map(([id, state]) => payoutRow(id, state)),
  );
};

/** ledger.payouts (SPEC section 12): payout webhooks and the sync's reconciliations. An account pays
 * out about once a day per currency, so a rebuild holds every payout's state in memory and loads the
 * rows at the end. */
export const payoutsProjection: RebuildableProjection = {
  name: 'payouts',
  tables: ['payouts', 'payouts_fold_state'],
  apply,
  bulk: {
    mirrors: apply,
    start: () => {
      const held = new Map<string, PayoutState>();
      return {
        add: async (events) => {
          fold(held, deltasOf(events));
        },
        write: async (_tx, _target, copy) => {
          await copy(
            'payouts_fold_state',
            ['payout_id', 'state'],
            mapRows(held, ([id, state]) => [id, state]),
          );
          await copy(
            'payouts',
            COLUMNS,
            mapRows(held, ([id, state]) => valuesIn(COLUMNS, payoutRow(id, state))),
          );
        },
      };
    },
  },
};

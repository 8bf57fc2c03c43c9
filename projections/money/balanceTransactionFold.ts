import type { Row } from '../../src/db/port.js';
import type { Fold } from '../projection.js';
import { resolver, streamPaymentId } from '../shared/routing.js';
import {
  balanceTransactionFactsOf,
  mergeFacts,
  type BalanceTransactionFacts,
} from './balanceTransactionFacts.js';

/** The columns a transaction's facts are stored in (beside its key): ledger.balance_transactions' own,
 * so that table is the fold's state, and the journal keeps the same in ledger.journal_entries. */
export const FACT_COLUMNS = [
  'type',
  'reporting_category',
  'source_id',
  'payment_id',
  'payout_id',
  'amount',
  'fee',
  'net',
  'currency',
  'status',
  'available_on',
  'created_at',
  'livemode',
] as const;

const iso = (unix: number | null) => (unix === null ? null : new Date(unix * 1000).toISOString());

/** A timestamptz as pg hands it over (a Date) or as JSON has it (ISO text), in unix seconds. */
const unixOf = (value: unknown): number | null => {
  if (value === null || value === undefined) return null;
  const ms = value instanceof Date ? value.getTime() : Date.parse(String(value));
  if (Number.isNaN(ms)) throw new Error(`expected a time, got ${JSON.stringify(value)}`);
  return Math.round(ms / 1000);
};

export const factsToRow = (bt: BalanceTransactionFacts): Row => ({
  type: bt.type,
  reporting_category: bt.reportingCategory,
  source_id: bt.sourceId,
  payment_id: bt.paymentId,
  payout_id: bt.payoutId,
  amount: bt.amount,
  fee: bt.fee,
  net: bt.net,
  currency: bt.currency,
  status: bt.status,
  available_on: iso(bt.availableOn),
  created_at: iso(bt.created),
  livemode: bt.livemode,
});

const factsFromRow = (row: Row): BalanceTransactionFacts => ({
  id: String(row.balance_transaction_id),
  type: String(row.type),
  reportingCategory: String(row.reporting_category),
  sourceId: (row.source_id as string | null) ?? null,
  paymentId: (row.payment_id as string | null) ?? null,
  payoutId: (row.payout_id as string | null) ?? null,
  amount: Number(row.amount),
  fee: Number(row.fee),
  net: Number(row.net),
  currency: String(row.currency),
  status: String(row.status),
  availableOn: unixOf(row.available_on),
  created: unixOf(row.created_at)!,
  livemode: Boolean(row.livemode),
});

/**
 * One state per balance transaction, keyed by its id: the join of everything the log says about it
 * (balanceTransactionFacts.ts). A transaction filed under a charge whose payment intent the store knows
 * by now is filed under the payment intent.
 */
export const balanceTransactionFold: Fold<BalanceTransactionFacts> = {
  name: 'balance_transaction',
  route: (events, links) => {
    const resolve = resolver(events, links);
    return events.flatMap((event) =>
      balanceTransactionFactsOf(event).map((facts) => {
        const key = streamPaymentId(event);
        const paymentId = facts.paymentId === null ? null : key === null ? facts.paymentId : resolve(key);
        return { event, key: facts.id, paymentId, absorbs: [] };
      }),
    );
  },
  evolve: (state, routed) => {
    const own = balanceTransactionFactsOf(routed.event)
      .filter((facts) => facts.id === routed.key)
      .map((facts) => ({ ...facts, paymentId: facts.paymentId === null ? null : routed.paymentId }))
      .reduce(mergeFacts);
    return state === undefined ? own : mergeFacts(state, own);
  },
  merge: mergeFacts,
  stored: { columns: FACT_COLUMNS, json: [], toRow: factsToRow, fromRow: factsFromRow },
};

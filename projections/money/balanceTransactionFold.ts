import type { Row } from '../../src/db/port.js';
import type { StoredEvent } from '../../src/eventstore/port.js';
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
 * An event's facts by transaction id (joined when it names one twice), read once per event: a payout's
 * reconciliation lists thousands of transactions, and each is routed and evolved on its own. A cache
 * of a pure reading, keyed by the event object, so it goes with the batch.
 */
const factsCache = new WeakMap<StoredEvent, Map<string, BalanceTransactionFacts>>();
const factsById = (event: StoredEvent): Map<string, BalanceTransactionFacts> => {
  let byId = factsCache.get(event);
  if (byId === undefined) {
    byId = new Map();
    for (const facts of balanceTransactionFactsOf(event)) {
      const mine = byId.get(facts.id);
      byId.set(facts.id, mine === undefined ? facts : mergeFacts(mine, facts));
    }
    factsCache.set(event, byId);
  }
  return byId;
};

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
      [...factsById(event).values()].map((facts) => {
        const key = streamPaymentId(event);
        const paymentId = facts.paymentId === null ? null : key === null ? facts.paymentId : resolve(key);
        return { event, key: facts.id, paymentId, absorbs: [] };
      }),
    );
  },
  evolve: (state, routed) => {
    const facts = factsById(routed.event).get(routed.key)!;
    const own = { ...facts, paymentId: facts.paymentId === null ? null : routed.paymentId };
    return state === undefined ? own : mergeFacts(state, own);
  },
  merge: mergeFacts,
  stored: { columns: FACT_COLUMNS, json: [], toRow: factsToRow, fromRow: factsFromRow },
};

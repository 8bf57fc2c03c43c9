import {
  BALANCE_TRANSACTION_RECORDED,
  isMoneyEvent,
  PAYOUT_RECONCILED,
} from '../../src/domain/moneyEvents.js';
import { ownValue } from '../../src/domain/ownRecord.js';
import type { StoredEvent } from '../../src/eventstore/port.js';
import { fieldsOf, isRecord, type Json } from '../shared/fields.js';
import { contextOf } from '../shared/stripeObjects.js';

/**
 * What the log says about one balance transaction. Stripe never changes a transaction's amounts, type,
 * category or dates; only `status` moves (pending -> available), and the ledger learns its payment and
 * payout from different events. So facts join field by field: the highest status, a payment intent id
 * over a charge id, any payout.
 */
export type BalanceTransactionFacts = {
  id: string;
  type: string;
  reportingCategory: string;
  sourceId: string | null;
  paymentId: string | null;
  payoutId: string | null;
  amount: number;
  fee: number;
  net: number;
  currency: string;
  status: string;
  availableOn: number | null;
  created: number;
  livemode: boolean;
};

const STATUS_RANK: Readonly<Record<string, number>> = { pending: 1, available: 2 };
export const statusRank = (status: string): number => ownValue(STATUS_RANK, status) ?? 0;

const higherStatus = (a: string, b: string): string => {
  const order = statusRank(a) - statusRank(b);
  if (order !== 0) return order > 0 ? a : b;
  return a >= b ? a : b;
};

const isPaymentIntent = (id: string | null) => id?.startsWith('pi_') === true;

/** A payment intent id beats the charge id a transaction was filed under before its link was known. */
export const joinPaymentId = (a: string | null, b: string | null): string | null => {
  if (isPaymentIntent(a) !== isPaymentIntent(b)) return isPaymentIntent(a) ? a : b;
  if (a === null || b === null) return a ?? b;
  return a >= b ? a : b;
};

export const joinPayoutId = (a: string | null, b: string | null): string | null =>
  a === null || b === null ? (a ?? b) : a >= b ? a : b;

export const mergeFacts = (
  a: BalanceTransactionFacts,
  b: BalanceTransactionFacts,
): BalanceTransactionFacts => ({
  ...(statusRank(a.status) >= statusRank(b.status) ? a : b),
  status: higherStatus(a.status, b.status),
  paymentId: joinPaymentId(a.paymentId, b.paymentId),
  payoutId: joinPayoutId(a.payoutId, b.payoutId),
});

const readFacts = (
  object: Json,
  path: string,
  links: { paymentId: string | null; payoutId: string | null },
  livemode: boolean,
): BalanceTransactionFacts => {
  const f = fieldsOf(object, path);
  const type = f.string('type');
  return {
    id: f.string('id'),
    type,
    // Objects older than reporting categories (2019) are booked under their type.
    reportingCategory: f.optString('reporting_category') ?? type,
    sourceId: f.optRef('source'),
    paymentId: links.paymentId,
    payoutId: links.payoutId,
    amount: f.int('amount'),
    fee: f.int('fee'),
    net: f.int('net'),
    currency: f.string('currency'),
    status: f.string('status'),
    availableOn: f.optInt('available_on'),
    created: f.int('created'),
    livemode,
  };
};

const derivedOf = (event: StoredEvent) => {
  const derived = (event.data as { derived?: unknown }).derived;
  const d = isRecord(derived) ? derived : {};
  return {
    paymentId: typeof d.payment_id === 'string' ? d.payment_id : null,
    payoutId: typeof d.payout_id === 'string' ? d.payout_id : null,
  };
};

/**
 * The balance transactions an event tells of: the one a BalanceTransactionRecorded carries (filed under
 * its payment), or every one a PayoutReconciled lists (all paid out by that payout). Other events: none.
 */
export const balanceTransactionFactsOf = (event: StoredEvent): BalanceTransactionFacts[] => {
  if (!isMoneyEvent(event)) return [];
  const livemode = contextOf(event).livemode;
  // event.data is typed by what append accepted; it is checked again here, so that an event malformed
  // in the store (another writer's, an older layout) stops the projection with a clear error.
  switch (event.type) {
    case BALANCE_TRANSACTION_RECORDED: {
      const object: unknown = event.data.object;
      if (!isRecord(object)) throw new Error(`event ${event.id} (${event.type}) has no data.object`);
      const { paymentId, payoutId } = derivedOf(event);
      // The payout a source names is the one that paid the transaction out only for the payout's own
      // transaction: a payout_failure names the failed payout but is paid out by a later one.
      const own = object.type === 'payout' ? payoutId : null;
      return [readFacts(object, 'data.object', { paymentId, payoutId: own }, livemode)];
    }
    case PAYOUT_RECONCILED: {
      const { payoutId } = derivedOf(event);
      const transactions: unknown = event.data.transactions;
      if (!Array.isArray(transactions)) {
        throw new Error(`event ${event.id} (${event.type}): data.transactions should be an array`);
      }
      return transactions.map((bt, i) => {
        const path = `data.transactions[${i}]`;
        if (!isRecord(bt)) throw new Error(`event ${event.id}: ${path} should be an object`);
        return readFacts(bt, path, { paymentId: null, payoutId }, livemode);
      });
    }
    case 'PayoutCreated':
    case 'PayoutUpdated':
    case 'PayoutPaid':
    case 'PayoutFailed':
    case 'PayoutCanceled':
    case 'PayoutReconciliationCompleted':
      return [];
    default: {
      const unhandled: never = event;
      throw new Error(`unhandled money event type ${(unhandled as { type: string }).type}`);
    }
  }
};

/** The facts of a batch, joined per transaction (first-seen order). */
export const joinedFactsOf = (events: readonly StoredEvent[]): BalanceTransactionFacts[] => {
  const byId = new Map<string, BalanceTransactionFacts>();
  for (const event of events) {
    for (const facts of balanceTransactionFactsOf(event)) {
      const mine = byId.get(facts.id);
      byId.set(facts.id, mine === undefined ? facts : mergeFacts(mine, facts));
    }
  }
  return [...byId.values()];
};

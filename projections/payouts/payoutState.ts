import { isPayoutEventType, PAYOUT_RECONCILED } from '../../src/domain/moneyEvents.js';
import { IMPORTED } from '../../src/domain/imported.js';
import { coverageOf, joinCoverage, WHOLE, type ListingCoverage } from '../../src/domain/payoutParts.js';
import type { StoredEvent } from '../../src/eventstore/port.js';
import { compareKeys, joinNullable, joinRecords, maxByKey, type Key } from '../shared/lattice.js';
import { fieldsOf, idOf, isRecord, type Json } from '../shared/fields.js';
import { contextOf } from '../shared/stripeObjects.js';
import { ownValue, setOwn } from '../../src/domain/ownRecord.js';

/**
 * Fold state of one payout, a join-semilattice (order and duplicates do not matter): status by rank
 * (pending < in_transit < paid < failed, canceled: a paid payout can fail days later), other fields from
 * the freshest snapshot, the union of the transactions reconciliations listed, and how much of a
 * reconciliation's listing its parts hold (src/domain/payoutParts.ts): the transactions count only once
 * one listing is whole.
 */
export type PayoutSnapshot = {
  key: Key;
  amount: number;
  currency: string;
  arrivalDate: number | null;
  created: number;
  automatic: boolean;
  balanceTransactionId: string | null;
};
export type PayoutStatus = { key: Key; status: string };
/** A listed transaction: its net, and whether it is the payout's own (source = the payout). */
export type ListedTransaction = { net: number; own: boolean };
export type PayoutState = {
  status: PayoutStatus;
  snapshot: PayoutSnapshot;
  transactions: Record<string, ListedTransaction> | null;
  /** Null until a PayoutReconciled (part) is seen. */
  listing: ListingCoverage | null;
  updated: number;
};

const STATUS_RANK: Readonly<Record<string, number>> = {
  pending: 1,
  in_transit: 2,
  paid: 3,
  failed: 4,
  canceled: 4,
};
const rankOf = (status: string) => ownValue(STATUS_RANK, status) ?? 0;

const joinTransaction = (a: ListedTransaction, b: ListedTransaction): ListedTransaction =>
  compareKeys([a.net, Number(a.own)], [b.net, Number(b.own)]) >= 0 ? a : b;

export const mergePayout = (a: PayoutState, b: PayoutState): PayoutState => ({
  status: maxByKey(a.status, b.status),
  snapshot: maxByKey(a.snapshot, b.snapshot),
  transactions: joinNullable(a.transactions, b.transactions, (x, y) => joinRecords(x, y, joinTransaction)),
  listing: joinNullable(a.listing, b.listing, joinCoverage),
  updated: Math.max(a.updated, b.updated),
});

const listedOf = (
  payoutId: string,
  transactions: unknown,
  eventId: string,
): Record<string, ListedTransaction> => {
  if (!Array.isArray(transactions)) {
    throw new Error(`event ${eventId} (PayoutReconciled): data.transactions should be an array`);
  }
  const listed: Record<string, ListedTransaction> = {};
  for (const [i, bt] of transactions.entries()) {
    if (!isRecord(bt)) throw new Error(`event ${eventId}: data.transactions[${i}] should be an object`);
    const f = fieldsOf(bt, `data.transactions[${i}]`);
    setOwn(listed, f.string('id'), { net: f.int('net'), own: idOf(bt.source) === payoutId });
  }
  return listed;
};

/** What a PayoutReconciled (part) lists, and how much of its reconciliation's listing that is. */
const reconciledOf = (
  payoutId: string,
  event: Extract<StoredEvent, { type: typeof PAYOUT_RECONCILED }>,
): Pick<PayoutState, 'transactions' | 'listing'> => {
  const transactions = listedOf(payoutId, event.data.transactions, event.id);
  return {
    transactions,
    listing: coverageOf(event.id, event.data.reconciliation, Object.keys(transactions)),
  };
};

/** A payout the sync's history import read from GET /v1/payouts (a snapshot as of its reading). */
const isImportedPayout = (event: StoredEvent, object: unknown) =>
  event.type === IMPORTED && isRecord(object) && object.object === 'payout';

/** The payout an event tells of, with its state from this event alone; null for other events. */
export const payoutStateOf = (event: StoredEvent): [payoutId: string, state: PayoutState] | null => {
  const object = (event.data as { object?: unknown }).object;
  if (
    !isPayoutEventType(event.type) &&
    event.type !== PAYOUT_RECONCILED &&
    !isImportedPayout(event, object)
  ) {
    return null;
  }
  if (!isRecord(object)) throw new Error(`event ${event.id} (${event.type}) has no data.object`);
  const ctx = contextOf(event);
  const f = fieldsOf(object as Json, 'data.object');
  const id = f.string('id');
  const status = f.string('status');
  const rank = rankOf(status);
  const reconciled =
    event.type === PAYOUT_RECONCILED ? reconciledOf(id, event) : { transactions: null, listing: null };
  return [
    id,
    {
      status: { key: [rank, ctx.created, status, ctx.stripeEventId], status },
      snapshot: {
        key: [ctx.created, rank, ctx.stripeEventId],
        amount: f.int('amount'),
        currency: f.string('currency'),
        arrivalDate: f.optInt('arrival_date'),
        created: f.int('created'),
        // Payouts from before Stripe told automatic from manual ones were all automatic.
        automatic: f.optBool('automatic') ?? true,
        balanceTransactionId: f.optRef('balance_transaction'),
      },
      transactions: reconciled.transactions,
      listing: reconciled.listing,
      updated: ctx.created,
    },
  ];
};

const iso = (unix: number | null) => (unix === null ? null : new Date(unix * 1000).toISOString());

/** A state as stored. Those stored before reconciliations came in parts have no `listing`: their
 * transactions came from single events, each a whole listing. */
export const storedPayoutState = (
  stored: Omit<PayoutState, 'listing'> & Partial<Pick<PayoutState, 'listing'>>,
): PayoutState => ({
  ...stored,
  listing: stored.listing !== undefined ? stored.listing : stored.transactions === null ? null : WHOLE,
});

/** The ledger.payouts row: reconciled when its transactions are known (one listing whole), it is paid,
 * and they add up. */
export const payoutRow = (payoutId: string, state: PayoutState) => {
  const paidOut =
    state.transactions === null || state.listing?.whole !== true
      ? null
      : Object.values(state.transactions).filter((t) => !t.own);
  const net = paidOut === null ? null : paidOut.reduce((sum, t) => sum + t.net, 0);
  return {
    payout_id: payoutId,
    amount: state.snapshot.amount,
    currency: state.snapshot.currency,
    status: state.status.status,
    arrival_date: iso(state.snapshot.arrivalDate),
    created_at: iso(state.snapshot.created),
    automatic: state.snapshot.automatic,
    balance_transaction_id: state.snapshot.balanceTransactionId,
    transaction_count: paidOut === null ? null : paidOut.length,
    transactions_net: net,
    reconciled: state.status.status === 'paid' && net === state.snapshot.amount,
    updated_at: iso(state.updated),
  };
};

import { v5 as uuidv5 } from 'uuid';
import type { EventMetadata, NewEvent } from './ledgerEvent.js';
import { deriveKeys } from './derive.js';
import { EVENT_ID_NAMESPACE } from './eventId.js';
import type { DerivedKeys, StripeObjectKind } from './events.js';
import { formatIssues } from './issues.js';
import { PART_BUDGET_BYTES, splitByBytes, type ReconciliationPart } from './payoutParts.js';
import {
  accountStream,
  BALANCE_TRANSACTION_RECORDED,
  PAYOUT_RECONCILED,
  payoutStream,
} from './moneyEvents.js';
import {
  balanceTransactionSchema,
  payoutSchema,
  refId,
  type StripeBalanceTransaction,
  type StripePayout,
} from './moneySchemas.js';
import { SCHEMA_VERSION } from './translate.js';
import { paymentStream } from './stream.js';

/**
 * Balance transactions and payout reconciliations as the sync records them (SPEC section 12). Pure: the
 * caller reads Stripe and the clock, looks up charge links, and appends what these functions return.
 */

type Json = Record<string, unknown>;

/** Where the facts come from: the account read (null: the key's own) and its mode. */
export type RecordContext = { account: string | null; livemode: boolean; recordedAt: Date };

export type Recorded = { kind: 'ok'; stream: string; event: NewEvent } | { kind: 'invalid'; message: string };

const PAYMENT_KINDS: ReadonlySet<string> = new Set(['charge', 'refund', 'dispute']);

/** Charge-like ids by prefix, when the source is not expanded: ch_ (cards), py_ (other methods). */
const isChargeId = (id: string) => id.startsWith('ch_') || id.startsWith('py_');

/**
 * The links a balance transaction's source gives: an expanded charge, refund or dispute names its
 * payment intent (or charge) as a webhook does; a bare charge id names its charge; a payout (`po_`)
 * names the payout. Anything else (Stripe fees, adjustments, transfers) names nothing.
 */
export const balanceTransactionKeys = (bt: Json): DerivedKeys => {
  const source = bt.source;
  const sourceId = refId(source);
  const sourceKind =
    typeof source === 'object' && source !== null ? (source as { object?: unknown }).object : undefined;
  const base = { payment_intent_id: null, charge_ids: [] as string[], payment_id: null, payout_id: null };
  if (typeof sourceKind === 'string' && PAYMENT_KINDS.has(sourceKind)) {
    const keys = deriveKeys(sourceKind as StripeObjectKind, source as Json);
    return { ...keys, kind: 'balance_transaction', payout_id: null };
  }
  if (sourceKind === 'payout' || sourceId?.startsWith('po_')) {
    return { ...base, kind: 'balance_transaction', payout_id: sourceId };
  }
  if (sourceId !== null && isChargeId(sourceId)) {
    return { ...base, kind: 'balance_transaction', charge_ids: [sourceId], payment_id: null };
  }
  return { ...base, kind: 'balance_transaction' };
};

/** The charge whose payment must be looked up (EventStore.paymentOfCharge) before recording. */
export const chargeOfBalanceTransaction = (derived: DerivedKeys): string | null =>
  derived.payment_id === null ? (derived.charge_ids[0] ?? null) : null;

/**
 * The stream: the payment its source belongs to (a looked-up charge link, else the charge itself as
 * for a legacy charge), else the payout it is the transaction of, else the account-level stream.
 */
export const balanceTransactionStream = (
  derived: DerivedKeys,
  lookedUpPaymentOfCharge: string | null,
  account: string | null,
): { stream: string; paymentId: string | null } => {
  const charge = chargeOfBalanceTransaction(derived);
  const paymentId = derived.payment_id ?? (charge === null ? null : (lookedUpPaymentOfCharge ?? charge));
  if (paymentId !== null) return { stream: paymentStream(paymentId), paymentId };
  if (derived.payout_id) return { stream: payoutStream(derived.payout_id), paymentId: null };
  return { stream: accountStream(account), paymentId: null };
};

const metadata = (id: string, type: string, created: number, context: RecordContext): EventMetadata => ({
  stripe_event_id: id,
  stripe_event_type: type,
  api_version: null,
  created,
  livemode: context.livemode,
  account: context.account,
  received_at: context.recordedAt.toISOString(),
  request_id: null,
  schema_version: SCHEMA_VERSION,
});

/**
 * `BalanceTransactionRecorded` of one balance transaction as listed by Stripe. Its id is UUIDv5 of the
 * transaction id and status: recording it again is a no-op, while pending -> available is a new fact.
 */
export const recordBalanceTransaction = (
  bt: unknown,
  lookedUpPaymentOfCharge: string | null,
  context: RecordContext,
): Recorded => {
  const parsed = balanceTransactionSchema.safeParse(bt, { reportInput: true });
  if (!parsed.success)
    return { kind: 'invalid', message: formatIssues(parsed.error.issues, 'balance_transaction') };
  // The object as Stripe sent it, which the schema just accepted.
  const object = bt as StripeBalanceTransaction;
  const derived = balanceTransactionKeys(object);
  const { stream, paymentId } = balanceTransactionStream(derived, lookedUpPaymentOfCharge, context.account);
  const key = `${parsed.data.id}:${parsed.data.status}`;
  return {
    kind: 'ok',
    stream,
    event: {
      id: uuidv5(`balance_transaction:${key}`, EVENT_ID_NAMESPACE),
      type: BALANCE_TRANSACTION_RECORDED,
      data: { object, derived: { ...derived, payment_id: paymentId } },
      metadata: metadata(`bt:${key}`, 'balance_transaction.recorded', parsed.data.created, context),
    },
  };
};

/** One PayoutReconciled part and its stream, ready to append. */
export type ReconciledPart = { stream: string; event: NewEvent };

export type Reconciled = { kind: 'ok'; parts: ReconciledPart[] } | { kind: 'invalid'; message: string };

const byId = (a: StripeBalanceTransaction, b: StripeBalanceTransaction) =>
  a.id < b.id ? -1 : a.id > b.id ? 1 : 0;

/**
 * `PayoutReconciled`: a payout and every balance transaction Stripe lists for it
 * (`GET /v1/balance_transactions?payout=`), its own included, in parts of at most `budgetBytes` of
 * transactions (payoutParts.ts), sorted by id. The reconciliation's id is UUIDv5 of the payout id and
 * the sorted transaction ids, as the single event's id was before parts: a listing that fits one part
 * is that event, same id, so a payout reconciled then is not recorded again. A part of several has
 * UUIDv5 of the reconciliation, its place and its transaction ids. Recording the same listing again is
 * a no-op; an interrupted recording completes with the parts it lacked.
 */
export const reconcilePayout = (
  payout: unknown,
  transactions: unknown[],
  context: RecordContext,
  budgetBytes: number = PART_BUDGET_BYTES,
): Reconciled => {
  const p = payoutSchema.safeParse(payout, { reportInput: true });
  if (!p.success) return { kind: 'invalid', message: formatIssues(p.error.issues, 'payout') };
  for (const [i, bt] of transactions.entries()) {
    const parsed = balanceTransactionSchema.safeParse(bt, { reportInput: true });
    if (!parsed.success) {
      return { kind: 'invalid', message: formatIssues(parsed.error.issues, `transactions[${i}]`) };
    }
  }
  // The objects as Stripe sent them, which the schemas just accepted.
  const listed = transactions as StripeBalanceTransaction[];
  // A transaction a listing repeats (pages shifting under it) is recorded once.
  const distinct = [...new Map(listed.map((bt) => [bt.id, bt])).values()].sort(byId);
  const ids = distinct.map((bt) => bt.id).join(',');
  const reconciliationId = uuidv5(`payout_reconciled:${p.data.id}:${ids}`, EVENT_ID_NAMESPACE);
  const runs = splitByBytes(distinct, budgetBytes);
  const count = runs.length;
  const derived: DerivedKeys = {
    kind: 'payout',
    payment_intent_id: null,
    charge_ids: [],
    payment_id: null,
    payout_id: p.data.id,
  };
  const parts = runs.map((run, index): ReconciledPart => {
    const place = `${index + 1}/${count}`;
    const id =
      count === 1
        ? reconciliationId
        : uuidv5(
            `payout_reconciled:${reconciliationId}:${place}:${run.map((bt) => bt.id).join(',')}`,
            EVENT_ID_NAMESPACE,
          );
    const reconciliation: ReconciliationPart = {
      id: reconciliationId,
      index,
      count,
      listed: distinct.length,
    };
    const stripeId = count === 1 ? `reconciled:${p.data.id}` : `reconciled:${p.data.id}:${place}`;
    return {
      stream: payoutStream(p.data.id),
      event: {
        id,
        type: PAYOUT_RECONCILED,
        data: { object: payout as StripePayout, transactions: run, derived, reconciliation },
        metadata: metadata(stripeId, 'payout.reconciled', p.data.created, context),
      },
    };
  });
  return { kind: 'ok', parts };
};

import { v5 as uuidv5 } from 'uuid';
import type { EventMetadata, NewEvent } from './ledgerEvent.js';
import { deriveKeys } from './derive.js';
import { EVENT_ID_NAMESPACE } from './eventId.js';
import type { DerivedKeys, StripeObjectKind } from './events.js';
import { formatIssues } from './issues.js';
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
  if (paymentId !== null) return { stream: `payment-${paymentId}`, paymentId };
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

/**
 * `PayoutReconciled`: a payout and every balance transaction Stripe lists for it
 * (`GET /v1/balance_transactions?payout=`), its own included. Its id is UUIDv5 of the payout id and the
 * sorted transaction ids, so recording the same reconciliation again is a no-op.
 */
export const reconcilePayout = (
  payout: unknown,
  transactions: unknown[],
  context: RecordContext,
): Recorded => {
  const p = payoutSchema.safeParse(payout, { reportInput: true });
  if (!p.success) return { kind: 'invalid', message: formatIssues(p.error.issues, 'payout') };
  for (const [i, bt] of transactions.entries()) {
    const parsed = balanceTransactionSchema.safeParse(bt, { reportInput: true });
    if (!parsed.success) {
      return { kind: 'invalid', message: formatIssues(parsed.error.issues, `transactions[${i}]`) };
    }
  }
  const ids = transactions.map((bt) => (bt as { id: string }).id).sort();
  const derived: DerivedKeys = {
    kind: 'payout',
    payment_intent_id: null,
    charge_ids: [],
    payment_id: null,
    payout_id: p.data.id,
  };
  return {
    kind: 'ok',
    stream: payoutStream(p.data.id),
    event: {
      id: uuidv5(`payout_reconciled:${p.data.id}:${ids.join(',')}`, EVENT_ID_NAMESPACE),
      type: PAYOUT_RECONCILED,
      // The objects as Stripe sent them, which the schemas just accepted.
      data: {
        object: payout as StripePayout,
        transactions: transactions as StripeBalanceTransaction[],
        derived,
      },
      metadata: metadata(`reconciled:${p.data.id}`, 'payout.reconciled', p.data.created, context),
    },
  };
};

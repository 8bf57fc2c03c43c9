import { IMPORTED } from '../../src/domain/imported.js';
import type { StoredEvent } from '../../src/eventstore/port.js';
import { fieldsOf, isRecord, type Fields, type Json } from './fields.js';
import type { Key } from './lattice.js';
import {
  CHARGE_RANKS,
  chargeStatus,
  CLOSED_DISPUTE_STATUSES,
  DISPUTE_RANKS,
  disputeStatus,
  PAYMENT_INTENT_RANKS,
  paymentIntentStatus,
  REFUND_RANKS,
  refundStatus,
  type ChargeStatus,
  type DisputeStatus,
  type PaymentIntentStatus,
  type RefundStatus,
} from './ranks.js';

/** What every snapshot takes from its event's envelope. */
export type EventContext = {
  created: number;
  stripeEventId: string;
  livemode: boolean;
  accountId: string | null;
  /**
   * The event renders its objects as API versions before 2025-03-31.basil did, where a partial capture
   * or a cancellation gave back the rest of an authorisation as a Refund counted in the charge's
   * amount_refunded. Webhook events carry their version (none before 2017: older still); imported
   * snapshots are read with the sync client's own version, which is later.
   */
  refundsReleases: boolean;
};

/** API versions are dated, and a date sorts as text. */
const BASIL = '2025-03-31';

/** A status with its key [tier, event created, rank, stripe event id]: the greater key wins. */
export type Ranked<S extends string> = { status: S; key: Key };

const ranked = <S extends string>(
  ranks: Record<S, { tier: number; rank: number }>,
  status: S,
  ctx: EventContext,
): Ranked<S> => ({ status, key: [ranks[status].tier, ctx.created, ranks[status].rank, ctx.stripeEventId] });

/** The freshness key of a snapshot (SPEC rule 4): later `created`, then higher rank, then event id. */
const freshness = (rank: number, ctx: EventContext): Key => [ctx.created, rank, ctx.stripeEventId];

/** What every snapshot starts with. The readers spell these fields out in each snapshot rather than
 * spreading a shared object: V8 extends a spread object on a slow path, about 1 µs per added property
 * (measured), and every event read pays it. */
type Common = { key: Key; created: number; amount: number; currency: string };
const orderIdOf = (f: Fields): string | null => {
  const order = f.optRecord('metadata')?.order_id;
  return typeof order === 'string' && order !== '' ? order : null;
};

export type PaymentIntentSnapshot = Common & {
  customerId: string | null;
  orderId: string | null;
  livemode: boolean;
  accountId: string | null;
  latestChargeId: string | null;
  failureCode: string | null;
  failureMessage: string | null;
};
export type PaymentIntentFacts = {
  status: Ranked<PaymentIntentStatus>;
  snapshot: PaymentIntentSnapshot;
  amountReceived: number;
  hasPaymentError: boolean;
};

export const readPaymentIntent = (f: Fields, ctx: EventContext): PaymentIntentFacts => {
  const status = paymentIntentStatus(f.string('status'));
  const error = f.optRecord('last_payment_error');
  const errorText = (field: string) => (typeof error?.[field] === 'string' ? (error[field] as string) : null);
  return {
    status: ranked(PAYMENT_INTENT_RANKS, status, ctx),
    snapshot: {
      key: freshness(PAYMENT_INTENT_RANKS[status].rank, ctx),
      created: f.int('created'),
      amount: f.int('amount'),
      currency: f.string('currency'),
      customerId: f.optRef('customer'),
      orderId: orderIdOf(f),
      livemode: f.optBool('livemode') ?? ctx.livemode,
      accountId: ctx.accountId,
      latestChargeId: f.optRef('latest_charge'),
      failureCode: errorText('code') ?? errorText('decline_code'),
      failureMessage: errorText('message'),
    },
    amountReceived: f.optInt('amount_received') ?? 0,
    hasPaymentError: error !== null,
  };
};

export type ChargeSnapshot = Common & {
  customerId: string | null;
  orderId: string | null;
  livemode: boolean;
  accountId: string | null;
  failureCode: string | null;
  failureMessage: string | null;
};
export type ChargeFacts = {
  status: Ranked<ChargeStatus>;
  snapshot: ChargeSnapshot;
  captured: boolean;
  /** An uncaptured authorisation given back (refunded without capture). */
  released: boolean;
  amountCaptured: number;
  amountRefunded: number;
  /** The part of the authorisation a partial capture gave back as a refund (before API 2025-03-31). */
  releasedAtCapture: number;
};

/** Pre-2015 charges carry no status, only `paid`; some 2015 versions said `paid` for succeeded. */
const chargeStatusOf = (f: Fields): ChargeStatus => {
  const status = f.optString('status');
  if (status === null) return f.optBool('paid') ? 'succeeded' : 'failed';
  return chargeStatus(status === 'paid' ? 'succeeded' : status);
};

export const readCharge = (f: Fields, ctx: EventContext): ChargeFacts => {
  const status = chargeStatusOf(f);
  // `captured` predates auth-and-capture on the oldest payloads: a paid charge without it was captured.
  const captured = f.optBool('captured') ?? status === 'succeeded';
  const amount = f.int('amount');
  const amountCaptured = f.optInt('amount_captured');
  return {
    status: ranked(CHARGE_RANKS, status, ctx),
    snapshot: {
      key: freshness(CHARGE_RANKS[status].rank, ctx),
      created: f.int('created'),
      amount: f.int('amount'),
      currency: f.string('currency'),
      customerId: f.optRef('customer'),
      orderId: orderIdOf(f),
      livemode: f.optBool('livemode') ?? ctx.livemode,
      accountId: ctx.accountId,
      failureCode: f.optString('failure_code'),
      failureMessage: f.optString('failure_message'),
    },
    captured,
    released: !captured && f.optBool('refunded') === true,
    amountCaptured: amountCaptured ?? (captured ? amount : 0),
    amountRefunded: f.optInt('amount_refunded') ?? 0,
    releasedAtCapture:
      captured && ctx.refundsReleases && amountCaptured !== null && amountCaptured < amount
        ? amount - amountCaptured
        : 0,
  };
};

export type RefundSnapshot = Common & {
  chargeId: string | null;
  reason: string | null;
  failureReason: string | null;
};
export type RefundFacts = { status: Ranked<RefundStatus>; snapshot: RefundSnapshot };

export const readRefund = (f: Fields, ctx: EventContext): RefundFacts => {
  // Refunds predating refund statuses (and the nullable status of the spec) were immediate.
  const status = refundStatus(f.optString('status') ?? 'succeeded');
  return {
    status: ranked(REFUND_RANKS, status, ctx),
    snapshot: {
      key: freshness(REFUND_RANKS[status].rank, ctx),
      created: f.int('created'),
      amount: f.int('amount'),
      currency: f.string('currency'),
      chargeId: f.optRef('charge'),
      reason: f.optString('reason'),
      failureReason: f.optString('failure_reason'),
    },
  };
};

export type DisputeSnapshot = Common & {
  chargeId: string;
  reason: string | null;
  evidenceDueBy: number | null;
};
/** `closedBy`: for a dispute in a closed status, the time its object dates the closing at the latest
 * it can (datedClosing), else null. */
export type DisputeFacts = {
  status: Ranked<DisputeStatus>;
  snapshot: DisputeSnapshot;
  closedBy: number | null;
};

/**
 * Stripe's dispute object says that it closed, never when (a webhook's `created` does). What it does
 * say: a won dispute's funds came back in a balance transaction of its own (`balance_transactions`, the
 * latest crediting the balance), created when it was won; a dispute is decided no earlier than its
 * evidence deadline (`evidence_details.due_by`; 0 or null when no response was allowed): one nobody
 * answered is lost when the deadline passes, one answered is decided by the issuer after it. So: the
 * reinstatement for a won dispute, else the deadline, else nothing.
 */
const datedClosing = (status: DisputeStatus, f: Fields, dueBy: number | null): number | null => {
  if (!CLOSED_DISPUTE_STATUSES.includes(status)) return null;
  const reinstated = f
    .arrayItems('balance_transactions')
    .filter((bt) => Number.isSafeInteger(bt.amount) && (bt.amount as number) > 0)
    .map((bt) => bt.created)
    .filter((created): created is number => Number.isSafeInteger(created));
  if (status === 'won' && reinstated.length > 0) return Math.max(...reinstated);
  return dueBy !== null && dueBy > 0 ? dueBy : null;
};

export const readDispute = (f: Fields, ctx: EventContext): DisputeFacts => {
  const status = disputeStatus(f.string('status'));
  const evidence = f.optRecord('evidence_details');
  const dueBy =
    evidence !== null && Number.isSafeInteger(evidence.due_by) ? (evidence.due_by as number) : null;
  return {
    closedBy: datedClosing(status, f, dueBy ?? f.optInt('evidence_due_by')),
    status: ranked(DISPUTE_RANKS, status, ctx),
    snapshot: {
      key: freshness(DISPUTE_RANKS[status].rank, ctx),
      created: f.int('created'),
      amount: f.int('amount'),
      currency: f.string('currency'),
      chargeId: f.id('charge'),
      reason: f.optString('reason'),
      // `evidence_due_by` is the pre-2014 name of evidence_details.due_by.
      evidenceDueBy: dueBy ?? f.optInt('evidence_due_by'),
    },
  };
};

export const contextOf = (event: StoredEvent): EventContext => {
  const m = fieldsOf(event.metadata as unknown as Json, `event ${event.id} metadata`);
  return {
    created: m.int('created'),
    stripeEventId: m.string('stripe_event_id'),
    livemode: m.optBool('livemode') ?? false,
    accountId: m.optString('account'),
    refundsReleases: event.type !== IMPORTED && (m.optString('api_version') ?? '') < BASIL,
  };
};

export const objectOf = (event: StoredEvent): Json => {
  const object = (event.data as { object?: unknown }).object;
  if (!isRecord(object)) throw new Error(`event ${event.id} (${event.type}) has no data.object`);
  return object;
};

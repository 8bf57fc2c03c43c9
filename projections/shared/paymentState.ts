import type { StoredEvent } from '../../src/eventstore/port.js';
import { carriedBy, type Carried } from './carried.js';
import {
  compareKeys,
  eitherLive,
  greatest,
  joinFact,
  joinNullable,
  joinOptional,
  joinRecords,
  recordOf,
  maxByKey,
  type Key,
} from './lattice.js';
import type { ChargeStatus, DisputeStatus, PaymentIntentStatus, RefundStatus } from './ranks.js';
import type { ChargeSnapshot, PaymentIntentSnapshot, Ranked } from './stripeObjects.js';
import { provesSuccess } from './paymentRow.js';

/**
 * The compact fold state of one payment: only what its rows need, never whole Stripe objects. Every
 * field is a join-semilattice (freshest-by-key, max, or), so `merge` is commutative, associative and
 * idempotent and `evolve` (= merge with the event's own state) ignores order and duplicates.
 * Stored as jsonb: changing its shape needs a rebuild of the projections that keep it.
 */
export type PaymentState = {
  paymentIntent: PaymentIntentState | null;
  charges: Record<string, ChargeState>;
  refunds: Record<string, RefundEntry>;
  disputes: Record<string, DisputeEntry>;
  /** Freshness key [created, rank, stripe event id] of the freshest event applied. */
  latest: Key;
  /**
   * When the payment first succeeded (unix seconds): the earliest `created` of the Stripe events that
   * say so as it happens (a payment intent event showing it succeeded, charge.succeeded or
   * charge.captured of a captured charge), whatever order they arrived in; null until one does. Absent
   * from states stored before migration 0055: read as null.
   */
  paidAt?: number | null;
  /** The same proven only by imported snapshots, which say that a payment succeeded but not when: the
   * time of their succeeded charge (an imported payment intent alone: importedIntentPaidAt). */
  importedPaidAt?: number | null;
  /** The same proven only by later events that show a succeeded charge (charge.refunded, charge.updated):
   * the payment had succeeded by then, at the latest. Used, like importedPaidAt, only while no event of
   * the success itself is known, and then the earlier of the two. */
  impliedPaidAt?: number | null;
  /** Proven only by an imported payment intent whose charge the snapshot does not embed (API
   * 2022-11-15 on): its `created`, which can be days before it was paid (an invoice's). Used only while
   * nothing above is known. Absent from states stored before it existed. */
  importedIntentPaidAt?: number | null;
};

export type PaymentIntentState = {
  status: Ranked<PaymentIntentStatus>;
  snapshot: PaymentIntentSnapshot;
  amountReceived: number;
  /** payment_intent.payment_failed or a last_payment_error was seen. */
  attemptFailed: boolean;
};

export type ChargeState = {
  status: Ranked<ChargeStatus>;
  snapshot: ChargeSnapshot;
  captured: boolean;
  released: boolean;
  attemptFailed: boolean;
  amountCaptured: number;
  amountRefunded: number;
  /** See ChargeFacts.releasedAtCapture; absent from states stored before it existed (read as 0). */
  releasedAtCapture?: number;
  /** When the charge's amount_refunded reached each amount: [amount, event created] pairs, times and
   * amounts both rising (a staircase; the join keeps the pairs no other pair beats on both). The days
   * of refunds Stripe sent no object for. Absent from states stored before it existed. */
  refundSteps?: readonly RefundStep[];
};

export type RefundStep = readonly [amount: number, at: number];

export type RefundEntry = {
  status: Ranked<RefundStatus>;
  amount: number;
  chargeId: string | null;
  /** The refund's own `created`, currency and mode; absent from states stored before they existed. */
  created?: number;
  currency?: string;
  livemode?: boolean;
};
export type DisputeEntry = { status: Ranked<DisputeStatus>; created: number };

/** The identity of merge. */
export const EMPTY: PaymentState = {
  paymentIntent: null,
  charges: {},
  refunds: {},
  disputes: {},
  latest: [],
  paidAt: null,
  importedPaidAt: null,
  impliedPaidAt: null,
  importedIntentPaidAt: null,
};

const joinPaymentIntent = (a: PaymentIntentState, b: PaymentIntentState): PaymentIntentState => ({
  status: maxByKey(a.status, b.status),
  snapshot: maxByKey(a.snapshot, b.snapshot),
  amountReceived: Math.max(a.amountReceived, b.amountReceived),
  attemptFailed: a.attemptFailed || b.attemptFailed,
});

const joinCharge = (a: ChargeState, b: ChargeState): ChargeState => ({
  status: maxByKey(a.status, b.status),
  snapshot: maxByKey(a.snapshot, b.snapshot),
  captured: a.captured || b.captured,
  released: a.released || b.released,
  attemptFailed: a.attemptFailed || b.attemptFailed,
  amountCaptured: Math.max(a.amountCaptured, b.amountCaptured),
  amountRefunded: Math.max(a.amountRefunded, b.amountRefunded),
  releasedAtCapture: Math.max(a.releasedAtCapture ?? 0, b.releasedAtCapture ?? 0),
  refundSteps: joinSteps(refundStepsOf(a), refundStepsOf(b)),
});

/**
 * A charge's staircase, reaching its amount_refunded. A state stored before staircases existed has
 * only the amount (and one an earlier version joined with a newer state may have steps short of it):
 * what the steps miss is read as reached at its freshest snapshot's time, so a join with another
 * event's steps keeps it. (Read as no steps, an older event redelivered after an upgrade lowered the
 * payment's amount_refunded to its own.)
 */
export const refundStepsOf = (charge: ChargeState): readonly RefundStep[] => {
  const steps = charge.refundSteps ?? NO_STEPS;
  // A staircase rises: its last step is its largest.
  if ((steps.at(-1)?.[0] ?? 0) >= charge.amountRefunded) return steps;
  return joinSteps(steps, [[charge.amountRefunded, Number(charge.snapshot.key[0])]]);
};
const NO_STEPS: readonly RefundStep[] = [];

/** The staircase of both: each amount at the earliest time either saw it or more. */
export const joinSteps = (a: readonly RefundStep[], b: readonly RefundStep[]): readonly RefundStep[] => {
  // States are never mutated once folded: an unchanged staircase is shared, not copied.
  if (b.length === 0 || a === b) return a;
  if (a.length === 0) return b;
  const all = [...a, ...b].sort((x, y) => x[1] - y[1] || y[0] - x[0]);
  const out: RefundStep[] = [];
  for (const step of all) if (step[0] > (out.at(-1)?.[0] ?? 0)) out.push(step);
  return out;
};

const joinRefund = (a: RefundEntry, b: RefundEntry): RefundEntry => ({
  status: maxByKey(a.status, b.status),
  amount: Math.max(a.amount, b.amount),
  chargeId: joinFact(a.chargeId, b.chargeId),
  created: joinOptional(a.created, b.created, Math.min),
  currency: joinOptional(a.currency, b.currency, greatest),
  livemode: joinOptional(a.livemode, b.livemode, eitherLive),
});

const joinDispute = (a: DisputeEntry, b: DisputeEntry): DisputeEntry => ({
  status: maxByKey(a.status, b.status),
  created: Math.max(a.created, b.created),
});

export const merge = (a: PaymentState, b: PaymentState): PaymentState => ({
  paymentIntent: joinNullable(a.paymentIntent, b.paymentIntent, joinPaymentIntent),
  charges: joinRecords(a.charges, b.charges, joinCharge),
  refunds: joinRecords(a.refunds, b.refunds, joinRefund),
  disputes: joinRecords(a.disputes, b.disputes, joinDispute),
  latest: compareKeys(a.latest, b.latest) >= 0 ? a.latest : b.latest,
  paidAt: earliest(a.paidAt ?? null, b.paidAt ?? null),
  importedPaidAt: earliest(a.importedPaidAt ?? null, b.importedPaidAt ?? null),
  impliedPaidAt: earliest(a.impliedPaidAt ?? null, b.impliedPaidAt ?? null),
  importedIntentPaidAt: earliest(a.importedIntentPaidAt ?? null, b.importedIntentPaidAt ?? null),
});

const earliest = (a: number | null, b: number | null): number | null => joinNullable(a, b, Math.min);

/** The time an imported snapshot proving success stands for: its succeeded, captured charge's `created`
 * (a snapshot is read long after; when it was read says nothing); null when it holds no such charge. */
const importedChargeAt = (c: Carried): number | null => {
  const charged = c.charges
    .filter(({ facts }) => facts.captured && facts.status.status === 'succeeded')
    .map(({ facts }) => facts.snapshot.created);
  return charged.length > 0 ? Math.min(...charged) : null;
};

/** Whether an event proving success is the success itself, dated when it happened: a payment intent
 * event showing the intent succeeded, or a charge's success or capture. A later charge.refunded or
 * charge.updated shows the succeeded charge too, but days after. */
const isTheSuccess = (c: Carried, type: string): boolean =>
  c.paymentIntent?.facts.status.status === 'succeeded' ||
  type === 'ChargeSucceeded' ||
  type === 'ChargeCaptured';

/** When a charge showed its amount_refunded: the event's time; an imported snapshot was read long
 * after, so the charge's own `created`, the earliest it can have been. */
const refundedBy = (c: Carried, charge: ChargeSnapshot): number =>
  c.snapshot ? charge.created : c.context.created;

/** The state of a payment that saw only this event. */
const stateOf = (c: Carried, type: string): PaymentState => {
  const state = statusStateOf(c, type);
  // Set on the object just built, before anyone holds it.
  if (provesSuccess(state)) {
    if (c.snapshot) {
      const charged = importedChargeAt(c);
      if (charged !== null) state.importedPaidAt = charged;
      else state.importedIntentPaidAt = c.paymentIntent?.facts.snapshot.created ?? null;
    } else if (isTheSuccess(c, type)) state.paidAt = c.context.created;
    else state.impliedPaidAt = c.context.created;
  }
  return state;
};

const statusStateOf = (c: Carried, type: string): PaymentState => {
  const pi = c.paymentIntent?.facts;
  const main =
    pi?.snapshot ??
    c.charges[0]?.facts.snapshot ??
    c.refunds[0]?.facts.snapshot ??
    c.disputes[0]?.facts.snapshot;
  return {
    paymentIntent: pi
      ? {
          status: pi.status,
          snapshot: pi.snapshot,
          amountReceived: pi.amountReceived,
          attemptFailed: pi.hasPaymentError || type === 'PaymentFailed',
        }
      : null,
    // Keys in the order joinCharge writes them: states are stored as text, and the same state must
    // give the same text whichever way it was reached, so a batch applied again changes no row.
    charges: recordOf(
      c.charges.map(({ id, facts, failedAttempt }) => [
        id,
        {
          status: facts.status,
          snapshot: facts.snapshot,
          captured: facts.captured,
          released: facts.released,
          attemptFailed: failedAttempt,
          amountCaptured: facts.amountCaptured,
          amountRefunded: facts.amountRefunded,
          releasedAtCapture: facts.releasedAtCapture,
          refundSteps:
            facts.amountRefunded > 0 ? [[facts.amountRefunded, refundedBy(c, facts.snapshot)]] : [],
        },
      ]),
    ),
    refunds: recordOf(
      c.refunds.map(({ id, facts }) => [
        id,
        {
          status: facts.status,
          amount: facts.snapshot.amount,
          chargeId: facts.snapshot.chargeId,
          created: facts.snapshot.created,
          currency: facts.snapshot.currency,
          livemode: c.context.livemode,
        },
      ]),
    ),
    disputes: recordOf(
      c.disputes.map(({ id, facts }) => [id, { status: facts.status, created: facts.snapshot.created }]),
    ),
    latest: main?.key ?? [],
    paidAt: null,
    importedPaidAt: null,
    impliedPaidAt: null,
    importedIntentPaidAt: null,
  };
};

/** Folds one stored event into a payment's state. StripeEventUnmodelled leaves it as it is. */
export const evolve = (state: PaymentState | undefined, event: StoredEvent): PaymentState => {
  const carried = carriedBy(event);
  const before = state ?? EMPTY;
  return carried === null ? before : merge(before, stateOf(carried, event.type));
};

import { compareKeys } from './lattice.js';
import type { ChargeState, PaymentState } from './paymentState.js';
import { refundedAmounts } from './refundedDays.js';
import { PAYMENT_INTENT_RANKS, type PaymentIntentStatus } from './ranks.js';
import { ownValue } from '../../src/domain/ownRecord.js';

export type PaymentStatus =
  | 'pending'
  | 'failed'
  | 'requires_action'
  | 'processing'
  | 'authorized'
  | 'paid'
  | 'partially_refunded'
  | 'refunded'
  | 'canceled';

/** A ledger.payments row (SPEC section 5); times are ISO-8601 strings. */
export type PaymentRow = {
  payment_id: string;
  livemode: boolean;
  account_id: string | null;
  order_id: string | null;
  customer_id: string | null;
  currency: string;
  amount: number;
  amount_received: number;
  amount_refunded: number;
  status: PaymentIntentStatus;
  payment_status: PaymentStatus;
  dispute_status: string | null;
  latest_charge_id: string | null;
  failure_code: string | null;
  failure_message: string | null;
  created_at: string;
  /** When the payment first succeeded, whatever order its events arrived in (the daily report's day). */
  paid_at: string | null;
  updated_at: string;
  last_stripe_event_id: string;
};

/** The days whose `YYYY-MM-DDT` was worked out (bounded: a catch-up spans a few thousand). */
const dayPrefixes = new Map<number, string>();
const twoDigits = (n: number) => (n < 10 ? `0${n}` : String(n));

/**
 * A unix time in seconds as ISO-8601 (what `Date#toISOString` gives), for every timestamp of every row
 * written. toISOString took about 1 µs a call, several calls an event; the date part is taken from it
 * once per day and the time of day is formatted here (0.1 µs). Fractional seconds go the long way.
 */
export const isoOf = (unixSeconds: number): string => {
  if (!Number.isInteger(unixSeconds)) return new Date(unixSeconds * 1000).toISOString();
  const day = Math.floor(unixSeconds / 86_400);
  let prefix = dayPrefixes.get(day);
  if (prefix === undefined) {
    if (dayPrefixes.size >= 4096) dayPrefixes.clear();
    prefix = new Date(day * 86_400_000).toISOString().slice(0, 11);
    dayPrefixes.set(day, prefix);
  }
  const second = unixSeconds - day * 86_400;
  const hours = Math.floor(second / 3600);
  const minutes = Math.floor((second % 3600) / 60);
  return `${prefix}${twoDigits(hours)}:${twoDigits(minutes)}:${twoDigits(second % 60)}.000Z`;
};

/** A time in milliseconds (a Date's) as ISO-8601, the same way. */
export const isoOfMillis = (millis: number): string => {
  if (!Number.isInteger(millis)) return new Date(millis).toISOString();
  const seconds = Math.floor(millis / 1000);
  return `${isoOf(seconds).slice(0, 20)}${String(millis - seconds * 1000).padStart(3, '0')}Z`;
};

type Charge = [id: string, charge: ChargeState];
const newest = (charges: Charge[]): Charge | undefined =>
  charges.reduce<Charge | undefined>(
    (best, c) =>
      best === undefined ||
      compareKeys([c[1].snapshot.created, c[0]], [best[1].snapshot.created, best[0]]) > 0
        ? c
        : best,
    undefined,
  );

const isAuthorised = (c: ChargeState) => c.status.status === 'succeeded' && !c.released;

/** What the charges alone say. A captured succeeded charge proves the payment succeeded, an
 * uncaptured one that it was authorised, whatever payment intent events were missed or reordered. */
const statusFromCharges = (charges: ChargeState[]): PaymentIntentStatus => {
  if (charges.some((c) => isAuthorised(c) && c.captured)) return 'succeeded';
  if (charges.some(isAuthorised)) return 'requires_capture';
  if (charges.some((c) => c.status.status === 'pending')) return 'processing';
  if (charges.some((c) => c.released)) return 'canceled';
  return 'requires_payment_method';
};

const effectiveStatus = (state: PaymentState, charges: ChargeState[]): PaymentIntentStatus => {
  const fromCharges = statusFromCharges(charges);
  const pi = state.paymentIntent?.status.status;
  if (pi === undefined) return fromCharges;
  const floor = fromCharges === 'succeeded' || fromCharges === 'requires_capture' ? fromCharges : null;
  return floor !== null && PAYMENT_INTENT_RANKS[floor].tier > PAYMENT_INTENT_RANKS[pi].tier ? floor : pi;
};

/** Whether a state says its payment succeeded: a paid, partially refunded or refunded payment_status. */
export const provesSuccess = (state: PaymentState): boolean =>
  effectiveStatus(state, Object.values(state.charges)) === 'succeeded';

/** SPEC rule 3: what refundedAmounts (refundedDays.ts) dates, summed. */
const amountRefunded = (state: PaymentState): number =>
  refundedAmounts(state).reduce((sum, refunded) => sum + refunded.amount, 0);

const paymentStatusOf = (
  status: PaymentIntentStatus,
  attemptFailed: boolean,
  received: number,
  refunded: number,
): PaymentStatus => {
  switch (status) {
    case 'succeeded':
      if (refunded > 0 && refunded >= received) return 'refunded';
      return refunded > 0 ? 'partially_refunded' : 'paid';
    case 'canceled':
      return 'canceled';
    case 'requires_capture':
      return 'authorized';
    case 'processing':
    case 'requires_action':
      return status;
    case 'requires_payment_method':
    case 'requires_confirmation':
      return attemptFailed ? 'failed' : 'pending';
    default: {
      const unhandled: never = status;
      throw new Error(`unhandled payment intent status ${String(unhandled)}`);
    }
  }
};

const latestDisputeStatus = (state: PaymentState): string | null => {
  const disputes = Object.entries(state.disputes).sort(([a, x], [b, y]) =>
    compareKeys([x.created, a], [y.created, b]),
  );
  return disputes.at(-1)?.[1].status.status ?? null;
};

/** What the payment status of a state rests on; null while it holds only refunds or disputes. */
const statusOf = (paymentId: string, state: PaymentState) => {
  const charges = Object.entries(state.charges);
  const own = ownValue(state.charges, paymentId);
  const primaryCharge = own ? ([paymentId, own] as Charge) : newest(charges);
  const snapshot = state.paymentIntent?.snapshot ?? primaryCharge?.[1].snapshot;
  if (snapshot === undefined) return null;
  const chargeStates = charges.map(([, c]) => c);
  const status = effectiveStatus(state, chargeStates);
  const attemptFailed =
    (state.paymentIntent?.attemptFailed ?? false) || chargeStates.some((c) => c.attemptFailed);
  const captured = chargeStates.filter((c) => isAuthorised(c) && c.captured);
  const received = Math.max(
    state.paymentIntent?.amountReceived ?? 0,
    captured.reduce((sum, c) => sum + c.amountCaptured, 0),
  );
  const refunded = amountRefunded(state);
  const paymentStatus = paymentStatusOf(status, attemptFailed, received, refunded);
  return { charges, snapshot, status, received, refunded, paymentStatus };
};

// States are never mutated and a batch's folded states are shared by payments, orders and history:
// each state's row is computed once.
const computed = new WeakMap<PaymentState, { paymentId: string; row: PaymentRow | null }>();

/** The payments row of a state; null while it holds only refunds or disputes (waiting for its link). */
export const paymentRow = (paymentId: string, state: PaymentState): PaymentRow | null => {
  const known = computed.get(state);
  if (known?.paymentId === paymentId) return known.row;
  const row = rowOf(paymentId, state);
  computed.set(state, { paymentId, row });
  return row;
};

const rowOf = (paymentId: string, state: PaymentState): PaymentRow | null => {
  const of = statusOf(paymentId, state);
  if (of === null) return null;
  const { charges, snapshot, status, received, refunded, paymentStatus } = of;
  const failedCharge =
    paymentStatus === 'failed' ? newest(charges.filter(([, c]) => c.attemptFailed)) : undefined;
  const failure =
    snapshot.failureCode !== null || snapshot.failureMessage !== null ? snapshot : failedCharge?.[1].snapshot;
  return {
    payment_id: paymentId,
    livemode: snapshot.livemode,
    account_id: snapshot.accountId,
    order_id: snapshot.orderId,
    customer_id: snapshot.customerId,
    currency: snapshot.currency,
    amount: snapshot.amount,
    amount_received: received,
    amount_refunded: refunded,
    status,
    payment_status: paymentStatus,
    dispute_status: latestDisputeStatus(state),
    latest_charge_id: state.paymentIntent?.snapshot.latestChargeId ?? newest(charges)?.[0] ?? null,
    failure_code: failure?.failureCode ?? null,
    failure_message: failure?.failureMessage ?? null,
    created_at: isoOf(snapshot.created),
    paid_at: paidAtOf(state),
    updated_at: isoOf(Number(state.latest[0])),
    last_stripe_event_id: String(state.latest[2]),
  };
};

const paidAtOf = (state: PaymentState): string | null => {
  const estimates = [state.importedPaidAt, state.impliedPaidAt].filter((at): at is number => at != null);
  const at =
    state.paidAt ?? (estimates.length > 0 ? Math.min(...estimates) : (state.importedIntentPaidAt ?? null));
  return at === null ? null : isoOf(at);
};

/** The columns of paymentRow a history row takes, computed alone (the rest costs as much again). */
export const paymentStatusRow = (
  paymentId: string,
  state: PaymentState,
): Pick<PaymentRow, 'order_id' | 'payment_status'> | null => {
  const known = computed.get(state);
  if (known?.paymentId === paymentId) return known.row;
  const of = statusOf(paymentId, state);
  return of === null ? null : { order_id: of.snapshot.orderId, payment_status: of.paymentStatus };
};

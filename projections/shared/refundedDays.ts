import { compareKeys } from './lattice.js';
import { refundStepsOf, type ChargeState, type PaymentState, type RefundEntry } from './paymentState.js';

/** An amount refunded to the customer at a time (unix seconds), in a currency and mode. */
export type RefundedAmount = {
  at: number;
  amount: number;
  currency: string | null;
  livemode: boolean | null;
};

const isLive = (refund: RefundEntry) =>
  refund.status.status === 'pending' || refund.status.status === 'succeeded';

/** A refund's own time; a state stored before refunds kept it has its freshest snapshot's instead. */
const createdOf = (refund: RefundEntry): number => refund.created ?? Number(refund.status.key[1]);

const liveAmounts = (refunds: readonly RefundEntry[], charge?: ChargeState): RefundedAmount[] =>
  refunds.filter(isLive).map((refund) => ({
    at: createdOf(refund),
    amount: refund.amount,
    currency: refund.currency ?? charge?.snapshot.currency ?? null,
    livemode: refund.livemode ?? charge?.snapshot.livemode ?? null,
  }));

/**
 * The refunds Stripe sent no object for, dated: the charge's amount_refunded as it rose (its steps)
 * less the refund objects delivered for it by then, of any status, counted as it first rises past what
 * they explain; `total` caps it (the latest part goes first).
 */
const undeliveredAmounts = (charge: ChargeState, delivered: readonly RefundEntry[], total: number) => {
  if (total <= 0) return [];
  const steps = refundStepsOf(charge);
  const objects = delivered.map((refund) => [createdOf(refund), refund.amount] as const);
  const times = [...new Set([...steps.map(([, at]) => at), ...objects.map(([at]) => at)])].sort(
    (a, b) => a - b,
  );
  const out: { at: number; amount: number }[] = [];
  let explained = 0;
  for (const time of times) {
    const shown = Math.max(0, ...steps.filter(([, at]) => at <= time).map(([amount]) => amount));
    const objectsBy = objects.filter(([at]) => at <= time).reduce((sum, [, amount]) => sum + amount, 0);
    const unexplained = Math.min(total, shown - objectsBy);
    if (unexplained > explained) {
      out.push({ at: time, amount: unexplained - explained });
      explained = unexplained;
    }
  }
  return out.map(({ at, amount }) => ({
    at,
    amount,
    currency: charge.snapshot.currency,
    livemode: charge.snapshot.livemode,
  }));
};

/** Takes `amount` off the earliest entries (what a partial capture gave back came first). */
const withoutEarliest = (entries: RefundedAmount[], amount: number): RefundedAmount[] => {
  let left = amount;
  const out: RefundedAmount[] = [];
  for (const entry of [...entries].sort((a, b) => a.at - b.at)) {
    const taken = Math.min(left, entry.amount);
    left -= taken;
    if (entry.amount > taken) out.push({ ...entry, amount: entry.amount - taken });
  }
  return out;
};

/**
 * What a payment refunded to its customer, dated: SPEC rule 3 charge by charge, so the amounts add up
 * to the payments row's amount_refunded. A charge's pending or succeeded refunds at their `created`, and
 * what its own (cumulative, largest seen) amount_refunded counts beyond the refund objects delivered for
 * it, of any status (a refund that failed was taken back out of it): refunds no object was delivered
 * for (API >= 2022-11-15 embeds none; until 2024-10-28 Stripe sent refund events only for refunds that
 * changed after charge.refunded), at the time the charge first showed them. What went back to no
 * customer is not counted: before API 2025-03-31 a cancelled authorisation (the refunds of a charge
 * never captured) and the uncaptured part of a partial capture (taken off the earliest) were Refunds
 * too. A refund object naming no charge is counted against the payment's only charge; one of a charge
 * not known yet counts as it is.
 */
export const refundedAmounts = (state: PaymentState): readonly RefundedAmount[] => {
  let known = computed.get(state);
  if (known === undefined) computed.set(state, (known = amountsOf(state)));
  return known;
};

// States are never mutated once folded, and payments asks twice per state (its row, its days).
const computed = new WeakMap<PaymentState, readonly RefundedAmount[]>();
const NONE: readonly RefundedAmount[] = [];

const refundsNothing = (state: PaymentState): boolean => {
  for (const _ in state.refunds) return false;
  for (const id in state.charges) if (state.charges[id]!.amountRefunded > 0) return false;
  return true;
};

const amountsOf = (state: PaymentState): readonly RefundedAmount[] => {
  // Most states of a log have no refund yet: nothing to date.
  if (refundsNothing(state)) return NONE;
  const charges = Object.entries(state.charges);
  const onlyCharge = charges.length === 1 ? charges[0]![0] : null;
  const byCharge = new Map<string | null, RefundEntry[]>();
  for (const refund of Object.values(state.refunds)) {
    const charge = refund.chargeId ?? onlyCharge;
    const ofCharge = byCharge.get(charge);
    if (ofCharge) ofCharge.push(refund);
    else byCharge.set(charge, [refund]);
  }
  const out: RefundedAmount[] = [];
  for (const [id, charge] of charges) {
    const refunds = byCharge.get(id) ?? [];
    byCharge.delete(id);
    // Refunds of a charge never captured only gave an authorisation back.
    if (!charge.captured) continue;
    const delivered = refunds.reduce((sum, r) => sum + r.amount, 0);
    const undelivered = undeliveredAmounts(charge, refunds, Math.max(0, charge.amountRefunded - delivered));
    out.push(
      ...withoutEarliest([...liveAmounts(refunds, charge), ...undelivered], charge.releasedAtCapture ?? 0),
    );
  }
  for (const refunds of byCharge.values()) out.push(...liveAmounts(refunds));
  return out;
};

const utcDay = (at: number): string => new Date(at * 1000).toISOString().slice(0, 10);

/** [day, livemode, currency, amount] per UTC day, mode and currency, in that order: what the daily
 * report's `refunded` sums (ledger.refunded_by_day). An amount whose currency no stored state kept is
 * left out (states stored before refunds kept theirs: a rebuild of payments gives it). */
export type RefundedDay = [day: string, livemode: boolean | null, currency: string, amount: number];

export const refundedDays = (amounts: readonly RefundedAmount[], livemode: boolean | null): RefundedDay[] => {
  const days = new Map<string, RefundedDay>();
  for (const entry of amounts) {
    if (entry.currency === null || entry.amount <= 0) continue;
    const mode = livemode ?? entry.livemode;
    const day = utcDay(entry.at);
    const key = `${day} ${String(mode)} ${entry.currency}`;
    const known = days.get(key);
    if (known) known[3] += entry.amount;
    else days.set(key, [day, mode, entry.currency, entry.amount]);
  }
  return [...days.values()].sort((a, b) =>
    compareKeys([a[0], a[2], String(a[1])], [b[0], b[2], String(b[1])]),
  );
};

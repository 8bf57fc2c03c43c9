import { reconcilePayout } from '../domain/balanceTransactions.js';
import { PAYOUT_RECONCILED, payoutStream } from '../domain/moneyEvents.js';
import { coverageOf, joinCoverage, type ListingCoverage } from '../domain/payoutParts.js';
import { unstorableText } from '../domain/storableText.js';
import type { EventStore, StoredEvent } from '../eventstore/port.js';
import type { Scope, StripeApi, StripeObject } from '../stripe/stripeApi.js';
import { appendRecorded } from './appendRecorded.js';
import { eachAtMost } from './eachAtMost.js';

/** A paid payout can still fail for a few business days: payouts this recent are looked at again. */
export const PAYOUT_SETTLING_SECONDS = 10 * 86_400;

/** Payouts whose transactions are listed at the same time (each listing is its own chain of pages). */
export const PAYOUTS_AT_ONCE = 4;

export type PayoutsResult = {
  seen: number;
  reconciled: number;
  invalid: string[];
  nextFrom: number | null;
};

const isFinal = (status: unknown) => status === 'paid' || status === 'failed' || status === 'canceled';

/**
 * Payouts created since `from`; for each paid automatic payout not wholly reconciled in the log yet,
 * every balance transaction it paid out (`GET /v1/balance_transactions?payout=`, its own included),
 * recorded as PayoutReconciled parts under a size budget (src/domain/payoutParts.ts). A pass stopped
 * between parts leaves the payout not wholly reconciled, so the next one lists it again and appends
 * the parts it lacks (those it has are duplicates by event id). Manual payouts have no such listing
 * (Stripe lists transactions by payout only for automatic ones). Up to PAYOUTS_AT_ONCE payouts of a
 * page are reconciled at a time, under the client's one rate limit. A payout or transaction holding
 * text PostgreSQL cannot store is refused (`invalid`), not appended. `checkStillHolding` throws when the
 * pass must stop: checked at every page and before every append.
 */
export const reconcilePayouts = async (deps: {
  stripe: StripeApi;
  store: Pick<EventStore, 'appendMany' | 'readStream'>;
  scope: Scope;
  livemode: boolean;
  from: number | null;
  now: () => Date;
  checkStillHolding?: () => void;
}): Promise<PayoutsResult> => {
  const checkStillHolding = deps.checkStillHolding ?? (() => undefined);
  const result: PayoutsResult = { seen: 0, reconciled: 0, invalid: [], nextFrom: null };
  let oldestOpen: number | null = null;
  let newest: number | null = null;
  const params = { limit: 100, ...(deps.from !== null && { created: { gte: deps.from } }) };
  const reconcile = async (payout: StripeObject) => {
    if (await alreadyReconciled(deps.store, payout.id)) return;
    const transactions: StripeObject[] = [];
    for await (const listed of deps.stripe.pages(
      'balance_transactions',
      { payout: payout.id, limit: 100 },
      deps.scope,
    )) {
      checkStillHolding();
      transactions.push(...listed.data);
    }
    const unstorable = [payout, ...transactions]
      .map((object) => ({ id: object.id, found: unstorableText(object) }))
      .find(({ found }) => found !== null);
    if (unstorable !== undefined) {
      result.invalid.push(`${payout.id}: ${String(unstorable.id)} contains ${unstorable.found!.message}`);
      return;
    }
    const context = { account: deps.scope.account, livemode: deps.livemode, recordedAt: deps.now() };
    const outcome = reconcilePayout(payout, transactions, context);
    if (outcome.kind === 'invalid') {
      result.invalid.push(`${payout.id}: ${outcome.message}`);
      return;
    }
    checkStillHolding();
    await appendRecorded(deps.store, outcome.parts);
    result.reconciled += 1;
  };
  for await (const page of deps.stripe.pages('payouts', params, deps.scope)) {
    checkStillHolding();
    for (const payout of page.data) {
      result.seen += 1;
      newest = Math.max(newest ?? payout.created, payout.created);
      if (!isFinal(payout.status)) oldestOpen = Math.min(oldestOpen ?? payout.created, payout.created);
    }
    const paid = page.data.filter((p) => p.status === 'paid' && p.automatic !== false);
    await eachAtMost(PAYOUTS_AT_ONCE, paid, reconcile);
  }
  const settling = newest === null ? null : newest - PAYOUT_SETTLING_SECONDS;
  const candidates = [oldestOpen, settling].filter((t): t is number => t !== null);
  result.nextFrom = candidates.length > 0 ? Math.min(...candidates) : deps.from;
  return result;
};

const isReconciliation = (
  event: StoredEvent,
): event is Extract<StoredEvent, { type: typeof PAYOUT_RECONCILED }> => event.type === PAYOUT_RECONCILED;

/** Whether the payout's stream holds every part of one reconciliation (as the payouts fold counts it). */
const alreadyReconciled = async (store: Pick<EventStore, 'readStream'>, payoutId: string) => {
  const coverage = (await store.readStream(payoutStream(payoutId)))
    .filter(isReconciliation)
    .map((event): ListingCoverage => {
      const ids = (Array.isArray(event.data.transactions) ? event.data.transactions : []).map((bt) => bt.id);
      return coverageOf(event.id, event.data.reconciliation, ids);
    })
    .reduce<ListingCoverage | null>((a, b) => (a === null ? b : joinCoverage(a, b)), null);
  return coverage?.whole === true;
};

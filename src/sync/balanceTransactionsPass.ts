import {
  balanceTransactionKeys,
  chargeOfBalanceTransaction,
  recordBalanceTransaction,
} from '../domain/balanceTransactions.js';
import type { EventStore } from '../eventstore/port.js';
import type { Scope, StripeApi } from '../stripe/stripeApi.js';
import { appendRecorded } from './appendRecorded.js';

/** Re-read this far before the cursor: Stripe's `created` has one-second resolution and clocks differ. */
export const OVERLAP_SECONDS = 3_600;

export type BalanceTransactionsResult = {
  seen: number;
  appended: number;
  /** Transactions Stripe sent that the ledger cannot record (named, with the reason). */
  invalid: string[];
  /** Where the next pass starts: the oldest transaction still pending, else the newest seen. */
  nextFrom: number | null;
};

const linksOf = async (
  store: Pick<EventStore, 'paymentOfCharge' | 'paymentsOfCharges'>,
  charges: string[],
) => {
  if (charges.length === 0) return new Map<string, string>();
  if (store.paymentsOfCharges) return store.paymentsOfCharges(charges);
  const found = new Map<string, string>();
  for (const charge of charges) {
    const payment = await store.paymentOfCharge(charge);
    if (payment !== null) found.set(charge, payment);
  }
  return found;
};

/**
 * Every balance transaction of an account created since `from` (all of them when null; Stripe keeps
 * them forever), page by page, sources expanded so each is filed under its payment: recorded as
 * BalanceTransactionRecorded, one durable append per page. A transaction seen in the same status
 * before is a duplicate and changes nothing; one that moved to available is a new fact.
 */
export const syncBalanceTransactions = async (deps: {
  stripe: StripeApi;
  store: Pick<EventStore, 'appendMany' | 'paymentOfCharge' | 'paymentsOfCharges'>;
  scope: Scope;
  livemode: boolean;
  from: number | null;
  now: () => Date;
}): Promise<BalanceTransactionsResult> => {
  const result: BalanceTransactionsResult = { seen: 0, appended: 0, invalid: [], nextFrom: null };
  let oldestPending: number | null = null;
  let newest: number | null = null;
  const params = {
    limit: 100,
    expand: ['data.source'],
    ...(deps.from !== null && { created: { gte: deps.from - OVERLAP_SECONDS } }),
  };
  for await (const page of deps.stripe.pages('balance_transactions', params, deps.scope)) {
    const charges = page.data
      .map((bt) => chargeOfBalanceTransaction(balanceTransactionKeys(bt)))
      .filter((c): c is string => c !== null);
    const links = await linksOf(deps.store, [...new Set(charges)]);
    const context = { account: deps.scope.account, livemode: deps.livemode, recordedAt: deps.now() };
    const recorded = page.data.flatMap((bt) => {
      const charge = chargeOfBalanceTransaction(balanceTransactionKeys(bt));
      const outcome = recordBalanceTransaction(
        bt,
        charge === null ? null : (links.get(charge) ?? null),
        context,
      );
      if (outcome.kind === 'invalid') {
        result.invalid.push(`${String(bt.id)}: ${outcome.message}`);
        return [];
      }
      return [outcome];
    });
    result.appended += (await appendRecorded(deps.store, recorded)).appended;
    for (const bt of page.data) {
      result.seen += 1;
      newest = Math.max(newest ?? bt.created, bt.created);
      if (bt.status === 'pending') oldestPending = Math.min(oldestPending ?? bt.created, bt.created);
    }
  }
  result.nextFrom = oldestPending ?? newest ?? deps.from;
  return result;
};

import {
  balanceTransactionKeys,
  chargeOfBalanceTransaction,
  recordBalanceTransaction,
} from '../domain/balanceTransactions.js';
import { knownLinks } from '../eventstore/chargeLinks.js';
import type { EventStore } from '../eventstore/port.js';
import type { Scope, StripeApi, StripeObject } from '../stripe/stripeApi.js';
import { appendRecorded } from './appendRecorded.js';
import { overlapped } from './overlapped.js';

/** Re-read this far before the cursor: Stripe's `created` has one-second resolution and clocks differ. */
export const OVERLAP_SECONDS = 3_600;

/** Pages (of Stripe's 100 at most) recorded in one durable append: one commit per 1,000 transactions
 * rather than per 100, and the next pages are read while it commits. */
export const PAGES_PER_APPEND = 10;

export type BalanceTransactionsResult = {
  seen: number;
  appended: number;
  /** Transactions Stripe sent that the ledger cannot record (named, with the reason). */
  invalid: string[];
  /** Where the next pass starts: the oldest transaction still pending, else the newest seen. */
  nextFrom: number | null;
};

type Store = Pick<EventStore, 'appendMany' | 'paymentOfCharge' | 'paymentsOfCharges'>;

/**
 * Every balance transaction of an account created since `from` (all of them when null; Stripe keeps
 * them forever), page by page, sources expanded so each is filed under its payment: recorded as
 * BalanceTransactionRecorded, `PAGES_PER_APPEND` pages to a durable append, written while the next
 * pages are read. A transaction seen in the same status before is a duplicate and changes nothing; one
 * that moved to available is a new fact. The caller moves its cursor only after this resolves, that is
 * after every append is durable.
 */
export const syncBalanceTransactions = async (deps: {
  stripe: StripeApi;
  store: Store;
  scope: Scope;
  livemode: boolean;
  from: number | null;
  now: () => Date;
}): Promise<BalanceTransactionsResult> => {
  const result: BalanceTransactionsResult = { seen: 0, appended: 0, invalid: [], nextFrom: null };
  let oldestPending: number | null = null;
  let newest: number | null = null;
  const record = async (transactions: StripeObject[]) => {
    const charges = transactions
      .map((bt) => chargeOfBalanceTransaction(balanceTransactionKeys(bt)))
      .filter((c): c is string => c !== null);
    const links = await knownLinks(deps.store, [...new Set(charges)]);
    const context = { account: deps.scope.account, livemode: deps.livemode, recordedAt: deps.now() };
    const recorded = transactions.flatMap((bt) => {
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
  };
  const appends = overlapped(record);
  const params = {
    limit: 100,
    expand: ['data.source'],
    ...(deps.from !== null && { created: { gte: deps.from - OVERLAP_SECONDS } }),
  };
  let batch: StripeObject[] = [];
  for await (const page of deps.stripe.pages('balance_transactions', params, deps.scope)) {
    for (const bt of page.data) {
      result.seen += 1;
      newest = Math.max(newest ?? bt.created, bt.created);
      if (bt.status === 'pending') oldestPending = Math.min(oldestPending ?? bt.created, bt.created);
    }
    batch.push(...page.data);
    if (batch.length >= PAGES_PER_APPEND * params.limit) {
      await appends.next(batch);
      batch = [];
    }
  }
  await appends.next(batch);
  await appends.drain();
  result.nextFrom = oldestPending ?? newest ?? deps.from;
  return result;
};

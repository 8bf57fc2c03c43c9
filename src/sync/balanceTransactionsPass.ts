import {
  balanceTransactionKeys,
  chargeOfBalanceTransaction,
  recordBalanceTransaction,
} from '../domain/balanceTransactions.js';
import { knownLinks } from '../eventstore/chargeLinks.js';
import type { EventStore } from '../eventstore/port.js';
import type { CreatedFilter, Scope, StripeApi, StripeObject } from '../stripe/stripeApi.js';
import { unstorableText } from '../domain/storableText.js';
import { appendRecorded } from './appendRecorded.js';
import type { PendingRange } from './cursors.js';
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
 * A listing stopped in the middle (the caller keeps it in stripe_sync_cursors). Stripe lists newest
 * first: every transaction created from `from` (null: the first ever) and after `below` is appended.
 * `to` is where the next listing starts once this one is done: the oldest of those still pending, else
 * the newest of them. The rest of the listing is older than both, so only a pending one among it can
 * move that start further back.
 */
export type StoppedListing = PendingRange;

const isPending = (bt: StripeObject) => bt.status === 'pending';

/** The unix seconds of a transaction, when it has them (an invalid one may not). */
const createdOf = (bt: StripeObject): number | null => (Number.isSafeInteger(bt.created) ? bt.created : null);

const min = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.min(a, b));
const max = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.max(a, b));

/**
 * Every balance transaction of an account created since `from` (all of them when null; Stripe keeps
 * them forever), or the rest of a listing a stopped pass left (`resume`), page by page, sources expanded
 * so each is filed under its payment: recorded as BalanceTransactionRecorded, `PAGES_PER_APPEND` pages
 * to a durable append, written while the next pages are read, and after each append `saveProgress` keeps
 * how far down the listing is done, so a pass killed on the last page resumes there. A transaction seen
 * in the same status before is a duplicate and changes nothing; one that moved to available is a new
 * fact; one holding text PostgreSQL cannot store is refused. `checkStillHolding` is asked at every page
 * and before every append: when it throws (the pass was stopped, or lost its lease) the listing stops
 * there, once the append under way is durable. The caller moves its cursor only after this resolves.
 */
export const syncBalanceTransactions = async (deps: {
  stripe: StripeApi;
  store: Store;
  scope: Scope;
  livemode: boolean;
  from: number | null;
  resume: StoppedListing | null;
  saveProgress: (listing: StoppedListing) => Promise<void>;
  checkStillHolding: () => void;
  now: () => Date;
}): Promise<BalanceTransactionsResult> => {
  const result: BalanceTransactionsResult = { seen: 0, appended: 0, invalid: [], nextFrom: null };
  const listFrom =
    deps.resume !== null ? deps.resume.from : deps.from === null ? null : deps.from - OVERLAP_SECONDS;
  // Over every transaction appended, those of the listing's stopped part included (`to`).
  let oldestPending: number | null = null;
  let newest: number | null = deps.resume?.to ?? null;
  const record = async (transactions: StripeObject[]) => {
    if (transactions.length === 0) return;
    deps.checkStillHolding();
    const charges = transactions
      .map((bt) => chargeOfBalanceTransaction(balanceTransactionKeys(bt)))
      .filter((c): c is string => c !== null);
    const links = await knownLinks(deps.store, [...new Set(charges)]);
    const context = { account: deps.scope.account, livemode: deps.livemode, recordedAt: deps.now() };
    const recorded = transactions.flatMap((bt) => {
      const unstorable = unstorableText(bt);
      if (unstorable !== null) {
        result.invalid.push(`${String(bt.id)}: the balance transaction contains ${unstorable.message}`);
        return [];
      }
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
    let below: number | null = null;
    for (const bt of transactions) {
      const created = createdOf(bt);
      newest = max(newest, created);
      below = min(below, created);
      if (isPending(bt)) oldestPending = min(oldestPending, created);
    }
    const to = oldestPending ?? newest;
    if (to !== null && below !== null) await deps.saveProgress({ from: listFrom, to, below });
  };
  const appends = overlapped(record);
  // A resumed listing reads only what is left, and the second at `below` again: one second's
  // transactions may straddle two pages (duplicates change nothing).
  const created: CreatedFilter = {};
  if (listFrom !== null) created.gte = listFrom;
  if (deps.resume !== null) created.lte = deps.resume.below;
  const params = {
    limit: 100,
    expand: ['data.source'],
    ...(Object.keys(created).length > 0 && { created }),
  };
  let batch: StripeObject[] = [];
  try {
    for await (const page of deps.stripe.pages('balance_transactions', params, deps.scope)) {
      deps.checkStillHolding();
      result.seen += page.data.length;
      batch.push(...page.data);
      if (batch.length >= PAGES_PER_APPEND * params.limit) {
        await appends.next(batch);
        batch = [];
      }
    }
    await appends.next(batch);
  } catch (error) {
    // Nothing of this pass may still be writing once it has ended: the append under way finishes
    // (and keeps its progress) before the failure goes up.
    await appends.drain().catch(() => undefined);
    throw error;
  }
  await appends.drain();
  result.nextFrom = oldestPending ?? newest ?? deps.from;
  return result;
};

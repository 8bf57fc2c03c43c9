import type { Db, Queryable } from '../db/port.js';
import type { EventStore } from '../eventstore/port.js';
import type { Scope, StripeApi } from '../stripe/stripeApi.js';
import { checkBalance, stripeFunds, type BalanceCheckResult } from './balanceCheck.js';
import { syncBalanceTransactions } from './balanceTransactionsPass.js';
import { BALANCE_TRANSACTIONS_FEED, loadCursor, saveCursor, type Feed } from './cursors.js';
import { reconcilePayouts } from './payoutReconciliation.js';

export type MoneySyncSummary = {
  balance_transactions: number;
  balance_transactions_appended: number;
  payouts_seen: number;
  payouts_reconciled: number;
  invalid: string[];
  balance_check: BalanceCheckResult;
};

const accountKey = (scope: Scope) => scope.account ?? 'platform';

const cursorOf = async (db: Db, scope: Scope) => {
  const { rows } = await db.query<{ balance_transactions_from: number | null; payouts_from: number | null }>(
    'SELECT balance_transactions_from, payouts_from FROM ledger.sync_money_cursors WHERE account = $1',
    [accountKey(scope)],
  );
  return { bt: rows[0]?.balance_transactions_from ?? null, payouts: rows[0]?.payouts_from ?? null };
};

const saveMoneyCursor = (db: Queryable, scope: Scope, bt: number | null, payouts: number | null) =>
  db.query(
    `INSERT INTO ledger.sync_money_cursors (account, balance_transactions_from, payouts_from, updated_at)
     VALUES ($1, $2, $3, now())
     ON CONFLICT (account) DO UPDATE SET balance_transactions_from = EXCLUDED.balance_transactions_from,
       payouts_from = EXCLUDED.payouts_from, updated_at = now()`,
    [accountKey(scope), bt, payouts],
  );

/**
 * The money part of a sync pass (SPEC section 12), for every account read: Stripe's balance first (the
 * check compares against it), then balance transactions and payout reconciliations (side by side) from
 * each account's cursor, cursors saved only once their appends are durable, then the balance check.
 * A balance-transaction listing keeps its progress as it goes (stripe_sync_cursors, see
 * balanceTransactionsPass.ts): a pass stopped or killed in the middle of one resumes it where it stopped.
 * Requests go through the Stripe client port: rate limit and retries are its own.
 */
export type MoneyStore = Pick<
  EventStore,
  'appendMany' | 'paymentOfCharge' | 'paymentsOfCharges' | 'readStream' | 'headPosition'
>;

export const syncMoney = async (deps: {
  db: Db;
  store: MoneyStore;
  stripe: StripeApi;
  scopes: readonly Scope[];
  now?: () => Date;
  /** How long the balance check waits for the journal projection to apply the pass. */
  checkDeadlineMs?: number;
  /** Throws when the pass must stop (shut down, or its lease lost): the listings stop at their next
   * page. Never, when not given. */
  checkStillHolding?: () => void;
}): Promise<MoneySyncSummary> => {
  const now = deps.now ?? (() => new Date());
  const checkStillHolding = deps.checkStillHolding ?? (() => undefined);
  const readFrom = now();
  const { funds, livemode } = await stripeFunds(deps.stripe, deps.scopes);
  const balanceRead = { from: readFrom, until: now() };
  const summary: Omit<MoneySyncSummary, 'balance_check'> = {
    balance_transactions: 0,
    balance_transactions_appended: 0,
    payouts_seen: 0,
    payouts_reconciled: 0,
    invalid: [],
  };
  for (const scope of deps.scopes) {
    checkStillHolding();
    const from = await cursorOf(deps.db, scope);
    const listing: Feed = { account: scope.account, feed: BALANCE_TRANSACTIONS_FEED };
    const stopped = await loadCursor(deps.db, listing);
    const common = { stripe: deps.stripe, store: deps.store, scope, livemode, now };
    // Independent lists of Stripe's (facts join whatever order they land in): read side by side, both
    // finished (appends durable) before the cursors move.
    const btsRun = syncBalanceTransactions({
      ...common,
      from: from.bt,
      resume: stopped.pending,
      saveProgress: (pending) => saveCursor(deps.db, listing, { completeUntil: null, pending }),
      checkStillHolding,
    });
    const payoutsRun = reconcilePayouts({ ...common, from: from.payouts, checkStillHolding });
    await Promise.allSettled([btsRun, payoutsRun]);
    const bts = await btsRun;
    const payouts = await payoutsRun;
    // A failed list leaves its cursor as it was; a balance-transaction listing also keeps its progress,
    // so even a finished one whose payouts failed is read again only from where its last append ended.
    await deps.db.transaction(async (tx) => {
      await saveMoneyCursor(tx, scope, bts.nextFrom, payouts.nextFrom);
      await saveCursor(tx, listing, { completeUntil: null, pending: null });
    });
    summary.balance_transactions += bts.seen;
    summary.balance_transactions_appended += bts.appended;
    summary.payouts_seen += payouts.seen;
    summary.payouts_reconciled += payouts.reconciled;
    summary.invalid.push(...bts.invalid, ...payouts.invalid);
  }
  checkStillHolding();
  const balanceCheck = await checkBalance({
    db: deps.db,
    store: deps.store,
    balanceRead,
    funds,
    ...(deps.checkDeadlineMs !== undefined && { deadlineMs: deps.checkDeadlineMs }),
  });
  return { ...summary, balance_check: balanceCheck };
};

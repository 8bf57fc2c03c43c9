import type { Db } from '../db/port.js';
import type { EventStore } from '../eventstore/port.js';
import type { Logger } from '../observability/logger.js';
import type { StripeApi } from '../stripe/stripeApi.js';
import { syncEvents } from './eventsFeed.js';
import { HISTORY_LISTS, syncHistory } from './historyFeed.js';
import { syncMoney, type MoneyStore, type MoneySyncSummary } from './moneySync.js';
import type { Progress, SyncContext } from './syncContext.js';
import { errorMessage } from '../shared/errorMessage.js';

/** The JSON summary of a pass (the last line `stripe-ledger sync` prints). */
export type SyncSummary = {
  accounts: number;
  events_seen: number;
  /** Events the sync appended: never delivered by a webhook (or not yet). */
  events_appended: number;
  objects_seen: number;
  objects_imported: number;
  /** Events and objects refused by the same checks as a webhook (not stored, logged). */
  refused: number;
  /** Balance transactions listed, and how many were new facts (SPEC section 12). */
  balance_transactions: number;
  balance_transactions_appended: number;
  payouts_reconciled: number;
  /** The journal against Stripe's balance, or why it was not checked. */
  balance_check: MoneySyncSummary['balance_check'] | null;
  /** The pass's Stripe API answers by status (every attempt), kept with the pass for the metrics. */
  api_requests: Record<string, number>;
  duration_ms: number;
};

/** What `api` answered since `before` (a snapshot of its counts), by status. */
const answeredSince = (api: StripeApi, before: Readonly<Record<string, number>>) =>
  Object.fromEntries(
    Object.entries(api.answers())
      .map(([status, count]) => [status, count - (before[status] ?? 0)] as const)
      .filter(([, count]) => count > 0),
  );

/** Another process holds the sync lease. */
export class SyncBusyError extends Error {}

export type SyncPassOptions = {
  db: Db;
  store: Pick<EventStore, 'appendMany' | 'paymentOfCharge'> & MoneyStore;
  api: StripeApi;
  logger: Logger;
  /** Connected accounts read with the Stripe-Account header, besides the key's own account. */
  accounts: readonly string[];
  onProgress?: (progress: Progress) => void;
  now?: () => number;
  /** Stops the pass at the next page (the server is shutting down). */
  signal?: AbortSignal;
};

const LEASE = 'stripe-sync';

const recordPass = (db: Db, startedAt: Date, summary: SyncSummary, error: string | null) =>
  db.query(
    `INSERT INTO ledger.stripe_sync_passes (started_at, succeeded, summary, error) VALUES ($1, $2, $3, $4)`,
    [startedAt, error === null, JSON.stringify(summary), error],
  );

/**
 * One sync pass (SPEC section 11): for the key's account and every connected account, missed events,
 * then history; then balance transactions, payout reconciliations and the balance check (section 12). One pass at a time across processes (a lease); throws SyncBusyError when another holds
 * it, or the first failure (a StripeRequestError names the request). A pass that failed has appended
 * only whole pages and moved cursors only past them, so the next pass resumes where it stopped.
 */
export const runSyncPass = async (options: SyncPassOptions): Promise<SyncSummary> => {
  const lease = await options.db.tryLease(LEASE);
  if (lease === null)
    throw new SyncBusyError('another sync pass is running (its lease is held); try again later');
  let lost = false;
  void lease.lost.then(() => (lost = true));
  const startedAt = new Date();
  const answeredBefore = options.api.answers();
  const summary: SyncSummary = {
    accounts: 0,
    events_seen: 0,
    events_appended: 0,
    objects_seen: 0,
    objects_imported: 0,
    refused: 0,
    balance_transactions: 0,
    balance_transactions_appended: 0,
    payouts_reconciled: 0,
    balance_check: null,
    api_requests: {},
    duration_ms: 0,
  };
  const ctx: SyncContext = {
    db: options.db,
    store: options.store,
    api: options.api,
    logger: options.logger,
    now: options.now ?? (() => Math.floor(Date.now() / 1000)),
    checkStillHolding: () => {
      if (lost) throw new Error('the sync lease was lost (database connection dropped); the pass stopped');
      if (options.signal?.aborted) throw new Error('the sync pass was stopped (shutdown)');
    },
    onProgress: options.onProgress ?? (() => undefined),
  };
  try {
    for (const account of [null, ...options.accounts]) {
      summary.accounts += 1;
      const events = await syncEvents(ctx, account);
      summary.events_seen += events.seen;
      summary.events_appended += events.appended;
      summary.refused += events.invalid;
      for (const list of HISTORY_LISTS) {
        const history = await syncHistory(ctx, account, list);
        summary.objects_seen += history.seen;
        summary.objects_imported += history.imported;
        summary.refused += history.invalid;
      }
    }
    ctx.checkStillHolding();
    const money = await syncMoney({
      db: options.db,
      store: options.store,
      stripe: options.api,
      scopes: [null, ...options.accounts].map((account) => ({ account })),
      checkStillHolding: ctx.checkStillHolding,
    });
    summary.balance_transactions = money.balance_transactions;
    summary.balance_transactions_appended = money.balance_transactions_appended;
    summary.payouts_reconciled = money.payouts_reconciled;
    summary.refused += money.invalid.length;
    summary.balance_check = money.balance_check;
    for (const problem of money.invalid) options.logger.warn({ problem }, 'stripe object refused');
    summary.api_requests = answeredSince(options.api, answeredBefore);
    summary.duration_ms = Date.now() - startedAt.getTime();
    await recordPass(options.db, startedAt, summary, null);
    return summary;
  } catch (error) {
    summary.api_requests = answeredSince(options.api, answeredBefore);
    summary.duration_ms = Date.now() - startedAt.getTime();
    const message = errorMessage(error);
    await recordPass(options.db, startedAt, summary, message).catch(() => undefined);
    throw error;
  } finally {
    await lease.release().catch(() => undefined);
  }
};

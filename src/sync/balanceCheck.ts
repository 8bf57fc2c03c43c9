import { journalBalancesAt } from '../../projections/journal/balancesAt.js';
import type { Db } from '../db/port.js';
import type { EventStore } from '../eventstore/port.js';
import type { Scope, StripeApi } from '../stripe/stripeApi.js';

export type BalanceCheckEntry = {
  currency: string;
  ledger: number;
  stripe_available: number;
  stripe_pending: number;
  stripe_total: number;
  matches: boolean;
};

export type BalanceCheckResult =
  | { kind: 'checked'; checkedAt: string; matches: boolean; entries: BalanceCheckEntry[] }
  | { kind: 'skipped'; reason: string };

type Funds = { amount?: unknown; currency?: unknown }[];

/** Stripe's balance, summed over the accounts read: available and pending per currency, and whether
 * the key is a live one (the balance says). */
export const stripeFunds = async (stripe: StripeApi, scopes: readonly Scope[]) => {
  const funds = new Map<string, { available: number; pending: number }>();
  let livemode = false;
  const add = (list: unknown, field: 'available' | 'pending') => {
    for (const { amount, currency } of (Array.isArray(list) ? list : []) as Funds) {
      if (typeof currency !== 'string' || !Number.isSafeInteger(amount)) continue;
      const mine = funds.get(currency) ?? { available: 0, pending: 0 };
      mine[field] += amount as number;
      funds.set(currency, mine);
    }
  };
  for (const scope of scopes) {
    const balance = await stripe.balance(scope);
    livemode ||= balance.livemode === true;
    add(balance.available, 'available');
    add(balance.pending, 'pending');
  }
  return { funds, livemode };
};

/** A projector that has not beaten its heartbeat (every 2 s) for this long is not running. */
const PROJECTOR_SILENT_SECONDS = 30;

/**
 * Waits, up to a deadline, until the journal projection has applied everything appended so far. When
 * no projector is running it (a lone `stripe-ledger sync` without a server) the check is skipped at
 * once rather than waited for.
 */
const journalCaughtUp = async (db: Db, store: Pick<EventStore, 'headPosition'>, deadlineMs: number) => {
  const head = await store.headPosition();
  const until = Date.now() + deadlineMs;
  for (;;) {
    const { rows } = await db.query<{ position: number; state: string; alive: boolean | null }>(
      `SELECT position, state, heartbeat_at > now() - make_interval(secs => $1) AS alive
         FROM ledger.projection_checkpoints WHERE projection = 'journal'`,
      [PROJECTOR_SILENT_SECONDS],
    );
    const at = rows[0];
    if (at !== undefined && Number(at.position) >= head) return { ok: true as const };
    if (at?.state === 'failed') return { ok: false as const, reason: 'the journal projection has failed' };
    if (at?.alive !== true) {
      return { ok: false as const, reason: 'no projector is running the journal projection' };
    }
    if (Date.now() >= until) {
      return {
        ok: false as const,
        reason: `the journal projection is at ${at.position} of ${head} after ${deadlineMs} ms`,
      };
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};

/**
 * The balance check (SPEC section 12): Stripe's balance (available + pending, per currency) against
 * the journal's stripe_balance, once the journal has applied everything the pass appended. Stripe's
 * balance is read first and the journal counted up to that moment, so transactions Stripe creates
 * while the pass runs do not make a false alarm. Each check is kept (ledger.balance_checks).
 */
export const checkBalance = async (deps: {
  db: Db;
  store: Pick<EventStore, 'headPosition'>;
  balanceReadAt: Date;
  funds: Map<string, { available: number; pending: number }>;
  deadlineMs?: number;
}): Promise<BalanceCheckResult> => {
  const caughtUp = await journalCaughtUp(deps.db, deps.store, deps.deadlineMs ?? 30_000);
  if (!caughtUp.ok) return { kind: 'skipped', reason: caughtUp.reason };
  const balances = await journalBalancesAt(
    deps.db,
    { bound: deps.balanceReadAt.toISOString(), inclusive: true },
    'stripe_balance',
  );
  const ledger = new Map(balances.map((row) => [row.currency, row.balance]));
  const currencies = [...new Set([...ledger.keys(), ...deps.funds.keys()])].sort();
  const entries = currencies.map((currency): BalanceCheckEntry => {
    const { available, pending } = deps.funds.get(currency) ?? { available: 0, pending: 0 };
    const mine = ledger.get(currency) ?? 0;
    return {
      currency,
      ledger: mine,
      stripe_available: available,
      stripe_pending: pending,
      stripe_total: available + pending,
      matches: mine === available + pending,
    };
  });
  const checkedAt = deps.balanceReadAt.toISOString();
  if (entries.length > 0) {
    await deps.db.query(
      `INSERT INTO ledger.balance_checks (checked_at, currency, ledger, stripe_available, stripe_pending, stripe_total, matches)
       SELECT $1::timestamptz, e.currency, e.ledger, e.stripe_available, e.stripe_pending, e.stripe_total, e.matches
         FROM json_populate_recordset(null::ledger.balance_checks, $2::json) e
       ON CONFLICT (checked_at, currency) DO NOTHING`,
      [checkedAt, JSON.stringify(entries)],
    );
  }
  return { kind: 'checked', checkedAt, matches: entries.every((e) => e.matches), entries };
};

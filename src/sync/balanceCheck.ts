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
  | {
      kind: 'checked';
      /** When Stripe read its balance, named as GET /api/reconciliation and the tables name it. */
      checked_at: string;
      /** The same instant under its first name, kept for readers of earlier summaries. */
      checkedAt: string;
      matches: boolean;
      entries: BalanceCheckEntry[];
    }
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

/** When Stripe's balance was read: the request went out at `from`, its answer came at `until`. */
export type BalanceRead = { from: Date; until: Date };

// The stripe_balance lines of the seconds a read could have seen or missed, per currency and second.
const SECONDS_SQL = `
SELECT currency, floor(extract(epoch FROM occurred_at))::bigint AS second, sum(amount)::bigint AS amount
  FROM ledger.journal_lines
 WHERE account = 'stripe_balance' AND occurred_at >= to_timestamp($1) AND occurred_at < to_timestamp($2)
 GROUP BY 1, 2 ORDER BY 1, 2`;

/**
 * The journal's stripe_balance per currency at every whole second a read of Stripe's balance could
 * stand at. Lines are dated at their transaction's `created`, whole seconds, while the read is an
 * instant inside a request: a transaction of the read's own second may be after it, one of a second
 * the request was in flight may be before it. So the cuts run from the start of the second the
 * request went out (everything before it was surely in Stripe's balance) to the end of the second its
 * answer came (nothing after it can have been), one per second boundary, oldest first.
 */
const journalCuts = async (db: Db, read: BalanceRead): Promise<Map<string, number[]>> => {
  const first = Math.floor(read.from.getTime() / 1000);
  const last = Math.floor(read.until.getTime() / 1000) + 1;
  const before = await journalBalancesAt(
    db,
    { bound: new Date(first * 1000).toISOString(), inclusive: false },
    'stripe_balance',
  );
  const { rows } = await db.query<{ currency: string; second: string; amount: string }>(SECONDS_SQL, [
    first,
    last,
  ]);
  const currencies = new Set([...before.map((row) => row.currency), ...rows.map((row) => row.currency)]);
  const cuts = new Map<string, number[]>();
  for (const currency of currencies) {
    let balance = before.find((row) => row.currency === currency)?.balance ?? 0;
    const perSecond = new Map(
      rows.filter((row) => row.currency === currency).map((row) => [Number(row.second), Number(row.amount)]),
    );
    const mine = [balance];
    for (let second = first; second < last; second += 1) {
      balance += perSecond.get(second) ?? 0;
      mine.push(balance);
    }
    cuts.set(currency, mine);
  }
  return cuts;
};

/** The cut equal to Stripe's total, else the one nearest it (the later on a tie): what `ledger` shows. */
const nearest = (cuts: readonly number[], total: number): number =>
  cuts.reduce((best, cut) => (Math.abs(cut - total) <= Math.abs(best - total) ? cut : best));

/**
 * The balance check (SPEC section 12): Stripe's balance (available + pending, per currency) against
 * the journal's stripe_balance, once the journal has applied everything the pass appended. Stripe's
 * balance is read first and the journal counted at the whole seconds around that read (journalCuts), so
 * neither a transaction Stripe creates while the pass runs nor one of the read's own second makes a
 * false alarm: a currency matches when Stripe's total equals the journal at one of those cuts, and
 * `ledger` is that cut (or, on a mismatch, the nearest). Each check is kept (ledger.balance_checks).
 */
export const checkBalance = async (deps: {
  db: Db;
  store: Pick<EventStore, 'headPosition'>;
  balanceRead: BalanceRead;
  funds: Map<string, { available: number; pending: number }>;
  deadlineMs?: number;
}): Promise<BalanceCheckResult> => {
  const caughtUp = await journalCaughtUp(deps.db, deps.store, deps.deadlineMs ?? 30_000);
  if (!caughtUp.ok) return { kind: 'skipped', reason: caughtUp.reason };
  const cuts = await journalCuts(deps.db, deps.balanceRead);
  const currencies = [...new Set([...cuts.keys(), ...deps.funds.keys()])].sort();
  const entries = currencies.map((currency): BalanceCheckEntry => {
    const { available, pending } = deps.funds.get(currency) ?? { available: 0, pending: 0 };
    const total = available + pending;
    const mine = nearest(cuts.get(currency) ?? [0], total);
    return {
      currency,
      ledger: mine,
      stripe_available: available,
      stripe_pending: pending,
      stripe_total: total,
      matches: mine === total,
    };
  });
  const checkedAt = deps.balanceRead.from.toISOString();
  if (entries.length > 0) {
    await deps.db.query(
      `INSERT INTO ledger.balance_checks (checked_at, currency, ledger, stripe_available, stripe_pending, stripe_total, matches)
       SELECT $1::timestamptz, e.currency, e.ledger, e.stripe_available, e.stripe_pending, e.stripe_total, e.matches
         FROM json_populate_recordset(null::ledger.balance_checks, $2::json) e
       ON CONFLICT (checked_at, currency) DO NOTHING`,
      [checkedAt, JSON.stringify(entries)],
    );
  }
  return {
    kind: 'checked',
    checked_at: checkedAt,
    checkedAt,
    matches: entries.every((e) => e.matches),
    entries,
  };
};

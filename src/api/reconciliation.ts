import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { Db, Queryable } from '../db/port.js';
import { parseParams } from './params.js';

const noQuery = z.strictObject({});

export type BalanceCheck = {
  account: string;
  currency: string;
  ledger: number;
  stripe_available: number;
  stripe_pending: number;
  stripe_total: number;
  matches: boolean;
};

/** The sync's last balance check of every account it reads (the newest check of each). */
export const lastBalanceChecks = async (
  db: Queryable,
): Promise<{ checked_at: string; checks: BalanceCheck[] }[]> => {
  const { rows } = await db.query<BalanceCheck & { checked_at: string }>(
    `SELECT to_json(c.checked_at)#>>'{}' AS checked_at, c.account, c.currency, c.ledger,
            c.stripe_available, c.stripe_pending, c.stripe_total, c.matches
       FROM ledger.balance_checks c
       JOIN (SELECT account, max(checked_at) AS checked_at FROM ledger.balance_checks GROUP BY account) last
         USING (account, checked_at)
      ORDER BY c.account, c.currency`,
  );
  const byTime = new Map<string, BalanceCheck[]>();
  for (const { checked_at, ...check } of rows)
    byTime.set(checked_at, [...(byTime.get(checked_at) ?? []), check]);
  return [...byTime].map(([checked_at, checks]) => ({ checked_at, checks }));
};

/**
 * GET /api/reconciliation: the sync's last balance check, the journal's stripe_balance per currency
 * against Stripe's available + pending. `matches` is true only when every currency matches; null (and
 * checked_at null) before the first check.
 */
export const reconciliationRoute =
  (db: Db): RequestHandler =>
  async (req, res) => {
    parseParams(noQuery, req.query);
    const passes = await lastBalanceChecks(db);
    const checks = passes.flatMap((p) => p.checks);
    const checkedAt = passes.map((p) => p.checked_at).sort()[0] ?? null;
    res.json({
      checked_at: checkedAt === null ? null : new Date(checkedAt).toISOString(),
      matches: checks.length === 0 ? null : checks.every((c) => c.matches),
      stripe_balance: checks,
    });
  };

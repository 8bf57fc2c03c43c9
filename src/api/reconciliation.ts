import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { Db, Queryable } from '../db/port.js';
import type { BalanceCheckEntry } from '../sync/balanceCheck.js';
import { parseParams } from './params.js';

const noQuery = z.strictObject({});

/** One currency of a check, as the sync recorded it (src/sync/balanceCheck.ts). */
type BalanceCheck = BalanceCheckEntry;

/** The sync's last balance check, one entry per currency; null before the first. */
export const lastBalanceCheck = async (
  db: Queryable,
): Promise<{ checked_at: string; checks: BalanceCheck[] } | null> => {
  const { rows } = await db.query<BalanceCheck & { checked_at: Date }>(
    `SELECT checked_at, currency, ledger, stripe_available, stripe_pending, stripe_total, matches
       FROM ledger.balance_checks
      WHERE checked_at = (SELECT max(checked_at) FROM ledger.balance_checks)
      ORDER BY currency`,
  );
  if (rows.length === 0) return null;
  return {
    checked_at: new Date(rows[0]!.checked_at).toISOString(),
    checks: rows.map(({ checked_at: _at, ...check }) => check),
  };
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
    const last = await lastBalanceCheck(db);
    res.json({
      checked_at: last?.checked_at ?? null,
      matches: last === null ? null : last.checks.every((c) => c.matches),
      stripe_balance: last?.checks ?? [],
    });
  };

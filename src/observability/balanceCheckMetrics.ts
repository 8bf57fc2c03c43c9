import { Gauge, type Registry } from 'prom-client';

/** What the gauges show of the last check, per currency; the caller reads it (src/api/reconciliation.ts
 * lastBalanceCheck), so metrics need not know where checks are kept. */
type LastBalanceCheck = {
  checks: readonly { currency: string; matches: boolean; ledger: number; stripe_total: number }[];
} | null;

// One query serves both gauges of a scrape.
const REFRESH_MS = 1000;

/**
 * Gauges of the sync's last balance check, read from the database on scrape, so every process (web,
 * projector) reports what the sync last found: `stripe_ledger_balance_check_matches` (1 or 0 per
 * currency; alert on 0) and `stripe_ledger_balance_check_difference` (the journal's stripe_balance
 * minus Stripe's available + pending, minor units).
 */
export const watchBalanceChecks = (registry: Registry, lastCheck: () => Promise<LastBalanceCheck>): void => {
  let refreshedAt = 0;
  let refreshing: Promise<void> | undefined;
  const refresh = async () => {
    if (Date.now() - refreshedAt < REFRESH_MS) return;
    refreshing ??= lastCheck()
      .then((last) => {
        matches.reset();
        difference.reset();
        for (const check of last?.checks ?? []) {
          matches.set({ currency: check.currency }, check.matches ? 1 : 0);
          difference.set({ currency: check.currency }, check.ledger - check.stripe_total);
        }
        refreshedAt = Date.now();
      })
      // A scrape while the database is down keeps the last values; health reports the outage.
      .catch(() => undefined)
      .finally(() => (refreshing = undefined));
    await refreshing;
  };
  const matches = new Gauge({
    name: 'stripe_ledger_balance_check_matches',
    help: "1 when the journal's stripe_balance equalled Stripe's balance (available + pending) at the sync's last check, per currency",
    labelNames: ['currency'] as const,
    registers: [registry],
    collect: refresh,
  });
  const difference = new Gauge({
    name: 'stripe_ledger_balance_check_difference',
    help: "The journal's stripe_balance minus Stripe's balance at the sync's last check, minor units, per currency",
    labelNames: ['currency'] as const,
    registers: [registry],
    collect: refresh,
  });
};

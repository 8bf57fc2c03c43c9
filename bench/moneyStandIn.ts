/**
 * The money benchmark's Stripe: a child process holding a generated account of about `transactions`
 * balance transactions over a year (tests/support/moneyHistory.ts: card payments, refunds and failed
 * refunds, disputes lost and won, Stripe fees, a new category, daily automatic payouts, some failing)
 * in the Stripe API stand-in, so that serving Stripe's pages does not share the ledger's thread.
 * Prints one JSON line (its address and what it holds) once it listens; ends when stdin closes.
 *   node dist-bench/bench/moneyStandIn.js 1000000
 */
import { generateMoneyHistory } from '../tests/support/moneyHistory.js';
import { loadMoneyAccount } from '../tests/support/stripeApi/moneyAccount.js';
import { startStripeApi } from '../tests/support/stripeApi/stripeApiStandIn.js';

const MONEY_DAYS = 365;
const MONEY_CURRENCIES = ['usd', 'eur'] as const;
/** Balance transactions per payment in moneyHistory's mix (refunds, failed refunds, disputes, reversals). */
const PER_PAYMENT = 1.19;

export type MoneyStandInReady = {
  base: string;
  key: string;
  transactions: number;
  /** Paid automatic payouts: each is reconciled from `?payout=`. */
  paidPayouts: number;
  balance: [string, { available: number; pending: number }][];
  generateSeconds: number;
  rssMiB: number;
};

const main = async () => {
  const target = Number(process.argv[2]);
  if (!(target > 0)) throw new Error('usage: moneyStandIn.js <transactions>');
  const started = performance.now();
  const history = generateMoneyHistory({
    seed: 12,
    days: MONEY_DAYS,
    paymentsPerDay: Math.max(1, Math.round(target / (MONEY_DAYS * MONEY_CURRENCIES.length * PER_PAYMENT))),
    currencies: MONEY_CURRENCIES,
    prefix: 'b',
  });
  const api = await startStripeApi({ now: () => history.now });
  loadMoneyAccount(api, history);
  const ready: MoneyStandInReady = {
    base: api.base,
    key: api.key,
    transactions: history.transactions.length,
    paidPayouts: history.payouts.filter((p) => p.status === 'paid').length,
    balance: [...history.balance],
    generateSeconds: (performance.now() - started) / 1000,
    rssMiB: Math.round(process.memoryUsage().rss / 2 ** 20),
  };
  process.stdout.write(`${JSON.stringify(ready)}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => void api.close().then(() => process.exit(0)));
};

main().catch((error: unknown) => {
  process.stderr.write(`moneyStandIn: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});

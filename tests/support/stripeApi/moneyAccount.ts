/**
 * Puts a generated account (moneyHistory.ts) into the Stripe stand-in: its payment intents, charges,
 * refunds, disputes, payouts and balance transactions (sources as ids, as Stripe lists them unless
 * expanded), each transaction marked with the payout that paid it out (the stand-in filters
 * `?payout=` on that), and the balance. Test-only.
 */
import type { MoneyHistory } from '../moneyHistory.js';
import type { StripeApiStandIn } from './stripeApiStandIn.js';

type Json = Record<string, unknown>;

const idOf = (value: unknown) =>
  typeof value === 'object' && value !== null ? (value as { id: string }).id : value;

export const loadMoneyAccount = (api: StripeApiStandIn, history: MoneyHistory, account?: string) => {
  const paidBy = new Map<string, string>();
  for (const [payout, ids] of history.payoutTransactions) for (const id of ids) paidBy.set(id, payout);
  const opts = account === undefined ? {} : { account };
  api.addObjects(
    history.payments.flatMap((p) => [p.intent, p.charge, ...p.refunds, ...p.disputes]),
    opts,
  );
  api.addObjects(history.payouts, opts);
  api.addObjects(
    history.transactions.map((bt): Json => {
      const payout = paidBy.get(bt.id as string);
      return { ...bt, source: idOf(bt.source), ...(payout !== undefined && { payout }) };
    }),
    opts,
  );
  const funds = (field: 'available' | 'pending') =>
    [...history.balance].map(([currency, b]) => ({
      amount: b[field],
      currency,
      source_types: { card: b[field] },
    }));
  api.setBalance({ available: funds('available'), pending: funds('pending') }, opts);
};

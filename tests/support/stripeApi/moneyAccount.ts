/**
 * Puts a generated account (moneyHistory.ts) into the Stripe stand-in: its payment intents, charges,
 * refunds, disputes, payouts and balance transactions (sources as ids, as Stripe lists them unless
 * expanded), which payout paid out which transactions (the stand-in answers `?payout=` from that; the
 * objects carry no payout field, as in Stripe), and the balance. Test-only.
 */
import type { MoneyHistory } from '../moneyHistory.js';
import type { StripeApiStandIn } from './stripeApiStandIn.js';

type Json = Record<string, unknown>;

const idOf = (value: unknown) =>
  typeof value === 'object' && value !== null ? (value as { id: string }).id : value;

// The stand-in keeps each list sorted by created: adding in that order appends instead of inserting
// (the money benchmark loads a million transactions).
const byCreated = (objects: Json[]) => objects.sort((a, b) => (a.created as number) - (b.created as number));

export const loadMoneyAccount = (api: StripeApiStandIn, history: MoneyHistory, account?: string) => {
  const opts = account === undefined ? {} : { account };
  api.addObjects(
    byCreated(history.payments.flatMap((p) => [p.intent, p.charge, ...p.refunds, ...p.disputes])),
    opts,
  );
  api.addObjects(byCreated([...history.payouts]), opts);
  api.addObjects(
    byCreated(history.transactions.map((bt): Json => ({ ...bt, source: idOf(bt.source) }))),
    opts,
  );
  for (const [payout, ids] of history.payoutTransactions) api.payOut(payout, ids, opts);
  const funds = (field: 'available' | 'pending') =>
    [...history.balance].map(([currency, b]) => ({
      amount: b[field],
      currency,
      source_types: { card: b[field] },
    }));
  api.setBalance({ available: funds('available'), pending: funds('pending') }, opts);
};

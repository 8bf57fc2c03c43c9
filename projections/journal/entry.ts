import type { BalanceTransactionFacts } from '../money/balanceTransactionFacts.js';

/** The ledger's own accounts; every other account is a Stripe reporting category. */
export const STRIPE_BALANCE = 'stripe_balance';
export const STRIPE_FEES = 'stripe_fees';

export type JournalLine = {
  balance_transaction_id: string;
  line: number;
  account: string;
  currency: string;
  amount: number;
  occurred_at: string;
  payment_id: string | null;
  payout_id: string | null;
};

/**
 * The account a reporting category is booked to: the category itself (`charge`, `refund`, `dispute`,
 * `payout`, or one Stripe adds tomorrow, which simply gets its own account). A category spelt like one
 * of the ledger's own accounts is kept apart, so it cannot net against the balance or the fees.
 */
export const categoryAccount = (reportingCategory: string): string =>
  reportingCategory === STRIPE_BALANCE || reportingCategory === STRIPE_FEES
    ? `category:${reportingCategory}`
    : reportingCategory;

/**
 * The double entry of one balance transaction (SPEC section 12): `stripe_balance` +net, `stripe_fees`
 * +fee, its reporting category -amount, zero lines left out. Since net = amount - fee, the lines sum
 * to zero; a transaction where they do not is refused rather than booked unbalanced.
 */
export const journalEntry = (bt: BalanceTransactionFacts): JournalLine[] => {
  if (bt.net !== bt.amount - bt.fee) {
    throw new Error(
      `balance transaction ${bt.id}: net ${bt.net} is not amount ${bt.amount} - fee ${bt.fee}; the entry would not balance`,
    );
  }
  const occurredAt = new Date(bt.created * 1000).toISOString();
  const postings: [string, number][] = [
    [STRIPE_BALANCE, bt.net],
    [STRIPE_FEES, bt.fee],
    [categoryAccount(bt.reportingCategory), -bt.amount],
  ];
  return postings
    .filter(([, amount]) => amount !== 0)
    .map(([account, amount], i) => ({
      balance_transaction_id: bt.id,
      line: i + 1,
      account,
      currency: bt.currency,
      amount,
      occurred_at: occurredAt,
      payment_id: bt.paymentId,
      payout_id: bt.payoutId,
    }));
};

import { z } from 'zod';

/** The money read models' rows as the API answers them (SPEC section 12): column names are the
 * contract. They describe responses in the OpenAPI document, name the selected columns, and give CSV
 * its header. */

const time = z.iso.datetime().describe('ISO-8601, UTC');
const amount = z.int().describe("integer, in the currency's minor unit");
const text = z.string().nullable();

export const balanceTransactionRow = z.object({
  balance_transaction_id: z.string(),
  type: z.string().describe("Stripe's type: charge, refund, adjustment, payout, stripe_fee, ..."),
  reporting_category: z.string().describe("Stripe's reporting category; the journal account it is booked to"),
  source_id: text,
  payment_id: text.describe('the payment intent its charge, refund or dispute belongs to'),
  payout_id: text.describe('the payout that paid it out (a payout carries its own)'),
  amount,
  fee: amount.describe("Stripe's fee"),
  net: amount.describe('amount - fee'),
  currency: z.string(),
  status: z.string().describe('pending or available'),
  available_on: time.nullable(),
  created_at: time,
  livemode: z.boolean(),
});

export const payoutRow = z.object({
  payout_id: z.string(),
  amount,
  currency: z.string(),
  status: z.string().describe('pending, in_transit, paid, failed or canceled'),
  arrival_date: time.nullable(),
  created_at: time,
  automatic: z.boolean(),
  balance_transaction_id: text,
  transaction_count: z
    .int()
    .nullable()
    .describe('transactions it paid out, not its own; null until reconciled'),
  transactions_net: amount.nullable().describe('their summed net; null until reconciled'),
  reconciled: z.boolean().describe('paid, every transaction known, and transactions_net = amount'),
  updated_at: time,
});

export const categoryTotalsRow = z.object({
  reporting_category: z.string(),
  currency: z.string(),
  count: z.int(),
  gross: amount,
  fee: amount,
  net: amount,
});

export const settlementRow = z.object({
  day: z.iso.date(),
  currency: z.string(),
  reporting_category: z.string(),
  count: z.int(),
  gross: amount.describe('sum of amount'),
  fee: amount.describe('sum of fee'),
  net: amount.describe('sum of net'),
});

export const journalBalanceRow = z.object({
  account: z.string().describe('stripe_balance, stripe_fees, or a reporting category'),
  currency: z.string(),
  balance: amount.describe('sum of its journal lines up to the time'),
});

export const balanceCheckRow = z.object({
  currency: z.string(),
  ledger: amount.describe("the journal's stripe_balance"),
  stripe_available: amount,
  stripe_pending: amount,
  stripe_total: amount,
  matches: z.boolean(),
});

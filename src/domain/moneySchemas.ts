/**
 * zod schemas of the Stripe payout and balance transaction objects: only the fields the ledger reads,
 * any other field accepted. They only validate (the object is stored exactly as Stripe sent it), so they
 * are plain objects, as in schemas.ts.
 */
import { z } from 'zod';
import { unixTime } from './schemas.js';

const int = () => z.int();
// Stripe's ids are at most 255 characters; longer ones could not be indexed (a stream, a charge link).
const id = () => z.string().min(1).max(255);

/** An expandable reference: an id, or the expanded object carrying that id. */
const ref = z.union([id(), z.object({ id: id() })], {
  error: 'expected an id string, an expanded object with a string id, or null',
});

export const payoutSchema = z.object({
  object: z.literal('payout'),
  id: id(),
  amount: int(),
  currency: z.string().min(1),
  // pending, in_transit, paid, failed, canceled; any string, so a new status is stored, not refused.
  status: z.string().min(1),
  arrival_date: unixTime().nullish(),
  created: unixTime(),
  // Absent on payouts of API versions before automatic/manual payouts were told apart (all automatic).
  automatic: z.boolean().optional(),
  balance_transaction: ref.nullish(),
  failure_balance_transaction: ref.nullish(),
  failure_code: z.string().nullish(),
  livemode: z.boolean().optional(),
});

export const balanceTransactionSchema = z
  .looseObject({
    object: z.literal('balance_transaction'),
    id: id(),
    amount: int(),
    fee: int(),
    net: int(),
    currency: z.string().min(1),
    // pending or available.
    status: z.string().min(1),
    type: z.string().min(1),
    // Introduced in 2019; older objects only have `type`, which then stands in for it.
    reporting_category: z.string().min(1).nullish(),
    source: ref.nullish(),
    available_on: unixTime().nullish(),
    created: unixTime(),
  })
  // The journal books +net +fee -amount: an object where they disagree would unbalance it.
  .refine((bt) => bt.net === bt.amount - bt.fee, {
    path: ['net'],
    message: 'must equal amount - fee',
  });

export type StripePayout = z.infer<typeof payoutSchema>;
export type StripeBalanceTransaction = z.infer<typeof balanceTransactionSchema>;

/** The id behind an expandable field. */
export const refId = (value: unknown): string | null => {
  const found = typeof value === 'object' && value !== null ? (value as { id?: unknown }).id : value;
  return typeof found === 'string' && found !== '' ? found : null;
};

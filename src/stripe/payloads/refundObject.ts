import { idSuffix, type Json } from './stripeList.js';

export type RefundShape = {
  id: string;
  /** Null for a refund not made against a charge. */
  charge: string | null;
  /** Leave out for the older shape, which names only the charge. */
  payment_intent?: string | null;
  amount: number;
  /** Lowercase ISO code. */
  currency: string;
  created: number;
  status: string | null;
  reason?: string | null;
  /** Only a failed refund has one. */
  failure_reason?: string;
  metadata?: Json;
};

/** A refund; `overrides` replace any field, for what the shape does not name. */
export const refundObject = (r: RefundShape, overrides: Json = {}): Json => ({
  id: r.id,
  object: 'refund',
  amount: r.amount,
  balance_transaction: `txn_${idSuffix(r.id)}`,
  charge: r.charge,
  created: r.created,
  currency: r.currency,
  destination_details: {
    card: { reference_status: 'pending', reference_type: 'acquirer_reference_number', type: 'refund' },
    type: 'card',
  },
  ...(r.failure_reason === undefined ? {} : { failure_reason: r.failure_reason }),
  metadata: r.metadata ?? {},
  ...(r.payment_intent === undefined ? {} : { payment_intent: r.payment_intent }),
  reason: r.reason === undefined ? 'requested_by_customer' : r.reason,
  receipt_number: null,
  source_transfer_reversal: null,
  status: r.status,
  transfer_reversal: null,
  ...overrides,
});

import type { Json } from './stripeList.js';

const DAY = 86_400;

export type DisputeShape = {
  /** Leave out for the 2013-era shape, when a charge had at most one dispute and it had no id. */
  id?: string;
  charge: string;
  /** Leave out for the older shape, which names only the charge. */
  payment_intent?: string | null;
  amount: number;
  /** Lowercase ISO code. */
  currency: string;
  created: number;
  status: string;
  reason?: string;
  /** When the evidence is due; a week after it opened by default. */
  due_by?: number;
  livemode?: boolean;
};

/** A card dispute; `overrides` replace any field, for what the shape does not name. */
export const disputeObject = (d: DisputeShape, overrides: Json = {}): Json => ({
  ...(d.id === undefined ? {} : { id: d.id }),
  object: 'dispute',
  amount: d.amount,
  balance_transactions: [],
  charge: d.charge,
  created: d.created,
  currency: d.currency,
  evidence: { customer_name: null, product_description: null, uncategorized_text: null },
  evidence_details: {
    due_by: d.due_by ?? d.created + 7 * DAY,
    has_evidence: false,
    past_due: false,
    submission_count: 0,
  },
  is_charge_refundable: false,
  livemode: d.livemode ?? false,
  metadata: {},
  ...(d.payment_intent === undefined ? {} : { payment_intent: d.payment_intent }),
  payment_method_details: {
    card: { brand: 'visa', case_type: 'chargeback', network_reason_code: '10.4' },
    type: 'card',
  },
  reason: d.reason ?? 'fraudulent',
  status: d.status,
  ...overrides,
});

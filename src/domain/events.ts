/** Domain events: one per modelled Stripe event type, named in the past tense (SPEC section 2). Each
 * type with the data it carries is DomainEvent (ledgerEvent.ts). */

export const DOMAIN_EVENT_TYPES = {
  'payment_intent.created': 'PaymentCreated',
  'payment_intent.processing': 'PaymentProcessing',
  'payment_intent.requires_action': 'PaymentActionRequired',
  'payment_intent.amount_capturable_updated': 'PaymentAuthorized',
  'payment_intent.succeeded': 'PaymentSucceeded',
  'payment_intent.payment_failed': 'PaymentFailed',
  'payment_intent.canceled': 'PaymentCanceled',
  'charge.succeeded': 'ChargeSucceeded',
  'charge.failed': 'ChargeFailed',
  'charge.captured': 'ChargeCaptured',
  'charge.updated': 'ChargeUpdated',
  'charge.refunded': 'ChargeRefunded',
  'charge.expired': 'ChargeExpired',
  'charge.dispute.created': 'DisputeOpened',
  'charge.dispute.updated': 'DisputeUpdated',
  'charge.dispute.funds_withdrawn': 'DisputeFundsWithdrawn',
  'charge.dispute.funds_reinstated': 'DisputeFundsReinstated',
  'charge.dispute.closed': 'DisputeClosed',
  'refund.created': 'RefundCreated',
  'refund.updated': 'RefundUpdated',
  'charge.refund.updated': 'RefundUpdated',
  'refund.failed': 'RefundFailed',
} as const;

export type ModelledStripeEventType = keyof typeof DOMAIN_EVENT_TYPES;
export type ModelledDomainEventType = (typeof DOMAIN_EVENT_TYPES)[ModelledStripeEventType];
/** Verified Stripe events of other types are stored under this type and not projected. */
export const UNMODELLED = 'StripeEventUnmodelled';

export type StripeObjectKind = 'payment_intent' | 'charge' | 'refund' | 'dispute';

export const objectKindOf = (type: ModelledDomainEventType): StripeObjectKind => {
  if (type.startsWith('Payment')) return 'payment_intent';
  if (type.startsWith('Charge')) return 'charge';
  if (type.startsWith('Refund')) return 'refund';
  return 'dispute';
};

/** Keys the ledger derives from the Stripe object; stored beside it, never mixed into it. */
export type DerivedKeys = {
  kind: StripeObjectKind | 'payout' | 'balance_transaction' | 'other';
  /** The payment intent the object names, directly or through an embedded charge; null when none. */
  payment_intent_id: string | null;
  /** Charges the object names (its own id for a charge; `charge` of a refund or dispute; embedded or latest charges of a payment intent). */
  charge_ids: string[];
  /** The payment (stream key) the event was appended to: a payment intent id or, for legacy charges, a charge id. */
  payment_id: string | null;
  /** Payout and balance transaction events: the payout they concern (stream `payout-<id>`). */
  payout_id?: string | null;
};

/** The `data` of a stored domain event: the Stripe object exactly as delivered, plus derived keys. `O`
 * is what the object was validated against when it was appended (see DomainEvent in ledgerEvent.ts). */
export type LedgerEventData<O = Record<string, unknown>> = {
  object: O;
  previous_attributes?: Record<string, unknown>;
  derived: DerivedKeys;
};

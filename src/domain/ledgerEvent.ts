/** A domain event as the ledger appends it: the event store stores these (src/eventstore/port.ts) and
 * the domain makes them, so they are the domain's, and the store depends on the domain, not back. */
import type { LedgerEventData as EventData, ModelledDomainEventType, UNMODELLED } from './events.js';
import type { IMPORTED } from './imported.js';
import type { BALANCE_TRANSACTION_RECORDED, PAYOUT_RECONCILED, PayoutEventType } from './moneyEvents.js';
import type { StripeBalanceTransaction, StripePayout } from './moneySchemas.js';
import type { ReconciliationPart } from './payoutParts.js';
import type { StripeCharge, StripeDispute, StripePaymentIntent, StripeRefund } from './schemas.js';

export type EventMetadata = {
  stripe_event_id: string;
  stripe_event_type: string;
  api_version: string | null;
  /** The Stripe event's `created`, unix seconds. */
  created: number;
  livemode: boolean;
  account: string | null;
  /** ISO-8601 time the ledger received the webhook. */
  received_at: string;
  request_id: string | null;
  schema_version: number;
};

type Json = Record<string, unknown>;

/**
 * Every domain event type with its data (SPEC sections 2 and 12): a `switch (event.type)` narrows
 * `event.data` to the object the event carries.
 */
export type DomainEvent =
  | { type: Extract<ModelledDomainEventType, `Payment${string}`>; data: EventData<StripePaymentIntent> }
  | { type: Extract<ModelledDomainEventType, `Charge${string}`>; data: EventData<StripeCharge> }
  | { type: Extract<ModelledDomainEventType, `Refund${string}`>; data: EventData<StripeRefund> }
  | { type: Extract<ModelledDomainEventType, `Dispute${string}`>; data: EventData<StripeDispute> }
  | { type: PayoutEventType; data: EventData<StripePayout> }
  | { type: typeof BALANCE_TRANSACTION_RECORDED; data: EventData<StripeBalanceTransaction> }
  | {
      type: typeof PAYOUT_RECONCILED;
      /** One part of the payout's listing; `reconciliation` absent: the whole listing, recorded before
       * parts existed (src/domain/payoutParts.ts). */
      data: EventData<StripePayout> & {
        transactions: StripeBalanceTransaction[];
        reconciliation?: ReconciliationPart;
      };
    }
  /** A snapshot of any importable object (src/domain/imported.ts); `object.object` says which. */
  | { type: typeof IMPORTED; data: EventData<Json> }
  /** Verified Stripe events of types the ledger does not model, kept as delivered. */
  | { type: typeof UNMODELLED; data: EventData<Json> };

export type NewEvent = DomainEvent & {
  /** UUIDv5 of the Stripe event id (see src/domain/eventId.ts). */
  id: string;
  metadata: EventMetadata;
};

/** A domain event as the ledger appends it: the event store stores these (src/eventstore/port.ts) and
 * the domain makes them, so they are the domain's, and the store depends on the domain, not back. */

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

export type NewEvent = {
  /** UUIDv5 of the Stripe event id (see src/domain/eventId.ts). */
  id: string;
  type: string;
  data: Record<string, unknown>;
  metadata: EventMetadata;
};

import { v5 as uuidv5 } from 'uuid';

/**
 * Namespace of every ledger event id. It must never change: event ids are a contract shared by both
 * event stores and by every retry of a webhook, and idempotent appends depend on a Stripe event always
 * mapping to the same id. Changing it would store every redelivered event a second time.
 */
export const EVENT_ID_NAMESPACE = '0e984654-d656-4dd0-8399-9f971e5f5e1f';

/** The ledger event id of a Stripe event: UUIDv5 of its id (`evt_...`) in EVENT_ID_NAMESPACE. */
export const eventIdOf = (stripeEventId: string): string => uuidv5(stripeEventId, EVENT_ID_NAMESPACE);

/**
 * Test builder: stored events made the way ingest makes them (derived keys, stream, event id) from the
 * Stripe-shaped objects of stripeShapes.ts. Test-only.
 */
import { deriveKeys } from '../../src/domain/derive.js';
import { eventIdOf } from '../../src/domain/eventId.js';
import {
  DOMAIN_EVENT_TYPES,
  objectKindOf,
  UNMODELLED,
  type ModelledStripeEventType,
} from '../../src/domain/events.js';
import { streamFor } from '../../src/domain/stream.js';
import type { StoredEvent } from '../../src/eventstore/port.js';

export { charge, dispute, paymentIntent, refund, T0 } from './stripeShapes.js';
export type { ChargeShape } from './stripeShapes.js';

type Json = Record<string, unknown>;

let sequence = 0;

export type EventOptions = {
  created: number;
  /** Stripe event id; defaults to a fresh one. */
  id?: string;
  account?: string | null;
  livemode?: boolean;
  /** The charge links ingest knew when it appended (decides the stream of a refund naming only a charge). */
  links?: ReadonlyMap<string, string>;
  /** The API version the event renders its object in; default 2024-06-20. */
  apiVersion?: string;
};

export const stripeEvent = (
  type: ModelledStripeEventType | 'customer.created',
  object: Json,
  options: EventOptions,
): StoredEvent => {
  sequence += 1;
  const stripeId = options.id ?? `evt_test_${sequence.toString().padStart(6, '0')}`;
  const modelled = type === 'customer.created' ? null : DOMAIN_EVENT_TYPES[type];
  const derived = deriveKeys(modelled === null ? 'other' : objectKindOf(modelled), object);
  const lookup = derived.charge_ids[0] ? (options.links?.get(derived.charge_ids[0]) ?? null) : null;
  const { stream, paymentId } = streamFor(derived, lookup, stripeId);
  // Unchecked, unlike translate: fold tests also store objects the type's schema would refuse.
  return {
    id: eventIdOf(stripeId),
    type: modelled ?? UNMODELLED,
    data: { object, derived: { ...derived, payment_id: paymentId } },
    metadata: {
      stripe_event_id: stripeId,
      stripe_event_type: type,
      api_version: options.apiVersion ?? '2024-06-20',
      created: options.created,
      livemode: options.livemode ?? false,
      account: options.account ?? null,
      received_at: new Date(options.created * 1000).toISOString(),
      request_id: null,
      schema_version: 1,
    },
    stream,
    streamVersion: 0,
    position: sequence,
    recordedAt: new Date(options.created * 1000),
  } as StoredEvent;
};

/** The same event delivered again (same Stripe event id, same everything). */
export const redelivered = (event: StoredEvent): StoredEvent => structuredClone(event);

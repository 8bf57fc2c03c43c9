import type { DomainEvent, EventMetadata, NewEvent } from './ledgerEvent.js';
import { deriveKeys } from './derive.js';
import { eventIdOf } from './eventId.js';
import {
  DOMAIN_EVENT_TYPES,
  objectKindOf,
  UNMODELLED,
  type LedgerEventData,
  type ModelledDomainEventType,
} from './events.js';
import { formatIssues } from './issues.js';
import { payoutEventTypeOf } from './moneyEvents.js';
import { payoutSchema } from './moneySchemas.js';
import { envelopeSchema, objectSchemas, type StripeEnvelope } from './schemas.js';

// The ingest path needs translate, then the stream rule: one import for both.
export { chargeNeedingLookup, streamFor, withPaymentId } from './stream.js';

/** Version of the stored event layout (data + metadata); bump when it changes incompatibly. */
export const SCHEMA_VERSION = 1;

/** A domain event with what the Stripe event said of itself; `type` narrows `data` (DomainEvent). */
export type Translated = DomainEvent & {
  /** UUIDv5 of the Stripe event id (eventIdOf). */
  eventId: string;
  stripe: {
    id: string;
    type: string;
    apiVersion: string | null;
    created: number;
    livemode: boolean;
    account: string | null;
    requestId: string | null;
  };
};

export type TranslateResult =
  | { kind: 'ok'; event: Translated }
  | { kind: 'invalid'; code: 'not_an_event' | 'invalid_object'; message: string };

const invalid = (code: 'not_an_event' | 'invalid_object', message: string): TranslateResult => ({
  kind: 'invalid',
  code,
  message,
});

/** hasOwn, not `in` or indexing: a Stripe type such as "constructor" must not hit Object.prototype. */
const modelledTypeOf = (stripeType: string): ModelledDomainEventType | null =>
  Object.hasOwn(DOMAIN_EVENT_TYPES, stripeType)
    ? DOMAIN_EVENT_TYPES[stripeType as keyof typeof DOMAIN_EVENT_TYPES]
    : null;

const requestIdOf = (request: StripeEnvelope['request']): string | null =>
  typeof request === 'string' ? request : (request?.id ?? null);

/** Checks a modelled object; null when it carries every field the ledger uses with the right type. */
const objectProblem = (type: ModelledDomainEventType, stripeType: string, object: unknown): string | null => {
  const kind = objectKindOf(type);
  const actual = (object as { object?: unknown }).object;
  if (actual !== kind) {
    const got =
      typeof actual === 'string' ? JSON.stringify(actual) : actual === undefined ? 'nothing' : typeof actual;
    return `data.object.object: a ${stripeType} event carries a ${kind}, got ${got}`;
  }
  const parsed = objectSchemas[kind].safeParse(object, { reportInput: true });
  return parsed.success ? null : formatIssues(parsed.error.issues, 'data.object');
};

/** Checks the payout of a payout.* event, as objectProblem does for the payment objects. */
const payoutProblem = (object: unknown): string | null => {
  const parsed = payoutSchema.safeParse(object, { reportInput: true });
  return parsed.success ? null : formatIssues(parsed.error.issues, 'data.object');
};

const payoutKeys = (object: Record<string, unknown>): LedgerEventData['derived'] => ({
  kind: 'payout',
  payment_intent_id: null,
  charge_ids: [],
  payment_id: null,
  payout_id: object.id as string,
});

/**
 * Turns a parsed webhook body into a domain event, or says why it is not one. Pure: the object is kept
 * by reference, exactly as delivered (zod's parsed copy is only used to validate). Unmodelled types are
 * accepted with any object, so they are stored for audit and for replay by a later version.
 */
export const translate = (body: unknown): TranslateResult => {
  const envelope = envelopeSchema.safeParse(body, { reportInput: true });
  if (!envelope.success) return invalid('not_an_event', formatIssues(envelope.error.issues, ''));
  const e = envelope.data;
  // The caller's own objects, not zod's copies: stored data must be the payload exactly as delivered.
  const raw = (
    body as { data: { object: Record<string, unknown>; previous_attributes?: Record<string, unknown> } }
  ).data;

  const modelled = modelledTypeOf(e.type);
  if (modelled !== null) {
    const problem = objectProblem(modelled, e.type, raw.object);
    if (problem !== null) return invalid('invalid_object', problem);
  }
  const payout = modelled === null ? payoutEventTypeOf(e.type) : null;
  if (payout !== null) {
    const problem = payoutProblem(raw.object);
    if (problem !== null) return invalid('invalid_object', problem);
  }
  const data: LedgerEventData = {
    object: raw.object,
    ...(raw.previous_attributes !== undefined && { previous_attributes: raw.previous_attributes }),
    derived:
      payout !== null
        ? payoutKeys(raw.object)
        : deriveKeys(modelled === null ? 'other' : objectKindOf(modelled), raw.object),
  };
  // The object was checked above against the schema of its type (none for an unmodelled one), so the
  // type and data are the DomainEvent they claim to be.
  const event = { type: modelled ?? payout ?? UNMODELLED, data } as DomainEvent;
  return {
    kind: 'ok',
    event: {
      ...event,
      eventId: eventIdOf(e.id),
      stripe: {
        id: e.id,
        type: e.type,
        apiVersion: e.api_version ?? null,
        created: e.created,
        livemode: e.livemode,
        account: e.account ?? null,
        requestId: requestIdOf(e.request),
      },
    },
  };
};

/** The event to append for a translated one (its stream decided by streamFor, then withPaymentId). */
export const newEventOf = (t: Translated, receivedAt: Date): NewEvent => {
  const { eventId, stripe: _stripe, ...event } = t;
  return { id: eventId, ...event, metadata: metadataOf(t, receivedAt) };
};

/** Store metadata of a translated event; receivedAt is passed in because reading the clock is impure. */
export const metadataOf = (t: Translated, receivedAt: Date): EventMetadata => ({
  stripe_event_id: t.stripe.id,
  stripe_event_type: t.stripe.type,
  api_version: t.stripe.apiVersion,
  created: t.stripe.created,
  livemode: t.stripe.livemode,
  account: t.stripe.account,
  received_at: receivedAt.toISOString(),
  request_id: t.stripe.requestId,
  schema_version: SCHEMA_VERSION,
});

import {
  DOMAIN_EVENT_TYPES,
  objectKindOf,
  UNMODELLED,
  type StripeObjectKind,
} from '../../src/domain/events.js';
import { isMoneyEvent } from '../../src/domain/moneyEvents.js';
import type { StoredEvent } from '../../src/eventstore/port.js';
import { IMPORTED } from '../../src/domain/imported.js';
import { fieldsOf, type Json } from './fields.js';
import {
  contextOf,
  objectOf,
  readCharge,
  readDispute,
  readPaymentIntent,
  readRefund,
  type ChargeFacts,
  type DisputeFacts,
  type EventContext,
  type PaymentIntentFacts,
  type RefundFacts,
} from './stripeObjects.js';

export type Identified<T> = { id: string; facts: T };
export type CarriedCharge = Identified<ChargeFacts> & { failedAttempt: boolean };

/** Every object an event carries, embedded ones included: a payment intent of API <= 2022-08-01
 * embeds its charges, and a charge of those versions embeds its refunds. This is the one place that
 * turns a stored event into the Stripe objects and facts the folds read (readCarried): a new event
 * type carrying Stripe objects (an imported snapshot) is added there, and every fold follows. */
export type Carried = {
  context: EventContext;
  /** An imported snapshot (StripeObjectImported): `context.created` is when the sync read the object,
   * not when anything happened to it. */
  snapshot: boolean;
  kind: StripeObjectKind;
  paymentIntent: Identified<PaymentIntentFacts> | null;
  charges: CarriedCharge[];
  refunds: Identified<RefundFacts>[];
  disputes: Identified<DisputeFacts>[];
};

const MODELLED_KINDS: ReadonlySet<string> = new Set(Object.values(DOMAIN_EVENT_TYPES).map(objectKindOf));

/** An imported snapshot carries the kind of its object; a kind no payment projection models (payout) is skipped. */
const importedKind = (event: StoredEvent): StripeObjectKind | null => {
  const kind = (event.data as { object?: { object?: unknown } }).object?.object;
  return typeof kind === 'string' && MODELLED_KINDS.has(kind) ? (kind as StripeObjectKind) : null;
};

/** The object kind of a modelled event; null for StripeEventUnmodelled and the money events (payouts,
 * balance transactions), which the payment projections skip. */
export const modelledKind = (event: StoredEvent): StripeObjectKind | null => {
  if (isMoneyEvent(event)) return null;
  switch (event.type) {
    case 'PaymentCreated':
    case 'PaymentProcessing':
    case 'PaymentActionRequired':
    case 'PaymentAuthorized':
    case 'PaymentSucceeded':
    case 'PaymentFailed':
    case 'PaymentCanceled':
      return 'payment_intent';
    case 'ChargeSucceeded':
    case 'ChargeFailed':
    case 'ChargeCaptured':
    case 'ChargeUpdated':
    case 'ChargeRefunded':
    case 'ChargeExpired':
      return 'charge';
    case 'RefundCreated':
    case 'RefundUpdated':
    case 'RefundFailed':
      return 'refund';
    case 'DisputeOpened':
    case 'DisputeUpdated':
    case 'DisputeFundsWithdrawn':
    case 'DisputeFundsReinstated':
    case 'DisputeClosed':
      return 'dispute';
    case IMPORTED:
      return importedKind(event);
    case UNMODELLED:
      return null;
    default: {
      // A type no domain event has: the store holds another writer's event, or a newer version's.
      const unhandled: never = event;
      const { id, type } = unhandled as { id: string; type: string };
      throw new Error(`event ${id}: type ${JSON.stringify(type)} is not a domain event type`);
    }
  }
};

const refundsIn = (charge: Json, path: string, ctx: EventContext): Identified<RefundFacts>[] =>
  fieldsOf(charge, path)
    .listItems('refunds')
    .map((refund, i) => {
      const f = fieldsOf(refund, `${path}.refunds.data[${i}]`);
      return { id: f.string('id'), facts: readRefund(f, ctx) };
    });

const chargeWithRefunds = (charge: Json, path: string, ctx: EventContext, type: string) => {
  const f = fieldsOf(charge, path);
  const facts = readCharge(f, ctx);
  // An expired authorisation was given back. Set on the facts just read (no one else holds them yet)
  // rather than on a spread copy, which V8 builds on a slow path.
  if (type === 'ChargeExpired' && !facts.captured) facts.released = true;
  const carried: CarriedCharge = {
    id: f.string('id'),
    facts,
    failedAttempt: facts.status.status === 'failed' || type === 'ChargeFailed',
  };
  return { charge: carried, refunds: refundsIn(charge, path, ctx) };
};

const readCarried = (event: StoredEvent): Carried | null => {
  const kind = modelledKind(event);
  if (kind === null) return null;
  const object = objectOf(event);
  if (object.object !== kind) {
    throw new Error(`event ${event.id} (${event.type}): data.object.object should be ${kind}`);
  }
  const context = contextOf(event);
  const path = 'data.object';
  const f = fieldsOf(object, path);
  const carried: Carried = {
    context,
    snapshot: event.type === IMPORTED,
    kind,
    paymentIntent: null,
    charges: [],
    refunds: [],
    disputes: [],
  };
  switch (kind) {
    case 'payment_intent': {
      carried.paymentIntent = { id: f.string('id'), facts: readPaymentIntent(f, context) };
      f.listItems('charges').forEach((charge, i) => {
        const embedded = chargeWithRefunds(charge, `${path}.charges.data[${i}]`, context, event.type);
        carried.charges.push(embedded.charge);
        carried.refunds.push(...embedded.refunds);
      });
      return carried;
    }
    case 'charge': {
      const own = chargeWithRefunds(object, path, context, event.type);
      carried.charges.push(own.charge);
      carried.refunds.push(...own.refunds);
      return carried;
    }
    case 'refund':
      carried.refunds.push({ id: f.string('id'), facts: readRefund(f, context) });
      return carried;
    case 'dispute': {
      const facts = readDispute(f, context);
      // 2013-era disputes have no id: a charge had at most one dispute then, so it is keyed by its charge.
      carried.disputes.push({ id: f.optString('id') ?? facts.snapshot.chargeId, facts });
      return carried;
    }
    default: {
      const unhandled: never = kind;
      throw new Error(`unhandled object kind ${String(unhandled)}`);
    }
  }
};

// Every projection reads the same stored event objects (the projector shares its reads), so the facts
// are read from the Stripe object once per event. Carried values are never mutated by their readers.
const memo = new WeakMap<StoredEvent, Carried | null>();

export const carriedBy = (event: StoredEvent): Carried | null => {
  const known = memo.get(event);
  if (known !== undefined) return known;
  const carried = readCarried(event);
  memo.set(event, carried);
  return carried;
};

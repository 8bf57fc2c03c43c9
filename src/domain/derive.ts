import type { DerivedKeys, StripeObjectKind } from './events.js';

type Json = Record<string, unknown>;

const isRecord = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The id behind an expandable field: the string itself, or the `id` of the expanded object. */
const idOf = (value: unknown): string | null => {
  const id = isRecord(value) ? value.id : value;
  return typeof id === 'string' && id !== '' ? id : null;
};

const KINDS: readonly string[] = [
  'payment_intent',
  'charge',
  'refund',
  'dispute',
] satisfies StripeObjectKind[];

const shapeOf = (object: Json): StripeObjectKind | null =>
  typeof object.object === 'string' && KINDS.includes(object.object)
    ? (object.object as StripeObjectKind)
    : null;

const distinct = (ids: (string | null)[]): string[] => [
  ...new Set(ids.filter((x): x is string => x !== null)),
];

const linksOf = (shape: StripeObjectKind | null, o: Json): { pi: string | null; charges: string[] } => {
  switch (shape) {
    case 'payment_intent': {
      const embedded = isRecord(o.charges) && Array.isArray(o.charges.data) ? o.charges.data : [];
      return { pi: idOf(o.id), charges: distinct([...embedded.map(idOf), idOf(o.latest_charge)]) };
    }
    case 'charge':
      return { pi: idOf(o.payment_intent), charges: distinct([idOf(o.id)]) };
    case 'refund':
    case 'dispute': {
      // Older refunds and disputes name only their charge; when it is expanded it may name the PI.
      const viaCharge = isRecord(o.charge) ? idOf(o.charge.payment_intent) : null;
      return { pi: idOf(o.payment_intent) ?? viaCharge, charges: distinct([idOf(o.charge)]) };
    }
    case null:
      return { pi: null, charges: [] };
    default: {
      const unhandled: never = shape;
      throw new Error(`unhandled object kind ${String(unhandled)}`);
    }
  }
};

/**
 * Keys the ledger derives from a Stripe object. `kind` is the modelled kind, or 'other' for event types
 * the ledger does not model; the links of those are still read, defensively because their object is
 * not validated, when the object is one of the four kinds, so that they sit in their payment's stream
 * and a later version that models the type finds them there on replay.
 * `payment_id` is left null for a refund or dispute without a payment intent: see streamFor.
 */
export const deriveKeys = (kind: StripeObjectKind | 'other', object: Json): DerivedKeys => {
  const shape = kind === 'other' ? shapeOf(object) : kind;
  const { pi, charges } = linksOf(shape, object);
  // A charge without a payment intent (legacy Charges API) is its own payment.
  const paymentId = pi ?? (shape === 'charge' ? (charges[0] ?? null) : null);
  return { kind, payment_intent_id: pi, charge_ids: charges, payment_id: paymentId };
};

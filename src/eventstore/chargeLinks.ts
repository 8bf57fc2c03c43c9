import type { EventStore } from './port.js';
import type { NewEvent } from '../domain/ledgerEvent.js';

type Derived = { payment_intent_id?: string | null; charge_ids?: string[] };

/**
 * Charge -> payment intent links named by events (a charge's payment_intent, a payment intent's
 * embedded or latest charges), as parallel arrays ready for an unnest() insert. Both adapters record
 * them so refunds and disputes that name only their charge reach the payment's stream.
 */
export const chargeLinksOf = (events: readonly NewEvent[]): [string[], string[]] => {
  const charges: string[] = [];
  const payments: string[] = [];
  for (const event of events) {
    const derived = (event.data as { derived?: Derived }).derived;
    if (!derived?.payment_intent_id) continue;
    for (const charge of derived.charge_ids ?? []) {
      charges.push(charge);
      payments.push(derived.payment_intent_id);
    }
  }
  return [charges, payments];
};

/** Charge id -> payment id for the given charges, as far as the store knows them. */
export const knownLinks = async (
  store: Pick<EventStore, 'paymentOfCharge' | 'paymentsOfCharges'>,
  chargeIds: readonly string[],
): Promise<Map<string, string>> => {
  if (chargeIds.length === 0) return new Map();
  if (store.paymentsOfCharges) return store.paymentsOfCharges(chargeIds);
  const found = await Promise.all(
    chargeIds.map(async (id) => [id, await store.paymentOfCharge(id)] as const),
  );
  return new Map(found.filter((entry): entry is [string, string] => entry[1] !== null));
};

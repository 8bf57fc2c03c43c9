import type { Queryable } from '../../src/db/port.js';
import type { StoredEvent } from '../../src/eventstore/port.js';
import { modelledKind } from './carried.js';
import { isRecord } from './fields.js';

/** Charge id -> payment id, as far as it is known. */
export type Links = ReadonlyMap<string, string>;

/** A modelled event and the payment it folds into. `absorbs`: charge ids whose orphan state (events
 * filed under the charge before its payment intent was known) now joins this payment. */
export type Routed = { event: StoredEvent; paymentId: string; absorbs: readonly string[] };

const STREAM_PREFIX = 'payment-';

/** The payment a stream belongs to; null for streams of events that concern no payment. */
export const streamPaymentId = (event: StoredEvent): string | null =>
  event.stream.startsWith(STREAM_PREFIX) ? event.stream.slice(STREAM_PREFIX.length) : null;

/** The links an event proves: the payment intent it names owns the charges it names. */
export const linksOf = (event: StoredEvent): [chargeId: string, paymentId: string][] => {
  const derived = (event.data as { derived?: unknown }).derived;
  if (!isRecord(derived) || typeof derived.payment_intent_id !== 'string') return [];
  const pi = derived.payment_intent_id;
  const charges = Array.isArray(derived.charge_ids) ? derived.charge_ids : [];
  return charges.filter((c): c is string => typeof c === 'string' && c !== pi).map((c) => [c, pi]);
};

/** The payment id of a charge-keyed event: the stored link, else a link proven within the batch. */
export const resolver = (events: readonly StoredEvent[], known: Links) => {
  const learnt = new Map(events.flatMap(linksOf));
  return (key: string): string => known.get(key) ?? learnt.get(key) ?? key;
};

/** Pure routing of a batch: unmodelled events and events of no payment are left out. */
export const routeBatch = (events: readonly StoredEvent[], known: Links): Routed[] => {
  const resolve = resolver(events, known);
  return events.flatMap((event) => {
    const key = streamPaymentId(event);
    if (modelledKind(event) === null || key === null) return [];
    const paymentId = resolve(key);
    const absorbs = linksOf(event)
      .filter(([, pi]) => pi === paymentId)
      .map(([charge]) => charge);
    return [{ event, paymentId, absorbs }];
  });
};

/** The stored links of every charge-keyed stream in the batch, in one statement. Payment intent ids
 * (`pi_`) are never charge ids, so they are not looked up. */
export const storedLinks = async (tx: Queryable, events: readonly StoredEvent[]): Promise<Links> => {
  const keys = [...new Set(events.map(streamPaymentId))].filter(
    (key): key is string => key !== null && !key.startsWith('pi_'),
  );
  if (keys.length === 0) return new Map();
  const { rows } = await tx.query<{ charge_id: string; payment_id: string }>(
    'SELECT charge_id, payment_id FROM eventstore.charge_links WHERE charge_id = ANY($1::text[])',
    [keys],
  );
  return new Map(rows.map((row) => [row.charge_id, row.payment_id]));
};

export const routeEvents = async (tx: Queryable, events: readonly StoredEvent[]): Promise<Routed[]> =>
  routeBatch(events, await storedLinks(tx, events));

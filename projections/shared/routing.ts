import { paymentOfStream } from '../../src/domain/stream.js';
import type { StoredEvent } from '../../src/eventstore/port.js';
import { modelledKind } from './carried.js';
import { isRecord } from './fields.js';
import type { Links, Routed } from '../projection.js';

/** The payment a stream belongs to; null for streams of events that concern no payment. */
export const streamPaymentId = (event: StoredEvent): string | null => paymentOfStream(event.stream);

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
    return [{ event, key: paymentId, paymentId, absorbs }];
  });
};

/** The charge-keyed streams of a batch, whose links the engine asks the event store for. Payment
 * intent ids (`pi_`) are never charge ids, so they are not looked up. */
export const chargeKeysOf = (events: readonly StoredEvent[]): string[] =>
  [...new Set(events.map(streamPaymentId))].filter(
    (key): key is string => key !== null && !key.startsWith('pi_'),
  );

/** The charge -> payment links a batch proves: states filed under those charges follow them. */
export const linksProvenBy = (events: readonly StoredEvent[]): Links =>
  new Map(events.flatMap((event) => (modelledKind(event) === null ? [] : linksOf(event))));

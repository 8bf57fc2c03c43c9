import { knownLinks } from '../eventstore/chargeLinks.js';
import type { EventStore, StoredEvent } from '../eventstore/port.js';
import type { Links } from '../../projections/projection.js';
import { chargeKeysOf } from '../../projections/shared/routing.js';

/** What the event store knows of a batch's charges (charge -> payment intent), read before the batch
 * is applied: the store may be another database (EventStoreDB), and the embedded database has one
 * connection, which the batch's transaction holds. */
export const batchLinks = (store: EventStore, events: readonly StoredEvent[]): Promise<Links> =>
  knownLinks(store, chargeKeysOf(events));

export type ReadBatch = { events: StoredEvent[]; links: Links };

/** Up to `limit` events after `after`, with their charge links. */
export const readWithLinks = async (store: EventStore, after: number, limit: number): Promise<ReadBatch> => {
  const events = await store.readAll(after, limit);
  return { events, links: await batchLinks(store, events) };
};

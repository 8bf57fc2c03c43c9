import type { EventStore, StoredEvent } from '../eventstore/port.js';

/**
 * Workers of different projections that sit at the same checkpoint read the same batch: the first read
 * is shared with the others, so a catch-up parses each event once instead of once per projection.
 * Only full batches are kept (a short one may grow as events arrive), and only the last few.
 */
export const sharedReads = (store: EventStore, keep = 6): EventStore['readAll'] => {
  const cache = new Map<string, Promise<StoredEvent[]>>();
  return (after, limit) => {
    const key = `${after}:${limit}`;
    const cached = cache.get(key);
    if (cached) return cached;
    const read = store.readAll(after, limit);
    cache.set(key, read);
    if (cache.size > keep) cache.delete(cache.keys().next().value!);
    read.then(
      (events) => events.length < limit && cache.delete(key),
      () => cache.delete(key),
    );
    return read;
  };
};

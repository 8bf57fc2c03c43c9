import type { Config } from '../config/config.js';
import type { Db } from '../db/port.js';
import type { EventStore } from '../eventstore/port.js';

/** Loaded only when configured, so the gRPC client costs nothing on the default PostgreSQL store. */
export const openEventStoreDb = async (config: Config, db: Db): Promise<EventStore> => {
  const { connectEventStoreDb } = await import('../eventstore/eventstoredb/connectEventStoreDb.js');
  const { eventStoreDbEventStore } = await import('../eventstore/eventstoredb/eventStoreDbEventStore.js');
  const client = await connectEventStoreDb(config.eventStoreConnectionString!);
  const store = eventStoreDbEventStore(client, db);
  return {
    ...store,
    close: async () => {
      await store.close();
      await client.dispose();
    },
  };
};

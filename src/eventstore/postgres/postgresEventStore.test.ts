import { describeEventStoreContract } from '../../../tests/support/eventStoreContract.js';
import { createTestDatabase } from '../../../tests/support/testDatabase.js';
import { postgresEventStore } from './postgresEventStore.js';

describeEventStoreContract('PostgreSQL', async () => {
  const database = await createTestDatabase();
  const store = postgresEventStore(database.db);
  return {
    store,
    // jsonb holds up to 255 MB: the webhook's 1 MiB body cap is the only limit that applies.
    maxAppendBytes: null,
    cleanup: async () => {
      await store.close();
      await database.drop();
    },
  };
});

import { describeEventStoreContract } from '../../../tests/support/eventStoreContract.js';
import { createTestDatabase } from '../../../tests/support/testDatabase.js';
import { postgresEventStore } from './postgresEventStore.js';

describeEventStoreContract('PostgreSQL', async () => {
  const database = await createTestDatabase();
  const store = postgresEventStore(database.db);
  return {
    store,
    cleanup: async () => {
      await store.close();
      await database.drop();
    },
  };
});

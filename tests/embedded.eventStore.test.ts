import { migrate } from '../src/db/migrate.js';
import { pgliteDb } from '../src/db/pglite.js';
import { postgresEventStore } from '../src/eventstore/postgres/postgresEventStore.js';
import { describeEventStoreContract } from './support/eventStoreContract.js';

// The PostgreSQL adapter's SQL (head-row lock, unnest of json[]/jsonb[], data-modifying CTEs,
// pg_notify) on the embedded database, whichever database the rest of this run uses.
describeEventStoreContract('PostgreSQL adapter on the embedded database', async () => {
  const db = await pgliteDb();
  await migrate(db);
  const store = postgresEventStore(db);
  return {
    store,
    maxAppendBytes: null,
    cleanup: async () => {
      await store.close();
      await db.close();
    },
  };
});

import { describeEventStoreContract } from '../../../tests/support/eventStoreContract.js';
import { DEFAULT_MAX_APPEND_SIZE } from '../../../tests/support/eventstoredb/appendHandler.js';
import { startInProcessServer } from '../../../tests/support/eventstoredb/inProcessServer.js';
import { createTestDatabase } from '../../../tests/support/testDatabase.js';
import { connectEventStoreDb } from './connectEventStoreDb.js';
import { eventStoreDbEventStore } from './eventStoreDbEventStore.js';

const subjectOn = async (connectionString: string) => {
  const database = await createTestDatabase();
  const client = await connectEventStoreDb(connectionString);
  const store = eventStoreDbEventStore(client, database.db);
  return {
    store,
    // A real server's limit is its MaxAppendSize option; the default is assumed here.
    maxAppendBytes: DEFAULT_MAX_APPEND_SIZE,
    cleanup: async () => {
      await store.close();
      await client.dispose();
      await database.drop();
    },
  };
};

describeEventStoreContract('EventStoreDB (in-process gRPC server)', async () => {
  const server = await startInProcessServer();
  const subject = await subjectOn(server.connectionString);
  return {
    ...subject,
    cleanup: async () => {
      await subject.cleanup();
      await server.stop();
    },
  };
});

const realServer = process.env.EVENTSTORE_CONNECTION_STRING;
if (realServer) {
  describeEventStoreContract('EventStoreDB (EVENTSTORE_CONNECTION_STRING)', () => subjectOn(realServer));
} else {
  describe.skip('event store contract: EventStoreDB (real server): skipped because EVENTSTORE_CONNECTION_STRING is not set', () => {
    it('runs the contract against e.g. esdb://localhost:2113?tls=false', () => undefined);
  });
}

import { EventStoreDBClient } from '@eventstore/db-client';
import { eventStoreDbEventStore } from '../../../src/eventstore/eventstoredb/eventStoreDbEventStore.js';
import type { EventStore } from '../../../src/eventstore/port.js';
import { createTestDatabase, type TestDatabase } from '../testDatabase.js';
import { startInProcessServer, type InProcessServer } from './inProcessServer.js';

export type InProcessStore = {
  server: InProcessServer;
  database: TestDatabase;
  client: EventStoreDBClient;
  store: EventStore;
};

/** The EventStoreDB adapter on the in-process server and a test database, for one describe block:
 * set up before its tests, taken down after them. Read the fields inside tests. */
export const useInProcessStore = (): InProcessStore => {
  const fixture = {} as InProcessStore;
  beforeAll(async () => {
    [fixture.server, fixture.database] = await Promise.all([startInProcessServer(), createTestDatabase()]);
    fixture.client = EventStoreDBClient.connectionString(fixture.server.connectionString);
    fixture.store = eventStoreDbEventStore(fixture.client, fixture.database.db);
  });
  afterAll(async () => {
    await fixture.store?.close();
    await fixture.client?.dispose();
    await fixture.server?.stop();
    await fixture.database?.drop();
  });
  return fixture;
};

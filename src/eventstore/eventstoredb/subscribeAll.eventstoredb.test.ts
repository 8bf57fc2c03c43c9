import { EventStoreDBClient, jsonEvent } from '@eventstore/db-client';
import { v4 as uuidv4 } from 'uuid';
import { newEvent } from '../../../tests/support/eventStoreContract.js';
import {
  startInProcessServer,
  type InProcessServer,
} from '../../../tests/support/eventstoredb/inProcessServer.js';
import { createTestDatabase, type TestDatabase } from '../../../tests/support/testDatabase.js';
import { waitFor } from '../../../tests/support/waitFor.js';
import type { EventStore, StoredEvent } from '../port.js';
import type { NewEvent } from '../../domain/ledgerEvent.js';
import { eventStoreDbEventStore } from './eventStoreDbEventStore.js';
import { subscribeAll } from './subscribeAll.js';

const uniqueStream = () => `payment-pi_${uuidv4().replaceAll('-', '')}`;

/** Appends through a server that may just have come back: the first call can meet the dead channel. */
const appendEventually = async (store: EventStore, stream: string, event: NewEvent) =>
  waitFor(
    () =>
      store.append(stream, [event], 'any').then(
        () => true,
        () => false,
      ),
    { what: 'an append' },
  );

describe('subscribeAll (the projector subscription) and onAppend', () => {
  let server: InProcessServer;
  let database: TestDatabase;
  let client: EventStoreDBClient;
  let store: EventStore;
  let stops: (() => Promise<void>)[];
  beforeEach(async () => {
    [server, database] = await Promise.all([startInProcessServer(), createTestDatabase()]);
    client = EventStoreDBClient.connectionString(server.connectionString);
    store = eventStoreDbEventStore(client, database.db);
    stops = [];
  });
  afterEach(async () => {
    await Promise.all(stops.map((stop) => stop()));
    await store.close();
    await client.dispose();
    await server.stop();
    await database.drop();
  });

  const follow = (from: number) => {
    const seen: StoredEvent[] = [];
    const errors: Error[] = [];
    stops.push(
      subscribeAll(
        client,
        from,
        async (event) => void seen.push(event),
        (error) => errors.push(error),
      ),
    );
    return { seen, errors, ids: () => seen.map((event) => event.id) };
  };

  it('starts after the checkpoint, catches up, goes live, and skips non-ledger and system events', async () => {
    const stream = uniqueStream();
    const [a, b, c] = [newEvent(), newEvent(), newEvent()];
    await store.append(stream, [a, b], 'any');
    await client.appendToStream(`orders-${uuidv4()}`, jsonEvent({ type: 'NotOurs', data: {} }));
    const checkpoint = (await store.readStream(stream))[0]!.position;
    const subscription = follow(checkpoint);
    await waitFor(() => subscription.seen.length === 1, { what: 'the catch-up' });
    await store.append(stream, [c], 'any');
    await waitFor(() => subscription.seen.length === 2, { what: 'the live event' });
    expect(subscription.ids()).toEqual([b.id, c.id]);
    expect(subscription.seen.map((event) => event.position)).toEqual(
      (await store.readAll(checkpoint, 10)).map((event) => event.position),
    );
  });

  it('resubscribes from the last delivered event after the server restarts', async () => {
    const stream = uniqueStream();
    const [before, after] = [newEvent(), newEvent()];
    const subscription = follow(0);
    await store.append(stream, [before], 'any');
    await waitFor(() => subscription.seen.length === 1, { what: 'the first event' });
    await server.restart();
    await appendEventually(store, stream, after);
    await waitFor(() => subscription.seen.length === 2, { what: 'the event after the restart' });
    expect(subscription.ids()).toEqual([before.id, after.id]);
    expect(subscription.errors.length).toBeGreaterThan(0);
  });

  it('resubscribes when the server drops the subscription, delivering each event once', async () => {
    const stream = uniqueStream();
    const [before, after] = [newEvent(), newEvent()];
    const subscription = follow(0);
    await store.append(stream, [before], 'any');
    await waitFor(() => subscription.seen.length === 1, { what: 'the first event' });
    server.dropSubscriptions();
    await waitFor(() => subscription.errors.length > 0, { what: 'the drop to be reported' });
    await store.append(stream, [after], 'any');
    await waitFor(() => subscription.seen.length === 2, { what: 'the event after the drop' });
    expect(subscription.ids()).toEqual([before.id, after.id]);
  });

  it('hands an event again after onEvent failed on it', async () => {
    const event = newEvent();
    const attempts: string[] = [];
    const errors: Error[] = [];
    stops.push(
      subscribeAll(
        client,
        0,
        async (stored) => {
          attempts.push(stored.id);
          if (attempts.length === 1) throw new Error('database unavailable');
        },
        (error) => errors.push(error),
      ),
    );
    await store.append(uniqueStream(), [event], 'any');
    await waitFor(() => attempts.length === 2, { what: 'the retry' });
    expect(attempts).toEqual([event.id, event.id]);
    expect(errors.map((error) => error.message)).toEqual(['database unavailable']);
  });

  it('stops delivering once stopped', async () => {
    const subscription = follow(0);
    await store.append(uniqueStream(), [newEvent()], 'any');
    await waitFor(() => subscription.seen.length === 1, { what: 'the first event' });
    await stops.pop()!();
    // A witness that keeps running: once it has the later events, a subscription that had not stopped
    // would have been sent them too (the server feeds every live subscription from the same log).
    const witness = follow(0);
    await store.append(uniqueStream(), [newEvent()], 'any');
    await store.append(uniqueStream(), [newEvent()], 'any');
    await waitFor(() => witness.seen.length === 3, { what: 'the witness to see all three events' });
    await store.append(uniqueStream(), [newEvent()], 'any');
    await waitFor(() => witness.seen.length === 4, { what: 'the witness to see a fourth event' });
    expect(subscription.seen).toHaveLength(1);
  });

  it('keeps signalling appends (onAppend) after the server dropped its subscription', async () => {
    let signals = 0;
    stops.push(await store.onAppend(() => (signals += 1)));
    await store.append(uniqueStream(), [newEvent()], 'any');
    await waitFor(() => signals === 1, { what: 'the first signal' });
    server.dropSubscriptions();
    await store.append(uniqueStream(), [newEvent()], 'any');
    await waitFor(() => signals === 2, { what: 'a signal after the drop' });
  });
});

import {
  ANY,
  BACKWARDS,
  END,
  EventStoreDBClient,
  jsonEvent,
  MaxAppendSizeExceededError,
  NO_STREAM,
  START,
  StreamNotFoundError,
  WrongExpectedVersionError,
  streamNameFilter,
  type AllStreamResolvedEvent,
} from '@eventstore/db-client';
import { v4 as uuidv4 } from 'uuid';
import { startInProcessServer, type InProcessServer } from './inProcessServer.js';

const collect = async <T>(read: AsyncIterable<T>): Promise<T[]> => {
  const items: T[] = [];
  for await (const item of read) items.push(item);
  return items;
};

const event = (id = uuidv4()) => jsonEvent({ id, type: 'Tested', data: { id } });

describe('in-process EventStoreDB server, seen through @eventstore/db-client', () => {
  let server: InProcessServer;
  let client: EventStoreDBClient;
  beforeAll(async () => {
    server = await startInProcessServer();
    client = EventStoreDBClient.connectionString(server.connectionString);
  });
  afterAll(async () => {
    await client.dispose();
    await server.stop();
  });

  it('appends with 0-based revisions and reads the stream both ways', async () => {
    const stream = `payment-${uuidv4()}`;
    const first = await client.appendToStream(stream, [event(), event()], { expectedRevision: NO_STREAM });
    expect(first.nextExpectedRevision).toBe(1n);
    const forwards = await collect(client.readStream(stream));
    expect(forwards.map((resolved) => resolved.event?.revision)).toEqual([0n, 1n]);
    const backwards = await collect(client.readStream(stream, { direction: BACKWARDS, fromRevision: END }));
    expect(backwards.map((resolved) => resolved.event?.revision)).toEqual([1n, 0n]);
  });

  it('answers stream-not-found for a missing stream', async () => {
    await expect(collect(client.readStream(`payment-${uuidv4()}`))).rejects.toBeInstanceOf(
      StreamNotFoundError,
    );
  });

  it('rejects a wrong expected revision with the current revision', async () => {
    const stream = `payment-${uuidv4()}`;
    await client.appendToStream(stream, event());
    const error = await client.appendToStream(stream, event(), { expectedRevision: 5n }).catch((e) => e);
    expect(error).toBeInstanceOf(WrongExpectedVersionError);
    expect(error).toMatchObject({ actualVersion: 0n, expectedVersion: 5n });
    const missing = await client
      .appendToStream(`payment-${uuidv4()}`, event(), { expectedRevision: 0n })
      .catch((e) => e);
    expect(missing).toMatchObject({ actualVersion: 'no_stream' });
  });

  it('answers a retry at the same expected revision as the first write: success, same revision and position', async () => {
    const stream = `payment-${uuidv4()}`;
    const retried = [event(), event()];
    const first = await client.appendToStream(stream, retried, { expectedRevision: NO_STREAM });
    const again = await client.appendToStream(stream, retried, { expectedRevision: NO_STREAM });
    expect(first.position).toBeDefined();
    expect(again).toEqual({
      success: true,
      nextExpectedRevision: 1n,
      position: first.position,
    });
    expect(await collect(client.readStream(stream))).toHaveLength(2);
  });

  it('answers a retry whose events only partly match the stream as a wrong expected version', async () => {
    const stream = `payment-${uuidv4()}`;
    const [kept, other] = [event(), event()];
    await client.appendToStream(stream, [kept, other], { expectedRevision: NO_STREAM });
    const partly = await client
      .appendToStream(stream, [kept, event()], { expectedRevision: NO_STREAM })
      .catch((e) => e);
    expect(partly).toBeInstanceOf(WrongExpectedVersionError);
    expect(await collect(client.readStream(stream))).toHaveLength(2);
  });

  it('refuses an append over 1,048,576 bytes as the server does, stores none of it, and keeps serving', async () => {
    const stream = `payment-${uuidv4()}`;
    // Counted as data + metadata + 2 x type length: 'Tested' is 6 characters, so 12 bytes.
    const sized = (bytes: number) =>
      jsonEvent({ type: 'Tested', data: { pad: 'x'.repeat(bytes - 12 - '{"pad":""}'.length) } });
    const refused = await client.appendToStream(stream, sized(1_048_577)).catch((e) => e);
    expect(refused).toBeInstanceOf(MaxAppendSizeExceededError);
    expect(refused).toMatchObject({ maxAppendSize: 1_048_576 });
    const split = await client.appendToStream(stream, [sized(600_000), sized(600_000)]).catch((e) => e);
    expect(split).toBeInstanceOf(MaxAppendSizeExceededError);
    await expect(collect(client.readStream(stream))).rejects.toBeInstanceOf(StreamNotFoundError);
    expect(await client.appendToStream(stream, sized(1_048_576))).toMatchObject({ success: true });
  });

  it('does not dedupe appends under ANY: it has no duplicate cache', async () => {
    const stream = `payment-${uuidv4()}`;
    const twice = event();
    await client.appendToStream(stream, twice, { expectedRevision: ANY });
    await client.appendToStream(stream, twice, { expectedRevision: ANY });
    expect(await collect(client.readStream(stream))).toHaveLength(2);
  });

  it('reads $all forwards from a position inclusively and backwards exclusively, in growing positions', async () => {
    await client.appendToStream(`payment-${uuidv4()}`, [event(), event(), event()]);
    const all = await collect(client.readAll());
    const positions = all.map((resolved) => resolved.event!.position.commit);
    expect([...positions].sort((a, b) => (a < b ? -1 : 1))).toEqual(positions);
    expect(new Set(positions).size).toBe(positions.length);
    const middle = all[2]!.event!.position;
    const forwards = await collect(client.readAll({ fromPosition: middle, maxCount: 1 }));
    expect(forwards[0]!.event!.id).toBe(all[2]!.event!.id);
    const backwards = await collect(
      client.readAll({ fromPosition: middle, direction: BACKWARDS, maxCount: 1 }),
    );
    expect(backwards[0]!.event!.id).toBe(all[1]!.event!.id);
  });

  it('catches a filtered $all subscription up, signals caught-up, then delivers live events', async () => {
    const prefix = `filtered${uuidv4().slice(0, 8)}-`;
    await client.appendToStream(`${prefix}1`, event());
    await client.appendToStream(`other-${uuidv4()}`, event());
    const subscription = client.subscribeToAll({
      fromPosition: START,
      filter: streamNameFilter({ prefixes: [prefix] }),
    });
    const seen: string[] = [];
    let caughtUp = 0;
    subscription.on('caughtUp', () => (caughtUp += 1));
    const live = event();
    for await (const resolved of subscription as AsyncIterable<AllStreamResolvedEvent>) {
      seen.push(resolved.event!.streamId);
      if (seen.length === 1) await client.appendToStream(`${prefix}2`, live);
      if (seen.length === 2) break;
    }
    await subscription.unsubscribe();
    expect(seen).toEqual([`${prefix}1`, `${prefix}2`]);
    expect(caughtUp).toBe(1);
  });
});

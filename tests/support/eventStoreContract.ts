import { v4 as uuidv4 } from 'uuid';
import { EventTooLargeError } from '../../src/eventstore/eventTooLarge.js';
import type { NewEvent } from '../../src/domain/ledgerEvent.js';
import { type EventStore, PartialAppendError } from '../../src/eventstore/port.js';
import { waitFor } from './waitFor.js';

export type ContractSubject = {
  store: EventStore;
  cleanup: () => Promise<void>;
  /** Bytes one append may hold at most (EventStoreDB's MaxAppendSize), or null when well over 1.5 MB. */
  maxAppendBytes: number | null;
};

/** An event with any type and data: the store does not read them (beyond the charge links in
 * `data.derived`), so contract and poison events need not be valid domain events. */
type AnyEvent = Omit<NewEvent, 'type' | 'data'> & { type: string; data: Record<string, unknown> };

let counter = 0;
export const newEvent = (overrides: Partial<AnyEvent> = {}): NewEvent => {
  counter += 1;
  const stripeId = `evt_contract_${counter}_${uuidv4().slice(0, 8)}`;
  return {
    id: uuidv4(),
    type: 'PaymentCreated',
    data: { object: { id: `pi_${counter}`, amount: 1000 + counter }, derived: { kind: 'payment_intent' } },
    metadata: {
      stripe_event_id: stripeId,
      stripe_event_type: 'payment_intent.created',
      api_version: '2024-06-20',
      created: 1_700_000_000 + counter,
      livemode: false,
      account: null,
      received_at: new Date().toISOString(),
      request_id: null,
      schema_version: 1,
    },
    ...overrides,
  } as NewEvent;
};

const uniqueStream = () => `payment-pi_${uuidv4().replaceAll('-', '')}`;

/** The event-store contract: every adapter runs it against its own subject. */
export const describeEventStoreContract = (name: string, makeSubject: () => Promise<ContractSubject>) => {
  describe(`event store contract: ${name}`, () => {
    let subject: ContractSubject;
    beforeAll(async () => {
      subject = await makeSubject();
    });
    afterAll(async () => {
      await subject.cleanup();
    });

    it('reads back appended events in stream order with their data and metadata', async () => {
      const stream = uniqueStream();
      const events = [newEvent(), newEvent({ type: 'PaymentSucceeded' })];
      const result = await subject.store.append(stream, events, 'no_stream');
      expect(result).toMatchObject({ kind: 'ok', nextExpectedVersion: 1 });
      const read = await subject.store.readStream(stream);
      expect(read.map((event) => [event.id, event.type, event.streamVersion])).toEqual([
        [events[0]!.id, 'PaymentCreated', 0],
        [events[1]!.id, 'PaymentSucceeded', 1],
      ]);
      expect(read[0]!.data).toEqual(events[0]!.data);
      expect(read[0]!.metadata).toEqual(events[0]!.metadata);
      expect(read[1]!.position).toBeGreaterThan(read[0]!.position);
    });

    it('gives each event the time it was stored, the same from the stream and from the log', async () => {
      const stream = uniqueStream();
      const start = await subject.store.headPosition();
      // The store's clock may be another machine's: a minute either way is still "when it was stored".
      const before = Date.now() - 60_000;
      await subject.store.append(stream, [newEvent()], 'no_stream');
      const after = Date.now() + 60_000;
      const [fromStream] = await subject.store.readStream(stream);
      const fromLog = (await subject.store.readAll(start, 1000)).find((e) => e.id === fromStream!.id);
      expect(fromStream!.recordedAt).toBeInstanceOf(Date);
      expect(fromStream!.recordedAt.getTime()).toBeGreaterThan(before);
      expect(fromStream!.recordedAt.getTime()).toBeLessThan(after);
      expect(fromLog!.recordedAt.getTime()).toBe(fromStream!.recordedAt.getTime());
    });

    it('answers an empty list for a stream that does not exist', async () => {
      expect(await subject.store.readStream(uniqueStream())).toEqual([]);
    });

    it('reports a conflict and stores nothing when the expected version is wrong', async () => {
      const stream = uniqueStream();
      await subject.store.append(stream, [newEvent()], 'no_stream');
      expect(await subject.store.append(stream, [newEvent()], 'no_stream')).toEqual({
        kind: 'conflict',
        actualVersion: 0,
      });
      expect(await subject.store.append(stream, [newEvent()], 5)).toEqual({
        kind: 'conflict',
        actualVersion: 0,
      });
      expect(await subject.store.append(uniqueStream(), [newEvent()], 0)).toEqual({
        kind: 'conflict',
        actualVersion: 'no_stream',
      });
      expect(await subject.store.readStream(stream)).toHaveLength(1);
    });

    it('appends under the exact expected version and under any', async () => {
      const stream = uniqueStream();
      await subject.store.append(stream, [newEvent()], 'no_stream');
      expect(await subject.store.append(stream, [newEvent()], 0)).toMatchObject({
        kind: 'ok',
        nextExpectedVersion: 1,
      });
      expect(await subject.store.append(stream, [newEvent()], 'any')).toMatchObject({
        kind: 'ok',
        nextExpectedVersion: 2,
      });
    });

    it('stores an event id once and answers duplicate on re-append, whatever the expected version', async () => {
      const stream = uniqueStream();
      const event = newEvent();
      await subject.store.append(stream, [event], 'no_stream');
      expect(await subject.store.append(stream, [event], 'no_stream')).toEqual({ kind: 'duplicate' });
      expect(await subject.store.append(stream, [event], 'any')).toEqual({ kind: 'duplicate' });
      expect(await subject.store.readStream(stream)).toHaveLength(1);
    });

    it('stores an event id once even when it is re-appended to another stream', async () => {
      const [first, second] = [uniqueStream(), uniqueStream()];
      const event = newEvent();
      await subject.store.append(first, [event], 'any');
      expect(await subject.store.append(second, [event], 'any')).toEqual({ kind: 'duplicate' });
      expect(await subject.store.readStream(second)).toEqual([]);
      expect(await subject.store.readStream(first)).toHaveLength(1);
    });

    it('gives each request of a batch its own answer and dedupes within the batch', async () => {
      const [streamA, streamB] = [uniqueStream(), uniqueStream()];
      const event = newEvent();
      const results = await subject.store.appendMany([
        { stream: streamA, events: [event], expectedVersion: 'any' },
        { stream: streamA, events: [event], expectedVersion: 'any' },
        { stream: streamB, events: [newEvent()], expectedVersion: 3 },
        { stream: streamB, events: [newEvent()], expectedVersion: 'no_stream' },
      ]);
      expect(results.map((result) => result.kind)).toEqual(['ok', 'duplicate', 'conflict', 'ok']);
      expect(await subject.store.readStream(streamA)).toHaveLength(1);
      expect(await subject.store.readStream(streamB)).toHaveLength(1);
    });

    it('reads all streams in one global order, in pages after a position', async () => {
      const start = await subject.store.headPosition();
      const [streamA, streamB] = [uniqueStream(), uniqueStream()];
      const appended = [newEvent(), newEvent(), newEvent(), newEvent()];
      await subject.store.append(streamA, [appended[0]!], 'any');
      await subject.store.append(streamB, [appended[1]!], 'any');
      await subject.store.append(streamA, [appended[2]!, appended[3]!], 'any');
      const firstPage = await subject.store.readAll(start, 2);
      const rest = await subject.store.readAll(firstPage[1]!.position, 100);
      const ids = [...firstPage, ...rest].map((event) => event.id);
      expect(ids).toEqual(appended.map((event) => event.id));
      expect([...firstPage, ...rest].map((event) => event.stream)).toEqual([
        streamA,
        streamB,
        streamA,
        streamA,
      ]);
      expect(await subject.store.headPosition()).toBe(rest.at(-1)!.position);
    });

    it('signals appends to subscribers', async () => {
      let signals = 0;
      const unsubscribe = await subject.store.onAppend(() => {
        signals += 1;
      });
      try {
        await subject.store.append(uniqueStream(), [newEvent()], 'any');
        await waitFor(() => signals > 0, { what: 'an append signal' });
      } finally {
        await unsubscribe();
      }
    });

    it('stores a 1.5 MB event, or refuses it with an error naming the limit and stays usable', async () => {
      const stream = uniqueStream();
      const large = newEvent({
        data: {
          object: { id: 'pi_large', description: 'x'.repeat(1_500_000) },
          derived: { kind: 'payment_intent' },
        },
      });
      const small = newEvent();
      if (subject.maxAppendBytes === null) {
        expect(await subject.store.append(stream, [large], 'any')).toMatchObject({ kind: 'ok' });
        expect((await subject.store.readStream(stream))[0]!.data).toEqual(large.data);
      } else {
        const refused = await subject.store.append(stream, [large], 'any').catch((error: unknown) => error);
        expect(refused).toBeInstanceOf(EventTooLargeError);
        expect(refused).toMatchObject({ limitBytes: subject.maxAppendBytes, stream });
        expect((refused as Error).message).toContain(`limit of ${subject.maxAppendBytes} bytes`);
        expect(await subject.store.readStream(stream)).toEqual([]);
      }
      expect(await subject.store.append(stream, [small], 'any')).toMatchObject({ kind: 'ok' });
      // A batch holding it answers the others: one request over the limit does not fail its neighbours,
      // and the error says which were stored (a retry would call them duplicates).
      const neighbour = uniqueStream();
      const batch = subject.store.appendMany([
        { stream: neighbour, events: [newEvent()], expectedVersion: 'any' },
        { stream: uniqueStream(), events: [newEvent({ ...large, id: uuidv4() })], expectedVersion: 'any' },
      ]);
      if (subject.maxAppendBytes === null) await expect(batch).resolves.toHaveLength(2);
      else {
        const partial = await batch.catch((error: unknown) => error);
        expect(partial).toBeInstanceOf(PartialAppendError);
        const [stored, refused] = (partial as PartialAppendError).outcomes;
        expect(stored).toMatchObject({ status: 'fulfilled', value: { kind: 'ok' } });
        expect(refused).toMatchObject({ status: 'rejected', reason: expect.any(EventTooLargeError) });
      }
      expect(await subject.store.readStream(neighbour)).toHaveLength(1);
    });

    it('remembers which payment a charge belongs to from the events that name both', async () => {
      const charge = `ch_${uuidv4().replaceAll('-', '')}`;
      expect(await subject.store.paymentOfCharge(charge)).toBeNull();
      await subject.store.append(
        'payment-pi_linked',
        [
          newEvent({
            data: {
              object: { id: charge },
              derived: {
                kind: 'charge',
                payment_intent_id: 'pi_linked',
                charge_ids: [charge],
                payment_id: 'pi_linked',
              },
            },
          }),
        ],
        'any',
      );
      expect(await subject.store.paymentOfCharge(charge)).toBe('pi_linked');
    });
  });
};

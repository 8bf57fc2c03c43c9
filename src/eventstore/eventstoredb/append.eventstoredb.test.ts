import { ANY, jsonEvent, NO_STREAM } from '@eventstore/db-client';
import { v4 as uuidv4 } from 'uuid';
import { newEvent } from '../../../tests/support/eventStoreContract.js';
import { useInProcessStore } from '../../../tests/support/eventstoredb/inProcessStore.js';
import type { StoredEvent } from '../port.js';
import { planAppend } from './append.js';

const uniqueStream = () => `payment-pi_${uuidv4().replaceAll('-', '')}`;
const kinds = (results: { kind: string }[]) => results.map((result) => result.kind).sort();

describe('EventStoreDB appends', () => {
  const esdb = useInProcessStore();
  afterEach(() => jest.restoreAllMocks());

  describe('idempotency without the server duplicate cache (the in-process server never dedupes ANY)', () => {
    it('stores a redelivered event once', async () => {
      const stream = uniqueStream();
      const event = newEvent();
      expect(await esdb.store.append(stream, [event], 'any')).toMatchObject({ kind: 'ok' });
      expect(await esdb.store.append(stream, [event], 'any')).toEqual({ kind: 'duplicate' });
      expect(await esdb.store.readStream(stream)).toHaveLength(1);
    });

    it('stores an event once when two deliveries of it race, answering the second as a duplicate', async () => {
      const stream = uniqueStream();
      const event = newEvent();
      const results = await Promise.all([
        esdb.store.append(stream, [event], 'any'),
        esdb.store.append(stream, [event], 'any'),
      ]);
      expect(kinds(results)).toEqual(['duplicate', 'ok']);
      expect(await esdb.store.readStream(stream)).toHaveLength(1);
    });

    // The server answers the loser of such a race as an idempotent retry, with the winner's revision and
    // position (memoryLog.ts): only the stored event tells the two answers apart.
    it('answers exactly one of many racing deliveries as new and the rest as duplicates, every time', async () => {
      for (let round = 0; round < 25; round += 1) {
        const stream = uniqueStream();
        const event = newEvent();
        const results = await Promise.all(
          Array.from({ length: 6 }, () => esdb.store.append(stream, [event], 'any')),
        );
        expect(kinds(results)).toEqual([
          'duplicate',
          'duplicate',
          'duplicate',
          'duplicate',
          'duplicate',
          'ok',
        ]);
        expect(await esdb.store.readStream(stream)).toHaveLength(1);
      }
    });

    it('stores both events when two different events race under any', async () => {
      const stream = uniqueStream();
      const results = await Promise.all([
        esdb.store.append(stream, [newEvent()], 'any'),
        esdb.store.append(stream, [newEvent()], 'any'),
      ]);
      expect(kinds(results)).toEqual(['ok', 'ok']);
      expect((await esdb.store.readStream(stream)).map((event) => event.streamVersion)).toEqual([0, 1]);
    });

    it('reports a conflict to the loser of a race under an explicit expected version', async () => {
      const stream = uniqueStream();
      const results = await Promise.all([
        esdb.store.append(stream, [newEvent()], 'no_stream'),
        esdb.store.append(stream, [newEvent()], 'no_stream'),
      ]);
      expect(results).toContainEqual({ kind: 'conflict', actualVersion: 0 });
      expect(kinds(results)).toEqual(['conflict', 'ok']);
    });

    it('gives up with an error naming the stream when other appends keep moving it', async () => {
      const stream = uniqueStream();
      const append = esdb.client.appendToStream.bind(esdb.client);
      // Another writer gets in before every one of our appends.
      jest.spyOn(esdb.client, 'appendToStream').mockImplementation(async (name, events, options) => {
        await append(name, jsonEvent({ type: 'Other', data: {} }), { expectedRevision: ANY });
        return append(name, events, options);
      });
      await expect(esdb.store.append(stream, [newEvent()], 'any')).rejects.toThrow(
        `stream ${stream} kept changing`,
      );
    });
  });

  describe('expected version mapping', () => {
    it('appends under NO_STREAM, the exact revision, and the revision read for any (never ANY)', async () => {
      const stream = uniqueStream();
      const spy = jest.spyOn(esdb.client, 'appendToStream');
      await esdb.store.append(stream, [newEvent()], 'no_stream');
      await esdb.store.append(stream, [newEvent()], 0);
      await esdb.store.append(stream, [newEvent()], 'any');
      expect(spy.mock.calls.map(([, , options]) => options?.expectedRevision)).toEqual([NO_STREAM, 0n, 1n]);
    });

    it('maps a wrong expected version to a conflict carrying the version or no_stream', async () => {
      const stream = uniqueStream();
      await esdb.store.append(stream, [newEvent(), newEvent()], 'no_stream');
      expect(await esdb.store.append(stream, [newEvent()], 0)).toEqual({
        kind: 'conflict',
        actualVersion: 1,
      });
      expect(await esdb.store.append(uniqueStream(), [newEvent()], 3)).toEqual({
        kind: 'conflict',
        actualVersion: 'no_stream',
      });
    });
  });

  describe('planAppend', () => {
    const stored = (events: { id: string }[]): StoredEvent[] =>
      events.map((event, index) => ({
        ...newEvent(),
        id: event.id,
        stream: 's',
        streamVersion: index,
        position: 10 * (index + 1),
        recordedAt: new Date(),
      }));

    it('appends only the events not yet in the stream, once each', () => {
      const [kept, fresh] = [newEvent(), newEvent()];
      const step = planAppend(stored([kept]), [kept, fresh, fresh], 'any');
      expect(step).toMatchObject({ kind: 'append', current: 0 });
      expect(step.kind === 'append' && step.events.map((event) => event.id)).toEqual([fresh.id]);
    });

    it('answers ok without writing for an empty append at the right version', () => {
      expect(planAppend(stored([newEvent()]), [], 0)).toEqual({
        kind: 'ok',
        position: 10,
        nextExpectedVersion: 0,
      });
    });
  });

  it('records charge links again on a duplicate, repairing a link lost after the events were stored', async () => {
    const charge = `ch_${uuidv4().replaceAll('-', '')}`;
    const event = newEvent({
      data: {
        object: { id: charge },
        derived: { kind: 'charge', payment_intent_id: 'pi_x', charge_ids: [charge] },
      },
    });
    await esdb.store.append('payment-pi_x', [event], 'any');
    await esdb.database.db.query('DELETE FROM eventstore.charge_links WHERE charge_id = $1', [charge]);
    expect(await esdb.store.append('payment-pi_x', [event], 'any')).toEqual({ kind: 'duplicate' });
    expect(await esdb.store.paymentOfCharge(charge)).toBe('pi_x');
  });
});

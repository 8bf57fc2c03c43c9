import { v4 as uuidv4 } from 'uuid';
import { newEvent } from '../../tests/support/eventStoreContract.js';
import { useInProcessStore } from '../../tests/support/eventstoredb/inProcessStore.js';
import { proxyInFront } from '../../tests/support/tcpProxy.js';
import { createTestDatabase, type TestDatabase } from '../../tests/support/testDatabase.js';
import { pgDb } from '../db/pg.js';
import { EventTooLargeError } from '../eventstore/eventTooLarge.js';
import type { AppendRequest, EventStore } from '../eventstore/port.js';
import { postgresEventStore } from '../eventstore/postgres/postgresEventStore.js';
import { AppendQueueFull, AppendQueueTimeout, groupAppender } from './groupCommit.js';
import { describeWithPostgres } from '../../tests/support/needsPostgres.js';

const stream = () => `payment-pi_gc_${uuidv4().replaceAll('-', '').slice(0, 12)}`;
const request = (overrides: Partial<AppendRequest> = {}): AppendRequest => ({
  stream: stream(),
  events: [newEvent()],
  expectedVersion: 'any',
  ...overrides,
});

/** The real store, with every appendMany call's batch size written down. */
const observed = (store: EventStore) => {
  const batches: number[] = [];
  const spy: EventStore = {
    ...store,
    appendMany: (requests) => {
      batches.push(requests.length);
      return store.appendMany(requests);
    },
  };
  return { store: spy, batches };
};

describeWithPostgres('it cuts a TCP proxy in front of PostgreSQL and counts transactions across connections')(
  'groupAppender on the PostgreSQL store',
  () => {
    let database: TestDatabase;
    let store: EventStore;
    beforeAll(async () => {
      database = await createTestDatabase();
      store = postgresEventStore(database.db);
    });
    afterAll(async () => {
      await store.close();
      await database.drop();
    });

    const storedCount = async (ids: string[]) => {
      const { rows } = await database.db.query<{ count: number }>(
        'SELECT count(*)::int AS count FROM eventstore.events WHERE event_id = ANY($1::uuid[])',
        [ids],
      );
      return rows[0]!.count;
    };

    it('writes requests that arrive while a commit is under way together, in one transaction', async () => {
      const { store: spy, batches } = observed(store);
      const appender = groupAppender(spy);
      const requests = Array.from({ length: 40 }, () => request());
      const results = await Promise.all(requests.map((r) => appender.append(r)));
      expect(results.every((result) => result.kind === 'ok')).toBe(true);
      // The first request starts a commit alone; the other 39 queue behind it and share the next one.
      expect(batches).toEqual([1, 39]);
      const { rows } = await database.db.query<{ transactions: number }>(
        'SELECT count(DISTINCT xmin::text)::int AS transactions FROM eventstore.events WHERE event_id = ANY($1::uuid[])',
        [requests.map((r) => r.events[0]!.id)],
      );
      expect(rows[0]!.transactions).toBe(2);
    });

    it('gives each caller its own result: ok, duplicate and conflict in one batch', async () => {
      const appender = groupAppender(store);
      const existing = request();
      await appender.append(existing);
      const twin = newEvent();
      const results = await Promise.all([
        appender.append(request()),
        appender.append(request({ stream: existing.stream, events: existing.events })),
        appender.append(request({ events: [twin] })),
        appender.append(request({ events: [twin] })),
        appender.append(request({ stream: existing.stream, expectedVersion: 'no_stream' })),
      ]);
      expect(results.map((result) => result.kind)).toEqual([
        'ok',
        'duplicate',
        'ok',
        'duplicate',
        'conflict',
      ]);
      expect(await storedCount([twin.id])).toBe(1);
    });

    it('answers a caller only once its event is committed and visible to other connections', async () => {
      const appender = groupAppender(store);
      const requests = Array.from({ length: 20 }, () => request());
      const visibleWhenAnswered = await Promise.all(
        requests.map(async (r) => {
          await appender.append(r);
          return storedCount([r.events[0]!.id]);
        }),
      );
      expect(visibleWhenAnswered).toEqual(requests.map(() => 1));
    });

    it('fails a poisoned request alone and commits the rest of its batch', async () => {
      const { store: spy, batches } = observed(store);
      const appender = groupAppender(spy);
      const first = appender.append(request());
      // PostgreSQL refuses a NUL character in text: this request makes its whole batch's statement fail.
      const poisoned = request({ stream: 'payment-pi_\u0000poison' });
      const neighbours = Array.from({ length: 10 }, () => request());
      const answers = await Promise.allSettled([
        first,
        ...neighbours.slice(0, 5).map((r) => appender.append(r)),
        appender.append(poisoned),
        ...neighbours.slice(5).map((r) => appender.append(r)),
      ]);
      expect(answers.map((answer) => answer.status)).toEqual([
        ...Array(6).fill('fulfilled'),
        'rejected',
        ...Array(5).fill('fulfilled'),
      ]);
      expect(batches.slice(0, 2)).toEqual([1, 11]);
      expect(await storedCount(neighbours.map((r) => r.events[0]!.id))).toBe(10);
      expect(await storedCount(poisoned.events.map((event) => event.id))).toBe(0);
    });

    it('never puts more than maxBatch requests in one commit', async () => {
      const { store: spy, batches } = observed(store);
      const appender = groupAppender(spy, { maxBatch: 4 });
      const results = await Promise.all(Array.from({ length: 13 }, () => appender.append(request())));
      expect(results.every((result) => result.kind === 'ok')).toBe(true);
      expect(batches).toEqual([1, 4, 4, 4]);
    });

    it('rejects every caller while the database is unreachable and commits again once it is back', async () => {
      const { proxy, url } = await proxyInFront(database.url);
      const db = pgDb({ connectionString: url, max: 4 });
      try {
        const appender = groupAppender(postgresEventStore(db));
        expect((await appender.append(request())).kind).toBe('ok');

        await proxy.cut();
        const lost = Array.from({ length: 5 }, () => request());
        const answers = await Promise.allSettled(lost.map((r) => appender.append(r)));
        expect(answers.map((answer) => answer.status)).toEqual(Array(5).fill('rejected'));
        expect(await storedCount(lost.map((r) => r.events[0]!.id))).toBe(0);

        await proxy.restore();
        const retried = await Promise.all(lost.map((r) => appender.append(r)));
        expect(retried.map((result) => result.kind)).toEqual(Array(5).fill('ok'));
        expect(await storedCount(lost.map((r) => r.events[0]!.id))).toBe(5);
      } finally {
        await db.close();
        await proxy.close();
      }
    });

    it('refuses at once, writing nothing, when maxQueued appends already wait on a database that hangs', async () => {
      const { proxy, url } = await proxyInFront(database.url);
      const db = pgDb({ connectionString: url, max: 4, timeouts: { queryMs: 2000 } });
      try {
        const appender = groupAppender(postgresEventStore(db), { maxQueued: 3, maxWaitMs: 60_000 });
        expect((await appender.append(request())).kind).toBe('ok');

        proxy.freeze();
        const writing = appender.append(request());
        const queued = Array.from({ length: 3 }, () => request());
        const waiting = queued.map((r) => appender.append(r));
        const refused = request();
        await expect(appender.append(refused)).rejects.toThrow(AppendQueueFull);

        await proxy.restore();
        await Promise.allSettled([writing, ...waiting]);
        expect(await storedCount(refused.events.map((event) => event.id))).toBe(0);
      } finally {
        await db.close();
        await proxy.close();
      }
    });

    it('drops, without writing them, requests that waited for the store past maxWaitMs', async () => {
      const { proxy, url } = await proxyInFront(database.url);
      const db = pgDb({ connectionString: url, max: 4, timeouts: { queryMs: 1500 } });
      try {
        const appender = groupAppender(postgresEventStore(db), { maxWaitMs: 500 });
        expect((await appender.append(request())).kind).toBe('ok');

        proxy.freeze();
        const writing = appender.append(request());
        const late = request();
        // Queued behind a batch that hangs until the client-side query deadline fails it.
        await expect(appender.append(late)).rejects.toThrow(AppendQueueTimeout);
        await expect(writing).rejects.toThrow();

        await proxy.restore();
        expect((await appender.append(request())).kind).toBe('ok');
        expect(await storedCount(late.events.map((event) => event.id))).toBe(0);
      } finally {
        await db.close();
        await proxy.close();
      }
    });

    it('keeps accepting after a failed batch: the queue is not left stuck', async () => {
      const appender = groupAppender(store);
      await expect(appender.append(request({ stream: '\u0000' }))).rejects.toThrow();
      expect((await appender.append(request())).kind).toBe('ok');
    });
  },
);

describe('groupAppender on the EventStoreDB store (no multi-stream transaction)', () => {
  const esdb = useInProcessStore();

  it('answers the neighbours of a request too large to store as first deliveries, not duplicates', async () => {
    const appender = groupAppender(esdb.store);
    const base = newEvent();
    const padded = { ...base.data, object: { ...base.data.object, padding: 'x'.repeat(1_100_000) } };
    const tooLarge = request({ events: [{ ...base, data: padded } as typeof base] });
    const [before, after] = [request(), request()];
    // The first request is written alone; the three behind it share the next batch.
    const outcomes = await Promise.allSettled(
      [request(), before, tooLarge, after].map((pending) => appender.append(pending)),
    );
    expect(
      outcomes.map((outcome) => (outcome.status === 'fulfilled' ? outcome.value.kind : 'rejected')),
    ).toEqual(['ok', 'ok', 'rejected', 'ok']);
    expect((outcomes[2] as PromiseRejectedResult).reason).toBeInstanceOf(EventTooLargeError);
    for (const neighbour of [before, after])
      expect(await esdb.store.readStream(neighbour.stream)).toHaveLength(1);
    expect(await esdb.store.readStream(tooLarge.stream)).toEqual([]);
  });
});

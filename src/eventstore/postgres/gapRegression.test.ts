import { setTimeout as delay } from 'node:timers/promises';
import fc from 'fast-check';
import { v4 as uuidv4 } from 'uuid';
import { newEvent } from '../../../tests/support/eventStoreContract.js';
import { createTestDatabase, type TestDatabase } from '../../../tests/support/testDatabase.js';
import type { AppendRequest, EventStore } from '../port.js';
import { appendInTransaction } from './append.js';
import { postgresEventStore } from './postgresEventStore.js';

/**
 * The classic way an event store loses events: positions are handed out when a transaction appends, but
 * transactions commit in another order, so a reader that has moved past position n never sees n when
 * it commits later. These tests hold transactions open (and roll some back) after appending, while a
 * reader follows the global order from its checkpoint the way the projector does.
 */

type TransactionPlan = {
  /** Events per request: several requests, several streams. */
  requests: number[];
  /** Work inside the transaction before the append, ms. */
  before: number;
  /** Time the transaction stays open after appending, ms: its positions are taken but not committed. */
  after: number;
  rollback: boolean;
};

type Outcome = { committed: string[][]; rolledBack: Set<string> };

class DeliberateRollback extends Error {}

const WRITERS = 16;

const requestsOf = (sizes: number[]): AppendRequest[] =>
  sizes.map((size) => ({
    stream: `payment-pi_gap_${uuidv4().replaceAll('-', '').slice(0, 12)}`,
    events: Array.from({ length: size }, () => newEvent()),
    expectedVersion: 'any',
  }));

/** One writer: its transactions one after another, each in a transaction of its own. */
const runWriter = async (database: TestDatabase, plans: TransactionPlan[], outcome: Outcome) => {
  const committed: string[] = [];
  for (const plan of plans) {
    const requests = requestsOf(plan.requests);
    const ids = requests.flatMap((request) => request.events.map((event) => event.id));
    try {
      await database.db.transaction(async (tx) => {
        if (plan.before > 0) await delay(plan.before);
        const results = await appendInTransaction(tx, requests);
        expect(results.every((result) => result.kind === 'ok')).toBe(true);
        if (plan.after > 0) await delay(plan.after);
        if (plan.rollback) throw new DeliberateRollback();
      });
      committed.push(...ids);
    } catch (error) {
      if (!(error instanceof DeliberateRollback)) throw error;
      ids.forEach((id) => outcome.rolledBack.add(id));
    }
  }
  outcome.committed.push(committed);
};

type Followed = { ids: string[]; holes: string[] };

/** Follows readAll from a checkpoint until `done()` and the head is reached, checking each page. */
const follow = async (store: EventStore, from: number, done: () => boolean): Promise<Followed> => {
  const ids: string[] = [];
  const holes: string[] = [];
  let checkpoint = from;
  for (;;) {
    const finished = done();
    // Small, varying pages: the reader moves its checkpoint often, between the writers' commits.
    const page = await store.readAll(checkpoint, 1 + (ids.length % 7));
    for (const event of page) {
      if (event.position !== checkpoint + 1) holes.push(`after ${checkpoint} came ${event.position}`);
      checkpoint = event.position;
      ids.push(event.id);
    }
    if (page.length === 0 && finished && checkpoint === (await store.headPosition())) return { ids, holes };
    if (page.length === 0) await new Promise((resolve) => setImmediate(resolve));
  }
};

const runRace = async (database: TestDatabase, store: EventStore, writers: TransactionPlan[][]) => {
  const outcome: Outcome = { committed: [], rolledBack: new Set() };
  const start = await store.headPosition();
  let writing = true;
  const reader = follow(store, start, () => !writing);
  try {
    await Promise.all(writers.map((plans) => runWriter(database, plans, outcome)));
  } finally {
    writing = false;
  }
  return { outcome, followed: await reader };
};

const expectNothingLost = ({ outcome, followed }: Awaited<ReturnType<typeof runRace>>) => {
  expect(followed.holes).toEqual([]);
  const seen = followed.ids;
  expect(new Set(seen).size).toBe(seen.length);
  expect(seen.filter((id) => outcome.rolledBack.has(id))).toEqual([]);
  expect([...seen].sort()).toEqual(outcome.committed.flat().sort());
  // Each writer commits one transaction after another, so the reader sees its events in that order.
  const order = new Map(seen.map((id, index) => [id, index]));
  for (const ids of outcome.committed) {
    const positions = ids.map((id) => order.get(id)!);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
  }
};

const randomPlan = (): TransactionPlan => ({
  requests: Array.from(
    { length: 1 + Math.floor(Math.random() * 3) },
    () => 1 + Math.floor(Math.random() * 3),
  ),
  before: Math.random() < 0.5 ? 0 : Math.floor(Math.random() * 3),
  after: Math.floor(Math.random() * 6),
  rollback: Math.random() < 0.25,
});

const planArbitrary: fc.Arbitrary<TransactionPlan> = fc.record({
  requests: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 3 }),
  before: fc.integer({ min: 0, max: 2 }),
  after: fc.integer({ min: 0, max: 5 }),
  rollback: fc.boolean(),
});

describe('PostgreSQL event store under concurrent, out-of-order commits', () => {
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

  it('lets a reader following readAll see every committed event once, in commit order, with no holes and no rolled-back event', async () => {
    const writers = Array.from({ length: WRITERS }, () => Array.from({ length: 25 }, randomPlan));
    const race = await runRace(database, store, writers);
    expect(race.outcome.committed.flat().length).toBeGreaterThan(0);
    expect(race.outcome.rolledBack.size).toBeGreaterThan(0);
    expectNothingLost(race);
  });

  it('keeps positions dense in the table itself: 1..head with nothing missing', async () => {
    const { rows } = await database.db.query<{ count: number; max: number | null }>(
      'SELECT count(*)::int AS count, max(position) AS max FROM eventstore.events',
    );
    expect(rows[0]!.max).toBe(rows[0]!.count);
    expect(await store.headPosition()).toBe(rows[0]!.count);
  });

  it('holds for any schedule of appends, delays and rollbacks (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(planArbitrary, { minLength: 1, maxLength: 4 }), {
          minLength: WRITERS,
          maxLength: WRITERS,
        }),
        async (writers) => expectNothingLost(await runRace(database, store, writers)),
      ),
      { numRuns: 15 },
    );
  });
});

import { pino } from 'pino';
import { v4 as uuidv4 } from 'uuid';
import type { Db } from '../src/db/port.js';
import { postgresEventStore } from '../src/eventstore/postgres/postgresEventStore.js';
import { startProjector, type Projector } from '../src/projector/projector.js';
import { markActive } from '../src/projector/checkpoints.js';
import { openFailures } from '../src/projector/failures.js';
import { projectionStatus } from '../src/projector/status.js';
import { COUNTS_TABLE_SQL, countingProjection } from './support/countingProjection.js';
import { newEvent } from './support/eventStoreContract.js';
import { itWithPostgres } from './support/needsPostgres.js';
import { createTestDatabase, type TestDatabase } from './support/testDatabase.js';
import { waitFor } from './support/waitFor.js';

const logger = pino({ level: 'silent' });

describe('projector', () => {
  let database: TestDatabase;
  const projectors: Projector[] = [];
  beforeEach(async () => {
    database = await createTestDatabase();
    await database.db.query(COUNTS_TABLE_SQL);
  });
  afterEach(async () => {
    await Promise.all(projectors.splice(0).map((projector) => projector.stop()));
    await database.drop();
  });

  const appendEvents = async (count: number, streams = 7) => {
    const store = postgresEventStore(database.db);
    for (let index = 0; index < count; index += 1) {
      await store.append(`payment-pi_${index % streams}`, [newEvent()], 'any');
    }
  };
  const counts = async (projection: string) => {
    const { rows } = await database.db.query<{ total: number }>(
      'SELECT coalesce(sum(applied), 0)::int AS total FROM ledger.test_counts WHERE projection = $1',
      [projection],
    );
    return rows[0]!.total;
  };
  const start = async (projections = [countingProjection('payments')], batchSize = 10) => {
    const projector = await startProjector({
      db: database.db,
      store: postgresEventStore(database.db),
      projections,
      logger,
      batchSize,
      pollMs: 200,
    });
    projectors.push(projector);
    return projector;
  };

  it('applies every event exactly once across batch boundaries and moves the checkpoint with it', async () => {
    await appendEvents(95);
    await start();
    await waitFor(async () => (await counts('payments')) === 95, { what: '95 applications' });
    await appendEvents(12);
    await waitFor(async () => (await counts('payments')) === 107, { what: '107 applications' });
    const status = (await projectionStatus(database.db, postgresEventStore(database.db))).find(
      (s) => s.name === 'payments',
    );
    expect(status).toMatchObject({
      name: 'payments',
      position: 107,
      head: 107,
      lag_events: 0,
      state: 'live',
    });
  });

  it('never doubles an effect when two projectors run the same projection at once', async () => {
    await appendEvents(200);
    await Promise.all([start(undefined, 7), start(undefined, 13)]);
    await appendEvents(50);
    await waitFor(async () => (await counts('payments')) >= 250, { what: 'all events applied' });
    const status = await projectionStatus(database.db, postgresEventStore(database.db));
    await waitFor(
      async () =>
        (await projectionStatus(database.db, postgresEventStore(database.db))).find(
          (s) => s.name === 'payments',
        )!.lag_events === 0,
    );
    expect(status.find((s) => s.name === 'payments')!.position).toBe(250);
    expect(await counts('payments')).toBe(250);
  });

  it('never doubles an effect even when two workers both believe they hold the lease', async () => {
    await appendEvents(300);
    // Leases granted to everyone: only the checkpoint fencing stands between the workers.
    const leaky = {
      ...database.db,
      tryLease: async () => ({
        lost: new Promise<void>(() => undefined),
        stillHeld: async () => true,
        release: async () => undefined,
      }),
    };
    const store = postgresEventStore(database.db);
    for (const batchSize of [7, 11, 13]) {
      projectors.push(
        await startProjector({
          db: leaky,
          store,
          projections: [countingProjection('payments')],
          logger,
          batchSize,
          pollMs: 50,
        }),
      );
    }
    await waitFor(
      async () =>
        (await projectionStatus(database.db, store)).find((s) => s.name === 'payments')!.position === 300,
      {
        what: 'position 300',
      },
    );
    expect(await counts('payments')).toBe(300);
  });

  const countsBy = async (worker: string) => {
    const { rows } = await database.db.query<{ total: number }>(
      `SELECT coalesce(sum(applied), 0)::int AS total FROM ledger.test_counts
        WHERE projection = 'payments' AND stream LIKE $1`,
      [`${worker}:%`],
    );
    return rows[0]!.total;
  };

  /** The database as one worker process sees it: once it "dies", every call of it fails. */
  const mortal = (db: Db) => {
    let dead = false;
    const view = new Proxy(db, {
      get: (target, property, receiver) => {
        const value: unknown = Reflect.get(target, property, receiver);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) =>
          dead
            ? Promise.reject(new Error('this worker process is gone'))
            : (value as (...a: unknown[]) => unknown).apply(target, args);
      },
    });
    return { db: view, die: () => (dead = true) };
  };

  itWithPostgres('the lease lives in its own PostgreSQL session, which the test terminates')(
    'hands the projection to the standby when the active worker dies: the standby applies what follows',
    async () => {
      const startWorker = async (db: Db, worker: string) => {
        const projector = await startProjector({
          db,
          store: postgresEventStore(db),
          projections: [countingProjection('payments', { worker })],
          logger,
          batchSize: 10,
          pollMs: 50,
        });
        projectors.push(projector);
      };
      const active = mortal(database.db);
      await startWorker(active.db, 'active');
      await appendEvents(20);
      await waitFor(async () => (await countsBy('active')) === 20, { what: 'the active worker to apply 20' });
      await startWorker(database.db, 'standby');
      await appendEvents(5);
      await waitFor(async () => (await counts('payments')) === 25, { what: '25 applied' });
      // The standby waits while the active worker holds the lease.
      expect(await countsBy('standby')).toBe(0);
      // The active worker's process dies: it does nothing more, and PostgreSQL ends its lease session.
      // pg_locks spans the cluster: only this test's database, or other test files' sessions die too.
      active.die();
      const { rows } = await database.db.query<{ terminated: boolean }>(
        `SELECT pg_terminate_backend(pid) AS terminated FROM pg_locks
          WHERE locktype = 'advisory' AND granted AND pid <> pg_backend_pid()
            AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      );
      expect(rows.some((row) => row.terminated)).toBe(true);
      await appendEvents(20);
      await waitFor(async () => (await counts('payments')) === 45, {
        what: 'the standby to apply new events',
      });
      expect(await countsBy('active')).toBe(25);
      expect(await countsBy('standby')).toBe(20);
    },
  );

  it('stops only the projection that cannot apply an event, records it, and resumes after retry', async () => {
    let broken = true;
    await start([countingProjection('payments', { broken: () => broken }), countingProjection('refunds')]);
    const store = postgresEventStore(database.db);
    await appendEvents(5);
    const poison = newEvent({ data: { poison: true, marker: uuidv4() } });
    await store.append('payment-pi_poison', [poison], 'any');
    await appendEvents(5);
    await waitFor(async () => (await counts('refunds')) === 11, { what: 'refunds to pass the poison event' });
    await waitFor(async () => (await openFailures(database.db)).length === 1, { what: 'a recorded failure' });
    const [failure] = await openFailures(database.db);
    expect(failure).toMatchObject({
      projection: 'payments',
      position: 6,
      stripe_event_id: poison.metadata.stripe_event_id,
    });
    expect(failure!.error).toMatch(/cannot apply poison event/);
    expect(await counts('payments')).toBe(5);
    const status = await projectionStatus(database.db, store);
    expect(status.find((s) => s.name === 'payments')).toMatchObject({
      state: 'failed',
      position: 5,
      lag_events: 6,
    });
    expect(status.find((s) => s.name === 'refunds')).toMatchObject({ state: 'live', lag_events: 0 });

    broken = false;
    expect(await markActive(database.db, 'payments')).not.toBeNull();
    await waitFor(async () => (await counts('payments')) === 11, { what: 'payments to resume after retry' });
    expect(await openFailures(database.db)).toEqual([]);
  });
});

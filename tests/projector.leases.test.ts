/**
 * SPEC section 6: one active worker per projection. The projector applies only the projections whose
 * lease it holds now, takes a lost one again when it is free, and gives all of them up on stop().
 */
import pg from 'pg';
import { postgresEventStore } from '../src/eventstore/postgres/postgresEventStore.js';
import { startProjector, type Projector } from '../src/projector/projector.js';
import type { Projection } from '../projections/projection.js';
import { capturedLogger } from './support/capturedLogger.js';
import { COUNTS_TABLE_SQL, countingProjection } from './support/countingProjection.js';
import { newEvent } from './support/eventStoreContract.js';
import { describeWithPostgres } from './support/needsPostgres.js';
import { createTestDatabase, type TestDatabase } from './support/testDatabase.js';
import { waitFor } from './support/waitFor.js';

/** Fails when `promise` has not settled within `ms`. */
const within = async <T>(ms: number, promise: Promise<T>, what: string): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not done within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
};

describeWithPostgres('leases are PostgreSQL sessions, which the test ends and takes itself')(
  'the projector and its leases',
  () => {
    let database: TestDatabase;
    let projector: Projector | undefined;
    const { logger, lines: logLines } = capturedLogger();
    beforeEach(async () => {
      database = await createTestDatabase();
      await database.db.query(COUNTS_TABLE_SQL);
      logLines.length = 0;
    });
    afterEach(async () => {
      await projector?.stop();
      projector = undefined;
      await database.drop();
    });

    const start = async (projections: Projection[], pollMs = 100) => {
      projector = await startProjector({
        db: database.db,
        store: postgresEventStore(database.db),
        projections,
        logger,
        batchSize: 10,
        pollMs,
      });
      return projector;
    };
    const append = async (count: number) => {
      const store = postgresEventStore(database.db);
      for (let index = 0; index < count; index += 1) {
        await store.append(`payment-pi_${index % 3}`, [newEvent()], 'any');
      }
    };
    const counts = async (projection: string) =>
      (
        await database.db.query<{ total: number }>(
          'SELECT coalesce(sum(applied), 0)::int AS total FROM ledger.test_counts WHERE projection = $1',
          [projection],
        )
      ).rows[0]!.total;
    const position = async (projection: string) =>
      (
        await database.db.query<{ position: number }>(
          'SELECT position FROM ledger.projection_checkpoints WHERE projection = $1',
          [projection],
        )
      ).rows[0]!.position;
    const LEASE_KEY = "hashtext('stripe-ledger:' || 'projection:payments')";
    const leaseHolders = async () =>
      (
        await database.db.query<{ pid: number }>(
          `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted
              AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
        )
      ).rows;
    /** The session that holds the payments lease (PostgreSQL shows a bigint advisory key split in two). */
    const leaseHolder = async () =>
      (
        await database.db.query<{ pid: number }>(
          `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted
              AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND objid = ((${LEASE_KEY})::bigint & 4294967295)::oid`,
        )
      ).rows.map((row) => row.pid);

    it('stops applying a projection whose lease it lost, and resumes it once it takes the lease again', async () => {
      await start([countingProjection('payments'), countingProjection('refunds')]);
      await append(5);
      await waitFor(async () => (await counts('payments')) === 5 && (await counts('refunds')) === 5, {
        what: 'both projections to apply 5',
      });
      const [holder] = await leaseHolder();
      expect(holder).toBeDefined();

      // Another process queues for the lease, then the projector's lease session ends: the other one
      // has it before the projector can take it again.
      const other = new pg.Client({ connectionString: database.url });
      await other.connect();
      try {
        const otherPid = (await other.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
        const taken = other.query(`SELECT pg_advisory_lock(${LEASE_KEY})`);
        await waitFor(
          async () =>
            (
              await database.db.query(
                "SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND wait_event_type = 'Lock'",
                [otherPid],
              )
            ).rowCount === 1,
          { what: 'the other process to wait for the lease' },
        );
        await database.db.query('SELECT pg_terminate_backend($1)', [holder]);
        await within(10_000, taken, 'the other process taking the lease');
        await waitFor(() => logLines.some((line) => String(line.msg).includes('projection lease lost')), {
          what: 'the projector to notice it lost the lease',
        });

        await append(5);
        await waitFor(async () => (await counts('refunds')) === 10, { what: 'refunds to apply 10' });
        expect(await counts('payments')).toBe(5);
        expect(await position('payments')).toBe(5);

        await other.query(`SELECT pg_advisory_unlock(${LEASE_KEY})`);
      } finally {
        await other.end();
      }
      await waitFor(async () => (await counts('payments')) === 10, {
        what: 'payments to resume once the projector holds its lease again',
      });
      expect(await position('payments')).toBe(10);
      expect(await counts('refunds')).toBe(10);
    });

    it('ends stop() during a round without waiting out the poll, with that round whole and every lease free', async () => {
      let entered = false;
      let open: () => void = () => undefined;
      const gate = new Promise<void>((resolve) => (open = resolve));
      const counting = countingProjection('payments');
      const gated: Projection = {
        ...counting,
        afterWrite: async () => {
          entered = true;
          await gate;
        },
      };
      // A long poll: a stop() that waited for it instead of waking the loop would miss the deadline.
      const running = await start([gated, countingProjection('refunds')], 60_000);
      await waitFor(async () => (await leaseHolders()).length === 2, { what: 'both leases held' });
      // One transaction, one notification: the only wake-up is the one that starts the round.
      await postgresEventStore(database.db).appendMany(
        [0, 1, 2].map((index) => ({
          stream: `payment-pi_${index}`,
          events: [newEvent()],
          expectedVersion: 'any',
        })),
      );
      await waitFor(() => entered, { what: 'a round to be applying the batch' });

      const stopping = running.stop();
      open();
      await within(10_000, stopping, 'stop()');
      projector = undefined;
      // The interrupted round is whole: its batch applied and its checkpoints moved, nothing half-done.
      expect(await counts('payments')).toBe(3);
      expect(await position('payments')).toBe(3);
      expect(await position('refunds')).toBe(3);
      for (const name of ['payments', 'refunds']) {
        const lease = await database.db.tryLease(`projection:${name}`);
        expect(lease).not.toBeNull();
        await lease?.release();
      }
    });
  },
);

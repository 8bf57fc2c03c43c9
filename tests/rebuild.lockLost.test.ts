import { projections } from '../projections/index.js';
import { sampleLifecycles, snapshotOf, storeEvents } from './support/dbTesting.js';
import { describeWithPostgres } from './support/needsPostgres.js';
import { proxyInFront, type TcpProxy } from './support/tcpProxy.js';
import { createTestDatabase, type TestDatabase } from './support/testDatabase.js';
import { waitFor } from './support/waitFor.js';
import { pgDb } from '../src/db/pg.js';
import type { Db } from '../src/db/port.js';
import { postgresEventStore } from '../src/eventstore/postgres/postgresEventStore.js';
import { rebuildProjections, type RebuildOptions } from '../src/projector/rebuild.js';
import { LOCK_LOST_MESSAGE } from '../src/projector/rebuildLock.js';
import { withDeadline } from '../src/runtime/deadline.js';

const BOOKKEEPING = ['id'];

/** The session holding the rebuild lock (tryLease's advisory lock on hashtext('stripe-ledger:rebuild')). */
const LOCK_HOLDER = `SELECT pid FROM pg_locks
  WHERE locktype = 'advisory' AND granted AND objsubid = 1
    AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
    AND objid = (hashtext('stripe-ledger:rebuild')::bigint & 4294967295)::oid`;

describeWithPostgres('the rebuild lock lives in a PostgreSQL session another session can end')(
  'a rebuild that loses its lock',
  () => {
    let database: TestDatabase;
    const opened: { close(): Promise<void> }[] = [];
    beforeEach(async () => {
      database = await createTestDatabase();
      await storeEvents(
        database.db,
        sampleLifecycles(20, 5).flatMap((lifecycle) => lifecycle.events),
      );
    });
    afterEach(async () => {
      for (const resource of opened.splice(0).reverse()) await resource.close().catch(() => undefined);
      await database.drop();
    });

    const proxied = async (): Promise<{ proxy: TcpProxy; db: Db }> => {
      const { proxy, url } = await proxyInFront(database.url);
      const db = pgDb({ connectionString: url, max: 4 });
      opened.push(proxy, db);
      return { proxy, db };
    };
    const rebuild = (db: Db, more: Partial<RebuildOptions> = {}) =>
      rebuildProjections({ db, store: postgresEventStore(db), projections, batchSize: 10, ...more });
    /** Rebuilds through `db`, which the first progress report freezes (`freeze`), holding its next statements. */
    const pausedRebuild = async (db: Db, freeze: () => void) => {
      let paused!: () => void;
      const pausing = new Promise<void>((resolve) => (paused = resolve));
      let frozen = false;
      const running = rebuild(db, {
        onProgress: () => {
          if (frozen) return;
          frozen = true;
          freeze();
          paused();
        },
      });
      running.catch(() => undefined);
      await withDeadline(Promise.race([pausing, running]), 15_000, 'the rebuild to report progress');
      return { running };
    };
    const killLockHolder = async () => {
      const { rows } = await database.db.query<{ pid: number }>(LOCK_HOLDER);
      expect(rows).toHaveLength(1);
      await database.db.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
      await waitFor(async () => (await database.db.query(LOCK_HOLDER)).rows.length === 0, {
        what: 'the lock holder to end',
      });
    };
    const snapshots = async () =>
      Object.fromEntries(
        await Promise.all(
          projections.map(async (p) => [p.name, await snapshotOf(database.db, p, 'ledger', BOOKKEEPING)]),
        ),
      );
    /** A swap puts new tables in place: their identity changes, whatever rows they hold. */
    const liveTables = async () =>
      (
        await database.db.query<{ oid: number }>(
          `SELECT c.oid::int AS oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'ledger' AND c.relname = ANY($1::text[]) ORDER BY c.relname`,
          [projections.flatMap((projection) => projection.tables)],
        )
      ).rows.map((row) => row.oid);
    const rebuildSchemas = async () =>
      (await database.db.query(`SELECT nspname FROM pg_namespace WHERE nspname LIKE 'ledger\\_rebuild%'`))
        .rows;

    it('stops at once with a clear error while its work still waits on the database, and the next rebuild swaps cleanly', async () => {
      await rebuild(database.db);
      const expected = await snapshots();
      // Its work through a proxy that freezes; its lock on a connection of its own that the kill reaches.
      const { proxy, db } = await proxied();
      const { running: displaced } = await pausedRebuild({ ...db, tryLease: database.db.tryLease }, () =>
        proxy.freeze(),
      );

      await killLockHolder();

      await expect(withDeadline(displaced, 5000, 'the rebuild to stop')).rejects.toThrow(LOCK_LOST_MESSAGE);
      await rebuild(database.db);
      expect(await snapshots()).toEqual(expected);
      // Its statements held meanwhile reach the database now: they touch nothing of the new rebuild's.
      await proxy.restore();
      await withDeadline(db.close(), 10_000, 'the displaced rebuild to let go of its connections');
      expect(await snapshots()).toEqual(expected);
    }, 30_000);

    it('never swaps when its lock was lost unnoticed (its connection frozen): the swap asks the database', async () => {
      await rebuild(database.db);
      const expected = await snapshots();
      const tables = await liveTables();
      const checkpoints = await database.db.query('SELECT * FROM ledger.projection_checkpoints ORDER BY 1');
      const work = await proxied();
      const lock = await proxied();
      const { running: unaware } = await pausedRebuild({ ...work.db, tryLease: lock.db.tryLease }, () => {
        lock.proxy.freeze();
        work.proxy.freeze();
      });

      await killLockHolder();
      await work.proxy.restore();

      await expect(withDeadline(unaware, 10_000, 'the rebuild to end')).rejects.toThrow(LOCK_LOST_MESSAGE);
      expect(await liveTables()).toEqual(tables);
      expect(await database.db.query('SELECT * FROM ledger.projection_checkpoints ORDER BY 1')).toEqual(
        checkpoints,
      );
      await rebuild(database.db);
      expect(await liveTables()).not.toEqual(tables);
      expect(await snapshots()).toEqual(expected);
      expect(await rebuildSchemas()).toEqual([]);
    }, 30_000);
  },
);

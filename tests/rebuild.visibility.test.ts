/**
 * A rebuild runs for minutes on a large log, usually from an operator's terminal: whoever looks at
 * status, the API, /metrics or the console meanwhile must see that it runs, where it stands and who
 * runs it; a second operator asking for one is told which one holds the lock.
 */
import { hostname } from 'node:os';
import { projections } from '../projections/index.js';
import { postgresEventStore } from '../src/eventstore/postgres/postgresEventStore.js';
import { rebuildProjections } from '../src/projector/rebuild.js';
import { ENDED_UNRECORDED, REBUILD_LEASE } from '../src/projector/rebuildRecord.js';
import type { RebuildProgress } from '../src/projector/rebuild.js';
import { projectionStatus, type ProjectionStatus } from '../src/projector/status.js';
import { runCli } from './support/cli.js';
import { sampleLifecycles, storeEvents } from './support/dbTesting.js';
import { startLedger } from './support/ledgerServer.js';
import { itWithPostgres } from './support/needsPostgres.js';
import { get } from './support/queryApi.js';
import { createTestDatabase, type TestDatabase } from './support/testDatabase.js';

const OWNER = `${hostname()}:${process.pid}`;

describe('a rebuild, as operators see it', () => {
  let database: TestDatabase;
  beforeEach(async () => {
    database = await createTestDatabase();
    await storeEvents(
      database.db,
      sampleLifecycles(20, 3).flatMap((lifecycle) => lifecycle.events),
    );
  });
  afterEach(async () => {
    await database.drop();
  });
  const store = () => postgresEventStore(database.db);

  /** A rebuild of payments and orders that runs `during` once, at its first progress while folding. */
  const rebuildWith = (during: () => Promise<unknown>) => {
    let seen: Promise<unknown> | null = null;
    const onProgress = (progress: RebuildProgress) => {
      if (progress.phase === 'folding' && seen === null) seen = during();
    };
    const names = ['payments', 'orders'];
    return rebuildProjections({
      db: database.db,
      store: store(),
      projections: projections.filter((p) => names.includes(p.name)),
      batchSize: 10,
      onProgress,
    }).then(async (report) => ({ report, seen: await seen }));
  };

  it('shows the rebuild in status while it runs, then records how it ended and shows it no more', async () => {
    const head = await store().headPosition();
    const { seen } = await rebuildWith(() => projectionStatus(database.db, store()));
    const during = seen as ProjectionStatus[];
    const rebuilding = (list: ProjectionStatus[]) =>
      list.filter((p) => p.rebuild !== null).map(({ name, rebuild }) => ({ name, ...rebuild }));
    expect(rebuilding(during)).toEqual(
      ['orders', 'payments'].map((name) => ({
        name,
        projections: ['payments', 'orders'],
        owner: OWNER,
        started_at: expect.any(String),
        phase: expect.stringMatching(/^(starting|folding)$/),
        done: expect.any(Number),
        total: head,
      })),
    );
    expect(rebuilding(await projectionStatus(database.db, store()))).toEqual([]);
    const { rows } = await database.db.query(
      `SELECT projections, owner, phase, done, total, outcome, error, finished_at IS NOT NULL AS finished
         FROM ledger.rebuilds`,
    );
    expect(rows).toEqual([
      {
        projections: ['payments', 'orders'],
        owner: OWNER,
        phase: 'catching_up',
        done: head,
        total: head,
        outcome: 'swapped',
        error: null,
        finished: true,
      },
    ]);
  });

  itWithPostgres('two rebuilds compete for one lock, on two connections')(
    'names the running rebuild when a second one is refused',
    async () => {
      const { seen } = await rebuildWith(() =>
        rebuildProjections({ db: database.db, store: store(), projections }).then(
          () => 'second rebuild ran',
          (error: Error) => error.message,
        ),
      );
      expect(seen).toMatch(
        new RegExp(
          `^a rebuild is already running \\(payments, orders: ${OWNER}, since \\S+Z, (starting|folding|writing|indexing|catching up)( \\d+ %)? \\(at position \\d+ of \\d+\\)\\)$`,
        ),
      );
    },
  );

  it('records a failed rebuild with its reason', async () => {
    const abort = new AbortController();
    abort.abort();
    await expect(
      rebuildProjections({ db: database.db, store: store(), projections, signal: abort.signal }),
    ).rejects.toThrow('rebuild aborted');
    const { rows } = await database.db.query(`SELECT outcome, error FROM ledger.rebuilds`);
    expect(rows).toEqual([{ outcome: 'failed', error: 'rebuild aborted: the live tables are untouched' }]);
  });

  /** A rebuild another process runs (or ran, and was killed), as its record says. */
  const recordedElsewhere = (secondsAgo: number) =>
    database.db.query(
      `INSERT INTO ledger.rebuilds (projections, owner, phase, done, total, started_at, updated_at)
       VALUES ('{refunds,disputes}', 'ops-host:4242', 'folding', 250, 1000,
               now() - make_interval(secs => $1 + 60), now() - make_interval(secs => $1))`,
      [secondsAgo],
    );

  it('stops counting a rebuild killed outright once its heartbeat is stale', async () => {
    await recordedElsewhere(120);
    const status = await projectionStatus(database.db, store());
    expect(status.filter((p) => p.rebuild !== null)).toEqual([]);
  });

  it('stops counting at once a rebuild whose process died, its heartbeat still fresh', async () => {
    await recordedElsewhere(1);
    expect((await projectionStatus(database.db, store())).filter((p) => p.rebuild !== null)).toEqual([]);
    // The same record while its rebuild's session still holds the lease: running.
    const lease = await database.db.tryLease(REBUILD_LEASE);
    try {
      const running = (await projectionStatus(database.db, store())).filter((p) => p.rebuild !== null);
      expect(running.map((p) => p.name).sort()).toEqual(['disputes', 'refunds']);
    } finally {
      await lease?.release();
    }
  });

  it('closes the record of a rebuild that died without recording it once the next one starts', async () => {
    await recordedElsewhere(1);
    await rebuildWith(async () => undefined);
    const { rows } = await database.db.query(
      `SELECT owner, outcome, error, finished_at IS NOT NULL AS finished FROM ledger.rebuilds ORDER BY id`,
    );
    expect(rows).toEqual([
      { owner: 'ops-host:4242', outcome: 'failed', error: ENDED_UNRECORDED, finished: true },
      { owner: OWNER, outcome: 'swapped', error: null, finished: true },
    ]);
    expect((await projectionStatus(database.db, store())).filter((p) => p.rebuild !== null)).toEqual([]);
  });

  itWithPostgres('a server and a CLI beside the test, on one database')(
    'shows a rebuild running in another process in the API, /metrics and projections status',
    async () => {
      await recordedElsewhere(1);
      // That process's rebuild holds the rebuild lease in a session of its own, as a live one does.
      const lease = await database.db.tryLease(REBUILD_LEASE);
      const server = await startLedger(database.url, { role: 'web' });
      try {
        const { body } = await get(server.url, '/api/projections');
        const refunds = body.data.find((p) => p.name === 'refunds');
        expect(refunds?.rebuild).toEqual({
          projections: ['refunds', 'disputes'],
          owner: 'ops-host:4242',
          started_at: expect.any(String),
          phase: 'folding',
          done: 250,
          total: 1000,
        });
        expect(body.data.find((p) => p.name === 'payments')?.rebuild).toBeNull();
        const metrics = (await get(server.url, '/metrics')).text;
        expect(metrics).toContain('stripe_ledger_projection_rebuilding{projection="refunds"} 1');
        expect(metrics).toContain('stripe_ledger_projection_rebuilding{projection="payments"} 0');
        expect(metrics).toContain(
          'stripe_ledger_projection_rebuild_progress_ratio{projection="disputes"} 0.25',
        );
        const cli = await runCli(['projections', 'status'], { DATABASE_URL: database.url });
        expect(cli.stdout).toMatch(
          /\nrebuilding refunds, disputes: ops-host:4242, since \S+Z, folding 25 % \(at position 250 of 1000\)\n$/,
        );
      } finally {
        await server.stop();
        await lease?.release();
      }
    },
  );
});

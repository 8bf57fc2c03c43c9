/**
 * The event log replaced, or restored from a backup older than the checkpoints (they live in another
 * database with EventStoreDB, and are restored apart): the checkpoints stand past the log's head, so
 * nothing appended to the log is projected. Every operator signal says so, and a rebuild projects the
 * log as it is.
 */
import { projections } from '../projections/index.js';
import { postgresEventStore } from '../src/eventstore/postgres/postgresEventStore.js';
import { projectionStatus } from '../src/projector/status.js';
import type { StoredEvent } from '../src/eventstore/port.js';
import { readCheckpoints } from '../src/projector/checkpoints.js';
import { startProjector } from '../src/projector/projector.js';
import { capturedLogger } from './support/capturedLogger.js';
import { waitFor } from './support/waitFor.js';
import { runCli } from './support/cli.js';
import { sampleLifecycles, storeEvents } from './support/dbTesting.js';
import { webRoleSignals } from './support/ledgerServer.js';
import { describeWithPostgres } from './support/needsPostgres.js';
import { createTestDatabase, type TestDatabase } from './support/testDatabase.js';

describeWithPostgres('the CLI and a web-role server run on PostgreSQL')(
  'checkpoints past the end of a replaced event log',
  () => {
    let database: TestDatabase;
    let before = 0;
    let earlier: StoredEvent[] = [];
    let head = 0;
    beforeAll(async () => {
      database = await createTestDatabase();
      const lives = sampleLifecycles(6, 77);
      earlier = lives.slice(0, 3).flatMap((life) => life.events);
      before = (await storeEvents(database.db, earlier)).length;
      // Projected to its head.
      await database.db.query(
        'INSERT INTO ledger.projection_checkpoints (projection, position) SELECT unnest($1::text[]), $2',
        [projections.map((projection) => projection.name), before],
      );
      // The log as an older backup held it: all but its first two events gone; then new ones appended.
      await database.db.query('DELETE FROM eventstore.events WHERE position > 2');
      await database.db.query('UPDATE eventstore.head SET position = 2');
      head =
        2 +
        (
          await storeEvents(
            database.db,
            lives.slice(3).flatMap((life) => life.events),
          )
        ).length;
      expect(head).toBeLessThan(before);
    });
    afterAll(async () => {
      await database?.drop();
    });

    it('are "ahead" in projections status, which exits 5 saying the log is not theirs and what to run', async () => {
      const status = await projectionStatus(database.db, postgresEventStore(database.db));
      expect(status.find((s) => s.name === 'payments')).toMatchObject({
        state: 'ahead',
        position: before,
        head,
        lag_events: 0,
      });
      const result = await runCli(['projections', 'status'], { DATABASE_URL: database.url });
      expect(result.code).toBe(5);
      expect(result.stdout).toMatch(/payments\s+ahead/);
      expect(result.stderr.trim().split('\n').at(-1)).toMatch(
        new RegExp(
          `^stripe-ledger: .*payments.* past the end of the event log \\(position ${before}, head ${head}\\): .*replaced, or restored from an older backup.*\`stripe-ledger projections rebuild --all\``,
        ),
      );
    });

    it('make a web role’s health degraded, naming them, its /metrics flag them, and finance answers say so', async () => {
      const { health, metrics, stale } = await webRoleSignals(database.url);
      expect(health.status).toBe('degraded');
      expect(health.ahead_projections).toContain('payments');
      expect(stale?.split(', ')).toContain('payments');
      expect(metrics).toContain('stripe_ledger_projection_ahead_of_log{projection="payments"} 1');
    });

    it('stop a projector there, failed, so they stay stopped once appends pass the old checkpoint', async () => {
      const { logger, lines } = capturedLogger();
      const projector = await startProjector({
        db: database.db,
        store: postgresEventStore(database.db),
        projections,
        logger,
        pollMs: 100,
      });
      try {
        await waitFor(async () => (await readCheckpoints(database.db)).every((c) => c.state === 'failed'), {
          what: 'every projection stopped',
        });
      } finally {
        await projector.stop();
      }
      expect(lines.some((line) => line.msg === 'checkpoint past the end of the event log')).toBe(true);
      // The events the older log lacks come again: the head passes the old checkpoint.
      head += (await storeEvents(database.db, earlier)).length;
      expect(head).toBeGreaterThan(before);
      const status = await projectionStatus(database.db, postgresEventStore(database.db));
      for (const projection of status) {
        expect(projection).toMatchObject({ state: 'failed', position: before });
        expect(projection.last_error).toMatch(
          /stands past the end of the event log .*restored from an older backup.*`stripe-ledger projections rebuild --all`/,
        );
      }
    });

    it('are brought back to the log by a rebuild, after which every projection is at its head', async () => {
      const rebuilt = await runCli(['projections', 'rebuild', '--all'], { DATABASE_URL: database.url });
      expect(rebuilt.code).toBe(0);
      const status = await projectionStatus(database.db, postgresEventStore(database.db));
      expect(status.every((s) => s.position === head && s.state !== 'ahead')).toBe(true);
      expect((await runCli(['projections', 'status'], { DATABASE_URL: database.url })).code).toBe(0);
    });
  },
);

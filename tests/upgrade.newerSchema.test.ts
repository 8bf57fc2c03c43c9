/**
 * A process of this version meeting a database a newer version migrated (one not stopped before an
 * upgrade, or a rollback) writes nothing with its older code: commands refuse to start, and a running
 * projector applies nothing until it is stopped, rather than stop every projection on tables it cannot
 * read or skip events it does not know.
 */
import { v4 as uuidv4 } from 'uuid';
import { knownSchemaVersion, migrate } from '../src/db/migrate.js';
import { postgresEventStore } from '../src/eventstore/postgres/postgresEventStore.js';
import { startProjector, type Projector } from '../src/projector/projector.js';
import { openFailures } from '../src/projector/failures.js';
import { capturedLogger } from './support/capturedLogger.js';
import { runCli } from './support/cli.js';
import { COUNTS_TABLE_SQL, countingProjection } from './support/countingProjection.js';
import { newEvent } from './support/eventStoreContract.js';
import { describeWithPostgres } from './support/needsPostgres.js';
import { createTestDatabase, type TestDatabase } from './support/testDatabase.js';
import { waitFor } from './support/waitFor.js';

const FUTURE = knownSchemaVersion() + 1;
const FUTURE_NAME = `${FUTURE}_from_a_newer_version`;

describe('a database a newer version migrated', () => {
  let database: TestDatabase;
  beforeEach(async () => {
    database = await createTestDatabase();
  });
  afterEach(async () => {
    await database.drop();
  });

  const newerVersionMigrates = () =>
    database.db.query('INSERT INTO public.stripe_ledger_migrations (version, name) VALUES ($1, $2)', [
      FUTURE,
      FUTURE_NAME,
    ]);

  it('is refused by migrate, naming its newest migration, and left as it was', async () => {
    const applied = async () =>
      (await database.db.query('SELECT version FROM public.stripe_ledger_migrations ORDER BY version')).rows;
    await newerVersionMigrates();
    const before = await applied();
    await expect(migrate(database.db)).rejects.toThrow(
      `the database was migrated by a newer stripe-ledger (its migration ${FUTURE_NAME}`,
    );
    expect(await applied()).toEqual(before);
  });

  describeWithPostgres('the CLI runs as a child process on a PostgreSQL URL')('its commands', () => {
    it.each([[['projections', 'status']], [['projections', 'rebuild', '--all']], [['migrate']]])(
      '`%s` exits 2 with one line saying what to do, and changes nothing',
      async (args) => {
        await newerVersionMigrates();
        const result = await runCli(args, { DATABASE_URL: database.url });
        expect(result.code).toBe(2);
        expect(result.stderr).toContain(
          `the database was migrated by a newer stripe-ledger (its migration ${FUTURE_NAME}`,
        );
        expect(result.stderr).toContain('run the newer version');
        expect(result.stderr).not.toMatch(/\n\s+at /);
        const { rows } = await database.db.query('SELECT count(*)::int AS n FROM ledger.rebuilds');
        expect(rows[0]!.n).toBe(0);
      },
    );
  });

  describe('under a running projector', () => {
    let projector: Projector | undefined;
    afterEach(async () => {
      await projector?.stop();
    });

    it('applies nothing and records no failure while it runs, and goes on once the schema is its own again', async () => {
      await database.db.query(COUNTS_TABLE_SQL);
      const store = postgresEventStore(database.db);
      const append = async (count: number) => {
        for (let index = 0; index < count; index += 1)
          await store.append(`payment-pi_${uuidv4()}`, [newEvent()], 'any');
      };
      const applied = async () =>
        (await database.db.query('SELECT coalesce(sum(applied), 0)::int AS n FROM ledger.test_counts'))
          .rows[0]!.n as number;
      const { logger, lines } = capturedLogger();
      projector = await startProjector({
        db: database.db,
        store,
        projections: [countingProjection('payments')],
        logger,
        batchSize: 10,
        pollMs: 100,
      });
      await append(5);
      await waitFor(async () => (await applied()) === 5, { what: 'the first five events applied' });

      const heartbeat = async () =>
        (
          await database.db.query<{ at: Date }>(
            "SELECT heartbeat_at AS at FROM ledger.projection_checkpoints WHERE projection = 'payments'",
          )
        ).rows[0]!.at.getTime();
      await newerVersionMigrates();
      const fenced = () =>
        lines.filter((line) => String(line.error).includes('migrated by a newer stripe-ledger')).length;
      await waitFor(async () => fenced() >= 1, { what: 'the projector to say a newer version migrated' });
      const beat = await heartbeat();
      await append(7);
      // Retries back off 0.2, 0.4, 0.8, 1.6, 3.2 s (each halved at most by jitter): past the 2 s a
      // heartbeat comes every, had it gone on.
      await waitFor(async () => fenced() >= 6, { what: 'the projector to say so six times' });
      expect(await applied()).toBe(5);
      expect(await openFailures(database.db)).toEqual([]);
      // No heartbeat while fenced: status calls its projections stalled, not live.
      expect(await heartbeat()).toBe(beat);

      // The newer version's process gone and the database restored: the projector goes on by itself.
      await database.db.query('DELETE FROM public.stripe_ledger_migrations WHERE version = $1', [FUTURE]);
      await waitFor(async () => (await applied()) === 12, {
        what: 'all twelve events applied',
        timeoutMs: 30_000,
      });
    });
  });
});

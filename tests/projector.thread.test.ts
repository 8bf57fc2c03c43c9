import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '../src/cli/serve.js';
import { loadConfig } from '../src/config/config.js';
import { demoScenario } from '../src/cli/demoEvents.js';
import { startProjectorThread } from '../src/projector/projectorThread.js';
import { packageRoot } from '../src/paths.js';
import { capturedLogger } from './support/capturedLogger.js';
import { describeWithPostgres } from './support/needsPostgres.js';
import { postWebhook, TEST_SECRET } from './support/stripeEvents.js';
import { createTestDatabase, type TestDatabase } from './support/testDatabase.js';
import { waitFor } from './support/waitFor.js';

const configFor = (databaseUrl: string, dataDir = '') =>
  loadConfig({
    DATABASE_URL: databaseUrl,
    STRIPE_WEBHOOK_SECRET: TEST_SECRET,
    PORT: '0',
    LEDGER_DATA_DIR: dataDir,
  });

describeWithPostgres('the projector thread needs PostgreSQL')(
  'the projector of an all-in-one server, in its own thread',
  () => {
    let database: TestDatabase;
    beforeAll(async () => {
      database = await createTestDatabase();
    });
    afterAll(async () => {
      await database.drop();
    });

    const projectorSessions = async () =>
      Number(
        (
          await database.db.query<{ count: string }>(
            `SELECT count(*) FROM pg_stat_activity
              WHERE datname = current_database() AND application_name = 'stripe-ledger projector'`,
          )
        ).rows[0]!.count,
      );

    it('projects what the server acknowledges from a thread, and closes its connections at stop', async () => {
      const { logger, lines } = capturedLogger();
      const running = await serve(configFor(database.url), logger, { role: 'all' });
      try {
        const { events, payments } = demoScenario();
        for (const event of events) {
          expect(await postWebhook(running.url!, event.body)).toMatchObject({ status: 200 });
        }
        await waitFor(
          async () =>
            Number(
              (await database.db.query<{ count: string }>('SELECT count(*) FROM ledger.payments')).rows[0]!
                .count,
            ) === payments.length,
          { what: 'every demo payment projected' },
        );
        // The leases were taken by the projector thread (its log lines say so), not by the main thread.
        const leases = lines.filter((line) => line.msg === 'projection lease taken');
        expect(leases.length).toBeGreaterThan(0);
        expect(leases.every((line) => line.thread === 'projector')).toBe(true);
      } finally {
        await running.stop();
      }
      expect(await projectorSessions()).toBe(0);
    });

    it('refuses to start, naming the database, when the thread cannot reach it', async () => {
      const { logger } = capturedLogger();
      await expect(
        startProjectorThread({ config: configFor('postgres://postgres@127.0.0.1:1/nowhere'), logger }),
      ).rejects.toThrow(/projector thread did not start: cannot use the database at 127\.0\.0\.1:1/);
    });

    it('starts a thread that dies again, logging why, and stops it for good', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'stripe-ledger-thread-'));
      const starts = join(dir, 'starts');
      writeFileSync(starts, '');
      const { logger, lines } = capturedLogger();
      let restarts = 0;
      try {
        const projector = await startProjectorThread({
          config: configFor(database.url, dir),
          logger,
          onRestart: () => (restarts += 1),
          script: join(packageRoot, 'tests/support/crashingProjectorThread.mjs'),
        });
        await waitFor(() => restarts >= 2, { what: 'the thread started again twice' });
        expect(readFileSync(starts, 'utf8').split('\n').filter(Boolean).length).toBeGreaterThanOrEqual(3);
        await projector.stop();
        expect(lines.some((line) => line.msg === 'projector thread failed')).toBe(true);
        expect(
          lines.some((line) => line.msg === 'projector thread stopped unexpectedly; starting it again'),
        ).toBe(true);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  },
);

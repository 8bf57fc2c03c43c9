/**
 * A rebuild on EventStoreDB, whose positions are bytes of the log, not events: its progress says so,
 * and its time left is reckoned in positions as its progress is (reckoned in events it came out about a
 * thousand times too long).
 */
import { pino } from 'pino';
import { projections } from '../projections/index.js';
import { loadConfig } from '../src/config/config.js';
import { rebuildProjections, type RebuildProgress } from '../src/projector/rebuild.js';
import { openRuntime } from '../src/runtime/openRuntime.js';
import { sampleLifecycles } from './support/dbTesting.js';
import { asAppended } from './support/storedEvents.js';
import { startInProcessServer, type InProcessServer } from './support/eventstoredb/inProcessServer.js';
import { describeWithPostgres } from './support/needsPostgres.js';
import { createTestDatabase, type TestDatabase } from './support/testDatabase.js';

describeWithPostgres('checkpoints and the rebuilt tables live in PostgreSQL')(
  'the progress of a rebuild on EventStoreDB',
  () => {
    let esdb: InProcessServer;
    let database: TestDatabase;
    beforeAll(async () => {
      esdb = await startInProcessServer();
      database = await createTestDatabase();
    });
    afterAll(async () => {
      await database?.drop();
      await esdb?.stop();
    });

    it('counts log bytes, says so, and reckons the time left from the pace of its positions', async () => {
      const config = loadConfig({
        DATABASE_URL: database.url,
        EVENT_STORE: 'eventstoredb',
        EVENTSTORE_CONNECTION_STRING: esdb.connectionString,
      });
      const runtime = await openRuntime(config, pino({ level: 'silent' }));
      const reports: (RebuildProgress & { at: number })[] = [];
      try {
        const events = sampleLifecycles(300, 5).flatMap((lifecycle) => lifecycle.events);
        await runtime.store.appendMany(
          events.map((event) => ({
            stream: event.stream,
            expectedVersion: 'any',
            events: [asAppended(event)],
          })),
        );
        const started = Date.now();
        const report = await rebuildProjections({
          db: runtime.db,
          store: runtime.store,
          projections,
          batchSize: 100,
          onProgress: (progress) => reports.push({ ...progress, at: (Date.now() - started) / 1000 }),
        });
        expect(report.events).toBe(events.length);
        const took = (Date.now() - started) / 1000;
        const folding = reports.filter((r) => r.phase === 'folding' && r.etaSeconds !== null);
        expect(folding.length).toBeGreaterThan(3);
        for (const progress of reports) expect(progress.unit).toBe('log bytes');
        // Each estimate: what was left at the pace so far. None may exceed the whole rebuild many times over.
        for (const progress of folding) expect(progress.etaSeconds!).toBeLessThan(Math.max(10, 10 * took));
        expect(reports.at(-1)!.total).toBeGreaterThan(events.length * 100);
      } finally {
        await runtime.close();
      }
    });
  },
);

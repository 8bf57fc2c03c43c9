/**
 * Projector catch-up: N events (mixed lifecycles, about 5 per payment) already in the store, the
 * projector role started from zero in its own process; events/s until every projection's lag is 0.
 * Target: >= 20,000 events/s. Flags: --events=100000
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate } from '../src/db/migrate.js';
import { pgDb } from '../src/db/pg.js';
import type { Benchmark } from './benchmark.js';
import { createBenchDatabase } from './benchDatabase.js';
import { printTable } from './printTable.js';
import { cpuSeconds, memoryMiB } from './procStats.js';
import { seedLifecycles } from './seedLifecycles.js';
import { startProjectorProcess } from './projectorProcess.js';

export const projectorCatchUpBenchmark: Benchmark = {
  name: 'catchup',
  description: 'projector catch-up from zero over 100,000 stored events (target >= 20,000 events/s)',
  run: async ({ flags }) => {
    const target = Number(flags.get('events') ?? 100_000);
    const database = await createBenchDatabase('catchup');
    const db = pgDb({ connectionString: database.url, max: 4 });
    try {
      await migrate(db);
      const seeded = await seedLifecycles(db, target);
      console.log(`seeded ${seeded.events} events for ${seeded.payments} payments`);
      const started = performance.now();
      const server = startProjectorProcess({
        env: { DATABASE_URL: database.url, LOG_LEVEL: 'warn' },
        logFile: join(tmpdir(), 'stripe-ledger-bench-catchup.log'),
      });
      let rssPeak = 0;
      const rows: Record<string, string | number>[] = [];
      try {
        const done = new Map<string, number>();
        while (done.size < 5) {
          rssPeak = Math.max(rssPeak, memoryMiB(server.pid).rss);
          const { rows: checkpoints } = await db.query<{ projection: string; position: number }>(
            'SELECT projection, position FROM ledger.projection_checkpoints',
          );
          for (const checkpoint of checkpoints) {
            if (checkpoint.position >= seeded.events && !done.has(checkpoint.projection)) {
              done.set(checkpoint.projection, (performance.now() - started) / 1000);
            }
          }
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        const seconds = Math.max(...done.values());
        const cpu = cpuSeconds(server.pid);
        for (const [projection, at] of [...done.entries()].sort()) {
          rows.push({
            projection,
            'seconds to lag 0': Math.round(at * 100) / 100,
            'events/s': Math.round(seeded.events / at),
          });
        }
        rows.push({
          projection: 'ALL (wall)',
          'seconds to lag 0': Math.round(seconds * 100) / 100,
          'events/s': Math.round(seeded.events / seconds),
        });
        printTable(rows);
        console.log(
          `projector CPU ${Math.round((cpu / seeded.events) * 1e6)} µs/event (all five projections), peak RSS ${Math.round(rssPeak)} MiB; target >= 20,000 events/s`,
        );
      } finally {
        await server.stop();
      }
    } finally {
      await db.close();
      await database.drop();
    }
  },
};

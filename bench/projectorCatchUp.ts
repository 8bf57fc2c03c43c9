/**
 * Projector catch-up: N events (mixed lifecycles, about 5 per payment) already in the store, the
 * projector role started from zero in its own process; events/s until every projection's lag is 0.
 * The log is seeded interleaved (as a live log is: refunds days and disputes weeks after their payment)
 * and grouped (each payment's events together: the best case), each in its own database, reported side
 * by side. The payments read model is checked against the seeded lifecycles at the end.
 * Target: >= 20,000 events/s. Flags: --events=100000 --layout=both|interleaved|grouped --deadline=600 (s)
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate } from '../src/db/migrate.js';
import { pgDb } from '../src/db/pg.js';
import type { Benchmark } from './benchmark.js';
import { createBenchDatabase } from './benchDatabase.js';
import { printTable } from './printTable.js';
import { cpuSeconds, memoryMiB } from './procStats.js';
import { checkSeededPayments, layoutsFromFlag, seedLifecycles, type SeedLayout } from './seedLifecycles.js';
import { startProjectorProcess } from './projectorProcess.js';
import { projections as allProjections } from '../projections/index.js';

/** Every projection the projector runs must reach the head (the money projections included). */
const PROJECTIONS = allProjections.length;

const catchUpOnce = async (target: number, layout: SeedLayout, deadlineSeconds: number) => {
  const database = await createBenchDatabase(`catchup_${layout}`);
  const db = pgDb({ connectionString: database.url, max: 4 });
  try {
    await migrate(db);
    const seeded = await seedLifecycles(db, target, { layout });
    console.log(`${layout}: seeded ${seeded.events} events for ${seeded.payments} payments`);
    const started = performance.now();
    const server = startProjectorProcess({
      env: { DATABASE_URL: database.url, LOG_LEVEL: 'warn' },
      logFile: join(tmpdir(), `stripe-ledger-bench-catchup-${layout}.log`),
    });
    let rssPeak = 0;
    try {
      const done = new Map<string, number>();
      while (done.size < PROJECTIONS) {
        const elapsed = (performance.now() - started) / 1000;
        if (elapsed > deadlineSeconds) {
          throw new Error(
            `${layout}: only ${done.size} of ${PROJECTIONS} projections reached lag 0 within ${deadlineSeconds} s`,
          );
        }
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
      const cpu = cpuSeconds(server.pid);
      const { rows: failures } = await db.query<{ count: number }>(
        'SELECT count(*)::int AS count FROM ledger.projection_failures',
      );
      if (failures[0]!.count > 0) throw new Error(`${layout}: ${failures[0]!.count} projection failures`);
      await checkSeededPayments(db, seeded);
      const seconds = Math.max(...done.values());
      return {
        layout,
        events: seeded.events,
        perProjection: [...done.entries()].sort(),
        seconds,
        cpuMicrosPerEvent: Math.round((cpu / seeded.events) * 1e6),
        rssPeak: Math.round(rssPeak),
      };
    } finally {
      await server.stop();
    }
  } finally {
    await db.close();
    await database.drop();
  }
};

export const projectorCatchUpBenchmark: Benchmark = {
  name: 'catchup',
  description: 'projector catch-up from zero over 100,000 stored events (target >= 20,000 events/s)',
  run: async ({ flags }) => {
    const target = Number(flags.get('events') ?? 100_000);
    const deadlineSeconds = Number(flags.get('deadline') ?? 600);
    const results = [];
    for (const layout of layoutsFromFlag(flags.get('layout'))) {
      results.push(await catchUpOnce(target, layout, deadlineSeconds));
    }
    const rows: Record<string, string | number>[] = [];
    for (const result of results) {
      for (const [projection, at] of result.perProjection) {
        rows.push({
          layout: result.layout,
          projection,
          'seconds to lag 0': Math.round(at * 100) / 100,
          'events/s': Math.round(result.events / at),
        });
      }
      rows.push({
        layout: result.layout,
        projection: 'ALL (wall)',
        'seconds to lag 0': Math.round(result.seconds * 100) / 100,
        'events/s': Math.round(result.events / result.seconds),
        'µs CPU/event': result.cpuMicrosPerEvent,
        'peak RSS MiB': result.rssPeak,
      });
    }
    printTable(rows);
    const worst = Math.min(...results.map((result) => result.events / result.seconds));
    console.log(
      `target >= 20,000 events/s for every projection: ${worst >= 20_000 ? 'met' : 'NOT met'} (read models checked against the seeded lifecycles)`,
    );
  },
};

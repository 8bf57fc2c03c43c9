/**
 * Projector catch-up: N events (mixed lifecycles, about 5 per payment) already in the store, the
 * projector role started from zero in its own process; events/s until every projection's lag is 0.
 * The log is seeded interleaved (as a live log is: refunds days and disputes weeks after their payment)
 * and grouped (each payment's events together: the best case), each in its own database, reported side
 * by side. The payments read model is checked against the seeded lifecycles at the end.
 * Target (issue #10): catch-up >= 5x the rate the web role ingests at 50 connections, measured in the
 * same run on the same machine (bench/ingest.ts, its web subject), so a slower or busier machine moves
 * both sides; on the 2-core machine that was about 20,000 events/s.
 * Flags: --events=100000 --layout=both|interleaved|grouped --deadline=600 (s) --ingest-seconds=5 (0: skip)
 *        --profile: the projector writes a V8 CPU profile when it stops (its folder is printed)
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate } from '../src/db/migrate.js';
import { pgDb } from '../src/db/pg.js';
import type { Benchmark } from './benchmark.js';
import { runSubject } from './ingest.js';
import { createBenchDatabase } from './benchDatabase.js';
import { printTable } from './printTable.js';
import { cpuSeconds, memoryMiB } from './procStats.js';
import { checkSeededPayments, layoutsFromFlag, seedLifecycles, type SeedLayout } from './seedLifecycles.js';
import { startProjectorProcess } from './projectorProcess.js';
import { projections as allProjections } from '../projections/index.js';

/** Catch-up must project this many times faster than the web role ingests. */
const TIMES_INGEST = 5;

/** Every projection the projector runs must reach the head (the money projections included). */
const PROJECTIONS = allProjections.length;

const catchUpOnce = async (target: number, layout: SeedLayout, deadlineSeconds: number, profile: boolean) => {
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
      nodeArgs: profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir(layout)}`] : [],
    });
    if (profile) console.log(`${layout}: the projector's CPU profile goes to ${profileDir(layout)}`);
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

const profileDir = (layout: SeedLayout) => join(tmpdir(), `stripe-ledger-bench-catchup-${layout}-profile`);

/** The web role's ingest rate at 50 connections, as the ingest benchmark measures it. */
const webIngestRate = async (seconds: number): Promise<number> => {
  const flags = new Map([
    ['warmup', '1'],
    ['log-level', 'warn'],
  ]);
  const { rows, errors } = await runSubject('web', { durationSeconds: seconds, flags }, [50]);
  if (errors.length > 0) throw new Error(`web ingest: ${errors.join('; ')}`);
  return rows[0]!['events/s'];
};

export const projectorCatchUpBenchmark: Benchmark = {
  name: 'catchup',
  description: `projector catch-up from zero over 100,000 stored events (target >= ${TIMES_INGEST}x the web role's ingest rate)`,
  run: async ({ flags }) => {
    const target = Number(flags.get('events') ?? 100_000);
    const deadlineSeconds = Number(flags.get('deadline') ?? 600);
    const ingestSeconds = Number(flags.get('ingest-seconds') ?? 5);
    const results = [];
    for (const layout of layoutsFromFlag(flags.get('layout'))) {
      results.push(await catchUpOnce(target, layout, deadlineSeconds, flags.has('profile')));
    }
    const ingest = ingestSeconds > 0 ? await webIngestRate(ingestSeconds) : null;
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
        ...(ingest !== null && {
          'x web ingest': Math.round((100 * result.events) / result.seconds / ingest) / 100,
        }),
      });
    }
    printTable(rows);
    const worst = Math.min(...results.map((result) => result.events / result.seconds));
    if (ingest === null) {
      console.log(
        `catch-up: slowest layout ${Math.round(worst)} events/s (web ingest not measured: no verdict)`,
      );
      return;
    }
    const ratio = worst / ingest;
    console.log(
      `web role ingest in this run: ${ingest} events/s at 50 connections; target catch-up >= ${TIMES_INGEST}x ` +
        `(${TIMES_INGEST * ingest} events/s) in every layout: ${ratio >= TIMES_INGEST ? 'met' : 'NOT met'} ` +
        `(${Math.round(ratio * 100) / 100}x; read models checked against the seeded lifecycles)`,
    );
  },
};

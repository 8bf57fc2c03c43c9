/**
 * Rebuild: N events (mixed lifecycles, about 5 per payment) in the store, then
 * `stripe-ledger projections rebuild --all` in its own process; wall time, events/s and peak RSS.
 * Target: 1,000,000 events (200,000 payments) in <= 60 s and <= 512 MB. Flags: --events=1000000
 */
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { migrate } from '../src/db/migrate.js';
import { pgDb } from '../src/db/pg.js';
import { packageRoot } from '../src/paths.js';
import type { Benchmark } from './benchmark.js';
import { createBenchDatabase } from './benchDatabase.js';
import { printTable } from './printTable.js';
import { cpuSeconds, memoryMiB } from './procStats.js';
import { seedLifecycles } from './seedLifecycles.js';

const runRebuild = (databaseUrl: string) =>
  new Promise<{ seconds: number; peakMiB: number; cpu: number; code: number | null; output: string }>(
    (resolve, reject) => {
      const started = performance.now();
      const child = spawn(
        process.execPath,
        [join(packageRoot, 'dist/src/cli/main.js'), 'projections', 'rebuild', '--all'],
        {
          env: { PATH: process.env.PATH ?? '', DATABASE_URL: databaseUrl },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let output = '';
      child.stdout.on('data', (chunk) => (output = (output + chunk).slice(-2000)));
      child.stderr.on('data', (chunk) => (output = (output + chunk).slice(-2000)));
      let peakMiB = 0;
      let cpu = 0;
      const sampler = setInterval(() => {
        try {
          peakMiB = Math.max(peakMiB, memoryMiB(child.pid!).peak);
          cpu = cpuSeconds(child.pid!);
        } catch {
          // exited
        }
      }, 50);
      child.once('error', reject);
      child.once('close', (code) => {
        clearInterval(sampler);
        resolve({ seconds: (performance.now() - started) / 1000, peakMiB, cpu, code, output });
      });
    },
  );

export const rebuildBenchmark: Benchmark = {
  name: 'rebuild',
  description: 'projections rebuild --all over 1,000,000 stored events (target <= 60 s, <= 512 MB)',
  run: async ({ flags }) => {
    const target = Number(flags.get('events') ?? 1_000_000);
    const database = await createBenchDatabase('rebuild');
    const db = pgDb({ connectionString: database.url, max: 4 });
    try {
      await migrate(db);
      const seedStarted = performance.now();
      const seeded = await seedLifecycles(db, target);
      console.log(
        `seeded ${seeded.events} events for ${seeded.payments} payments in ${Math.round((performance.now() - seedStarted) / 1000)} s`,
      );
      const loadBefore = loadavg()[0]!;
      const result = await runRebuild(database.url);
      if (result.code !== 0) throw new Error(`rebuild failed (${result.code}): ${result.output}`);
      const { rows } = await db.query<{ count: number }>(
        'SELECT count(*)::int AS count FROM ledger.payments',
      );
      printTable([
        {
          events: seeded.events,
          payments: rows[0]!.count,
          'wall s': Math.round(result.seconds * 10) / 10,
          'events/s': Math.round(seeded.events / result.seconds),
          'peak RSS MiB': Math.round(result.peakMiB),
          'rebuild CPU s': Math.round(result.cpu * 10) / 10,
        },
      ]);
      // The machine may be shared: a load average above its cores means the wall time is stretched.
      console.log(
        `target: <= 60 s and <= 512 MB for 1,000,000 events; load average ${loadBefore.toFixed(1)} before, ${loadavg()[0]!.toFixed(1)} after`,
      );
    } finally {
      await db.close();
      await database.drop();
    }
  },
};

/**
 * The issue #13 "done when" figures, measured from outside against `stripe-ledger serve` (every role, on
 * PostgreSQL, its own process): `--scenario=hang|slow-clients|stalled-exports|all` (default all). Each
 * scenario prints its figures beside their targets; the verdict fails when any target is not met.
 * Flags of each scenario: see bench/hostileHang.ts, bench/hostileSlowClients.ts, bench/hostileExports.ts.
 */
import type { Benchmark, BenchOptions } from './benchmark.js';
import { exportsScenario } from './hostileExports.js';
import { hangScenario } from './hostileHang.js';
import type { Figure } from './hostileShared.js';
import { load } from './hostileShared.js';
import { slowClientsScenario } from './hostileSlowClients.js';
import { printTable } from './printTable.js';

const SCENARIOS: Record<string, (flags: ReadonlyMap<string, string>) => Promise<Figure[]>> = {
  hang: hangScenario,
  'slow-clients': slowClientsScenario,
  'stalled-exports': exportsScenario,
};

const run = async ({ flags }: BenchOptions) => {
  const asked = flags.get('scenario') ?? 'all';
  const names = asked === 'all' ? Object.keys(SCENARIOS) : asked.split(',');
  const unknown = names.filter((name) => !(name in SCENARIOS));
  if (unknown.length > 0)
    throw new Error(
      `--scenario takes ${Object.keys(SCENARIOS).join(', ')} or all, not ${unknown.join(', ')}`,
    );
  const missed: string[] = [];
  for (const name of names) {
    const figures = await SCENARIOS[name]!(flags);
    console.log(`\n${name} (load ${load()}):`);
    printTable(figures);
    missed.push(
      ...figures.filter((figure) => figure.met === 'NO').map((figure) => `${name}: ${figure.figure}`),
    );
  }
  if (missed.length > 0) throw new Error(`targets not met: ${missed.join('; ')}`);
  console.log('\nverdict: every target met');
};

export const hostileBenchmark: Benchmark = {
  name: 'hostile',
  description:
    'a hanging database, 1,000 slow clients, 30 stalled exports: deadlines, memory and sessions (issue #13)',
  run,
};

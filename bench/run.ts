/**
 * `npm run bench -- [name...] [--duration=10] [--flag=value...]`: runs the named benchmarks, or all of
 * them. A new benchmark is a file exporting a Benchmark, added to the list below.
 */
import type { Benchmark } from './benchmark.js';
import { parseDuration } from './duration.js';
import { rebuildBenchmark } from './rebuild.js';
import { soakBenchmark } from './soak.js';
import { consoleBenchmark } from './console.js';
import { endToEndBenchmark } from './endToEnd.js';
import { hostileBenchmark } from './hostile.js';
import { ingestBenchmark } from './ingest.js';
import { moneyBenchmark } from './money.js';
import { queryApiBenchmark } from './queryApi.js';
import { projectorCatchUpBenchmark } from './projectorCatchUp.js';
import { syncBenchmark } from './sync.js';
import { errorMessage } from '../src/shared/errorMessage.js';

const benchmarks: Benchmark[] = [
  ingestBenchmark,
  projectorCatchUpBenchmark,
  queryApiBenchmark,
  endToEndBenchmark,
  rebuildBenchmark,
  moneyBenchmark,
  syncBenchmark,
  consoleBenchmark,
  soakBenchmark,
  hostileBenchmark,
];

const parseArgs = (argv: string[]) => {
  const names: string[] = [];
  const flags = new Map<string, string>();
  for (const arg of argv) {
    const flag = /^--([^=]+)(?:=(.*))?$/.exec(arg);
    if (flag) flags.set(flag[1]!, flag[2] ?? 'true');
    else names.push(arg);
  }
  return { names, flags };
};

const main = async () => {
  const { names, flags } = parseArgs(process.argv.slice(2));
  const known = new Map(benchmarks.map((benchmark) => [benchmark.name, benchmark]));
  const unknown = names.filter((name) => !known.has(name));
  if (unknown.length > 0 || flags.has('help')) {
    const list = benchmarks.map((b) => `  ${b.name.padEnd(12)} ${b.description}`).join('\n');
    throw new Error(
      `${unknown.length > 0 ? `unknown benchmark ${unknown.join(', ')}; ` : ''}available:\n${list}`,
    );
  }
  const durationSeconds = parseDuration(flags.get('duration') ?? '10');
  const selected = names.length > 0 ? names.map((name) => known.get(name)!) : benchmarks;
  for (const benchmark of selected) {
    console.log(`\n== ${benchmark.name}: ${benchmark.description}`);
    await benchmark.run({ durationSeconds, flags });
  }
};

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${errorMessage(error)}\n`);
  process.exit(1);
});

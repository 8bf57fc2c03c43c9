/**
 * Ingest benchmark: distinct, freshly signed ~2 KB payment_intent.succeeded webhooks posted to the real
 * server (`stripe-ledger serve`, its own process, durable appends on a fresh database) from 1, 10 and 50
 * keep-alive connections on loopback. Target at 50 connections: >= 6,000 events/s with p99 <= 30 ms.
 *
 * Flags: --levels=1,10,50  --warmup=2 (seconds)  --role=web|all  --log-level=info  --keep-db
 *        --profile: the server writes a V8 CPU profile (open it in Chrome DevTools) when it stops
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { Benchmark, BenchOptions } from './benchmark.js';
import { createBenchDatabase } from './benchDatabase.js';
import { keepAliveLoad, type LoadResult, percentile } from './keepAliveLoad.js';
import { paymentIntentSucceededFactory } from './paymentIntentSucceeded.js';
import { printTable } from './printTable.js';
import { cpuSeconds, cpuSecondsBetween, cpuSecondsOf, machineCpu, memoryMiB } from './procStats.js';
import { startServerProcess, type ServerProcess } from './serverProcess.js';

const SECRET = 'whsec_bench_ingest';
const TARGET = { connections: 50, eventsPerSecond: 6000, p99Ms: 30 };

type Row = {
  connections: number;
  'events/s': number;
  'p50 ms': number;
  'p99 ms': number;
  'max ms': number;
  'non-200': number;
  'server CPU µs/ev': number;
  'postgres CPU µs/ev': number;
  'loadgen CPU µs/ev': number;
  'machine busy %': number;
  'server RSS peak MiB': number;
};

const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;

/** The PostgreSQL processes working for the benchmark: its database's sessions and the shared helpers
 * (WAL writer, checkpointer, ...), which other databases on the same server may keep busy too. */
const postgresProcesses = async (admin: pg.Client, database: string): Promise<number[]> => {
  const { rows } = await admin.query<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity WHERE (datname = $1 OR backend_type <> 'client backend') AND pid <> pg_backend_pid()`,
    [database],
  );
  return rows.map((row) => row.pid);
};

/** One closed-loop run at `connections`, with the server's CPU and memory read around and during it. */
const measure = async (
  server: ServerProcess,
  postgres: () => Promise<number[]>,
  connections: number,
  durationMs: number,
) => {
  const nextEvent = paymentIntentSucceededFactory(SECRET);
  let rssPeak = memoryMiB(server.pid).rss;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, memoryMiB(server.pid).rss)), 100);
  const before = {
    server: cpuSeconds(server.pid),
    postgres: cpuSecondsOf(await postgres()),
    generator: process.cpuUsage(),
    machine: machineCpu(),
  };
  let result: LoadResult;
  try {
    result = await keepAliveLoad({
      host: server.host,
      port: server.port,
      connections,
      durationMs,
      nextRequest: () => {
        const { body, signature } = nextEvent();
        return {
          method: 'POST',
          path: '/api/webhooks/stripe',
          headers: { 'Content-Type': 'application/json', 'Stripe-Signature': signature },
          body,
        };
      },
    });
  } finally {
    clearInterval(sampler);
  }
  const generator = process.cpuUsage(before.generator);
  const machine = machineCpu();
  const ok = result.statuses.get(200) ?? 0;
  const perEvent = (seconds: number) => (ok === 0 ? Number.NaN : round((seconds / ok) * 1e6, 0));
  const row: Row = {
    connections,
    'events/s': Math.round(ok / (result.elapsedMs / 1000)),
    'p50 ms': round(percentile(result.latenciesMs, 50), 2),
    'p99 ms': round(percentile(result.latenciesMs, 99), 2),
    'max ms': round(Math.max(...result.latenciesMs), 1),
    'non-200': result.latenciesMs.length - ok + result.socketErrors,
    'server CPU µs/ev': perEvent(cpuSeconds(server.pid) - before.server),
    'postgres CPU µs/ev': perEvent(cpuSecondsBetween(before.postgres, cpuSecondsOf(await postgres()))),
    'loadgen CPU µs/ev': perEvent((generator.user + generator.system) / 1e6),
    'machine busy %': round(
      (100 * (machine.busy - before.machine.busy)) / (machine.total - before.machine.total),
      0,
    ),
    'server RSS peak MiB': round(rssPeak, 0),
  };
  return { row, acknowledged: ok };
};

const storedEvents = async (client: pg.Client): Promise<number> => {
  const { rows } = await client.query<{ count: string }>('SELECT count(*) AS count FROM eventstore.events');
  return Number(rows[0]!.count);
};

const run = async ({ durationSeconds, flags }: BenchOptions) => {
  const levels = (flags.get('levels') ?? '1,10,50').split(',').map(Number);
  const warmupMs = Number(flags.get('warmup') ?? 2) * 1000;
  const role = flags.get('role') ?? 'web';
  const logFile = join(tmpdir(), `stripe-ledger-bench-ingest-${process.pid}.log`);
  const profileDir = join(tmpdir(), `stripe-ledger-bench-ingest-${process.pid}-profile`);
  const database = await createBenchDatabase('ingest');
  let server: ServerProcess | undefined;
  const client = new pg.Client({ connectionString: database.url });
  try {
    await client.connect();
    const postgres = () => postgresProcesses(client, database.name);
    server = await startServerProcess({
      args: ['--role', role],
      env: {
        DATABASE_URL: database.url,
        STRIPE_WEBHOOK_SECRET: SECRET,
        LOG_LEVEL: flags.get('log-level') ?? 'info',
      },
      nodeArgs: flags.has('profile') ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
      logFile,
    });
    console.log(
      `ingest: server pid ${server.pid} (--role ${role}, log ${logFile}), database ${database.name}, ` +
        `${durationSeconds} s per level after a ${warmupMs / 1000} s warm-up`,
    );
    let acknowledged = 0;
    if (warmupMs > 0) acknowledged += (await measure(server, postgres, 10, warmupMs)).acknowledged;
    const rows: Row[] = [];
    for (const connections of levels) {
      const measured = await measure(server, postgres, connections, durationSeconds * 1000);
      acknowledged += measured.acknowledged;
      rows.push(measured.row);
    }
    printTable(rows);
    const peak = memoryMiB(server.pid).peak;
    console.log(`server VmHWM (peak RSS since start): ${round(peak, 0)} MiB`);

    const stored = await storedEvents(client);
    console.log(`durable appends: ${stored} events stored, ${acknowledged} acknowledged`);
    if (stored !== acknowledged) throw new Error('stored and acknowledged events differ');
    const atTarget = rows.find((row) => row.connections === TARGET.connections);
    if (atTarget) {
      const met =
        atTarget['events/s'] >= TARGET.eventsPerSecond && atTarget['p99 ms'] <= TARGET.p99Ms
          ? 'met'
          : 'NOT met';
      console.log(
        `target at ${TARGET.connections} connections (>= ${TARGET.eventsPerSecond} events/s, p99 <= ${TARGET.p99Ms} ms): ${met}`,
      );
    }
  } finally {
    await client.end().catch(() => undefined);
    await server?.stop();
    if (!flags.has('keep-db')) await database.drop();
    if (flags.has('profile')) console.log(`server CPU profile in ${profileDir}`);
  }
};

export const ingestBenchmark: Benchmark = {
  name: 'ingest',
  description: 'webhook ingest throughput and latency at 1, 10 and 50 connections, durable appends',
  run,
};

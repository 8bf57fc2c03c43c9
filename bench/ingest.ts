/**
 * Ingest benchmark: distinct, freshly signed ~2 KB payment_intent.succeeded webhooks posted from 1, 10 and
 * 50 keep-alive connections on loopback, in one run, to three subjects, each its own process on its own
 * fresh database:
 * - ours, `serve --role web`: durable appends only (projections run elsewhere);
 * - ours, `serve` all-in-one (what `npm start` runs): appends and the projector in one process, and the
 *   read models must be drained (every projection at the head) before its verdict;
 * - the peer, @supabase/stripe-sync-engine (bench/peerServer.ts), upserting each object into its schema.
 * Only 2xx answers count and are timed; any other answer, connection error or unanswered request fails
 * the verdict and is printed. At the end each subject's store is checked against what was acknowledged.
 * Target for ours at 50 connections: >= 6,000 events/s with p99 <= 30 ms.
 *
 * Flags: --levels=1,10,50  --warmup=2 (seconds)  --subjects=web,all,peer  --drain-deadline=300 (seconds)
 *        --log-level=info  --keep-db  --profile: our server writes a V8 CPU profile when it stops
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { packageRoot } from '../src/paths.js';
import type { Benchmark, BenchOptions } from './benchmark.js';
import { createBenchDatabase, type BenchDatabase } from './benchDatabase.js';
import { describeAnswers, keepAliveLoad, type LoadResult, percentile } from './keepAliveLoad.js';
import { paymentIntentSucceededFactory } from './paymentIntentSucceeded.js';
import { drainProjections } from './drainProjections.js';
import { printTable } from './printTable.js';
import { cpuSeconds, cpuSecondsBetween, cpuSecondsOf, machineCpu, memoryMiB } from './procStats.js';
import { startServerProcess, type ServerProcess } from './serverProcess.js';

const SECRET = 'whsec_bench_ingest_5b2d8e0a';
const TARGET = { connections: 50, eventsPerSecond: 6000, p99Ms: 30 };

export type SubjectName = 'web' | 'all' | 'peer';
const SUBJECTS: Record<SubjectName, string> = {
  web: 'ours --role web',
  all: 'ours all-in-one',
  peer: 'stripe-sync-engine',
};

type Row = {
  subject: string;
  connections: number;
  'events/s': number;
  'p50 ms': number;
  'p99 ms': number;
  'max ms': number;
  errors: number;
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
  subject: string,
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
  const ok = result.ok;
  const perEvent = (seconds: number) => (ok === 0 ? Number.NaN : round((seconds / ok) * 1e6, 0));
  const row: Row = {
    subject,
    connections,
    'events/s': Math.round(ok / (result.elapsedMs / 1000)),
    'p50 ms': round(percentile(result.latenciesMs, 50), 2),
    'p99 ms': round(percentile(result.latenciesMs, 99), 2),
    'max ms': round(Math.max(...result.latenciesMs), 1),
    errors: result.errors,
    'server CPU µs/ev': perEvent(cpuSeconds(server.pid) - before.server),
    'postgres CPU µs/ev': perEvent(cpuSecondsBetween(before.postgres, cpuSecondsOf(await postgres()))),
    'loadgen CPU µs/ev': perEvent((generator.user + generator.system) / 1e6),
    'machine busy %': round(
      (100 * (machine.busy - before.machine.busy)) / (machine.total - before.machine.total),
      0,
    ),
    'server RSS peak MiB': round(rssPeak, 0),
  };
  return { row, result };
};

const count = async (client: pg.Client, sql: string): Promise<number> =>
  Number((await client.query<{ count: string }>(sql)).rows[0]!.count);

/** What each subject must hold for the events it acknowledged; throws when it does not. */
const checkStore = async (
  name: SubjectName,
  client: pg.Client,
  acknowledged: number,
  drainDeadline: number,
): Promise<string> => {
  const expectEqual = (what: string, found: number) => {
    if (found !== acknowledged)
      throw new Error(`${SUBJECTS[name]}: ${found} ${what}, ${acknowledged} acknowledged`);
    return `${found} ${what} = ${acknowledged} acknowledged`;
  };
  switch (name) {
    case 'web':
      return expectEqual('events stored', await count(client, 'SELECT count(*) FROM eventstore.events'));
    case 'all': {
      const stored = expectEqual(
        'events stored',
        await count(client, 'SELECT count(*) FROM eventstore.events'),
      );
      const drained = await drainProjections(client, drainDeadline);
      const failures = await count(client, 'SELECT count(*) FROM ledger.projection_failures');
      if (failures > 0) throw new Error(`${SUBJECTS[name]}: ${failures} projection failures`);
      const paid = expectEqual(
        "payments 'paid'",
        await count(client, "SELECT count(*) FROM ledger.payments WHERE payment_status = 'paid'"),
      );
      return `${stored}; projections drained ${round(drained, 1)} s after the load; ${paid}`;
    }
    case 'peer':
      return expectEqual(
        "payment intents 'succeeded'",
        await count(client, "SELECT count(*) FROM stripe.payment_intents WHERE status = 'succeeded'"),
      );
    default: {
      const unhandled: never = name;
      throw new Error(`unhandled subject ${String(unhandled)}`);
    }
  }
};

const startSubject = (
  name: SubjectName,
  database: BenchDatabase,
  flags: BenchOptions['flags'],
  logFile: string,
) => {
  const profileDir = join(tmpdir(), `stripe-ledger-bench-ingest-${process.pid}-profile`);
  const ours = {
    DATABASE_URL: database.url,
    STRIPE_WEBHOOK_SECRET: SECRET,
    LOG_LEVEL: flags.get('log-level') ?? 'info',
  };
  const nodeArgs =
    flags.has('profile') && name !== 'peer' ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  switch (name) {
    case 'web':
      return startServerProcess({ args: ['--role', 'web'], env: ours, nodeArgs, logFile });
    case 'all':
      return startServerProcess({ args: ['--role', 'all'], env: ours, nodeArgs, logFile });
    case 'peer':
      return startServerProcess({
        script: [join(packageRoot, 'dist-bench/bench/peerServer.js')],
        env: { DATABASE_URL: database.url, SCHEMA: 'stripe', STRIPE_WEBHOOK_SECRET: SECRET },
        logFile,
        startTimeoutMs: 60_000,
      });
    default: {
      const unhandled: never = name;
      throw new Error(`unhandled subject ${String(unhandled)}`);
    }
  }
};

/** One subject end to end on a fresh database: warm-up, every level, the store check. */
export const runSubject = async (
  name: SubjectName,
  { durationSeconds, flags }: BenchOptions,
  levels: number[],
): Promise<{ rows: Row[]; check: string; errors: string[] }> => {
  const warmupMs = Number(flags.get('warmup') ?? 2) * 1000;
  const drainDeadline = Number(flags.get('drain-deadline') ?? 300);
  const logFile = join(tmpdir(), `stripe-ledger-bench-ingest-${name}-${process.pid}.log`);
  const database = await createBenchDatabase(`ingest_${name}`);
  let server: ServerProcess | undefined;
  const client = new pg.Client({ connectionString: database.url });
  try {
    await client.connect();
    const postgres = () => postgresProcesses(client, database.name);
    server = await startSubject(name, database, flags, logFile);
    console.log(`${SUBJECTS[name]}: pid ${server.pid}, log ${logFile}, database ${database.name}`);
    let acknowledged = 0;
    const errors: string[] = [];
    const runLevel = async (connections: number, ms: number) => {
      const measured = await measure(SUBJECTS[name], server!, postgres, connections, ms);
      acknowledged += measured.result.ok;
      if (measured.result.errors > 0) {
        errors.push(`${SUBJECTS[name]} at ${connections} connections: ${describeAnswers(measured.result)}`);
      }
      return measured.row;
    };
    if (warmupMs > 0) await runLevel(10, warmupMs);
    const rows: Row[] = [];
    for (const connections of levels) rows.push(await runLevel(connections, durationSeconds * 1000));
    const peak = memoryMiB(server.pid).peak;
    const check = `${await checkStore(name, client, acknowledged, drainDeadline)}; VmHWM ${round(peak, 0)} MiB`;
    return { rows, check, errors };
  } finally {
    await client.end().catch(() => undefined);
    await server?.stop();
    if (!flags.has('keep-db')) await database.drop();
  }
};

const subjectsFromFlag = (flag = 'web,all,peer'): SubjectName[] =>
  flag.split(',').map((name) => {
    if (!(name in SUBJECTS)) throw new Error(`--subjects takes web, all and peer, not "${name}"`);
    return name as SubjectName;
  });

const run = async (options: BenchOptions) => {
  const levels = (options.flags.get('levels') ?? '1,10,50').split(',').map(Number);
  const subjects = subjectsFromFlag(options.flags.get('subjects'));
  console.log(
    `ingest: ${options.durationSeconds} s per level after a warm-up; subjects one after another, each on a fresh database`,
  );
  const rows: Row[] = [];
  const errors: string[] = [];
  for (const name of subjects) {
    const outcome = await runSubject(name, options, levels);
    rows.push(...outcome.rows);
    errors.push(...outcome.errors);
    console.log(`${SUBJECTS[name]}: ${outcome.check}`);
  }
  printTable(rows);
  for (const error of errors) console.log(`ERROR ANSWERS: ${error}`);
  for (const name of subjects.filter((subject) => subject !== 'peer')) {
    const atTarget = rows.find(
      (row) => row.subject === SUBJECTS[name] && row.connections === TARGET.connections,
    );
    if (!atTarget) continue;
    const met =
      atTarget.errors === 0 &&
      atTarget['events/s'] >= TARGET.eventsPerSecond &&
      atTarget['p99 ms'] <= TARGET.p99Ms;
    console.log(
      `target for ${SUBJECTS[name]} at ${TARGET.connections} connections (zero errors, >= ${TARGET.eventsPerSecond} events/s, p99 <= ${TARGET.p99Ms} ms): ${met ? 'met' : 'NOT met'}`,
    );
  }
  if (errors.length > 0) throw new Error(`${errors.length} level(s) had error answers: the verdict fails`);
};

export const ingestBenchmark: Benchmark = {
  name: 'ingest',
  description: 'webhook ingest at 1, 10 and 50 connections: ours (web, all-in-one) beside stripe-sync-engine',
  run,
};

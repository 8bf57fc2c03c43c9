/**
 * Soak: one server as `npm start` runs it (`stripe-ledger serve`, every role, on PostgreSQL) under mixed
 * traffic for a long time (default 30 minutes): signed webhooks of interleaved payment lives at a steady
 * rate, finance queries of several kinds, a CSV export every half minute, and one rebuild of the payments
 * projection (its own process, as an operator runs it) half-way through the measured part. The log holds
 * a realistic history first (seeded lifecycles), projected before the clock starts.
 *
 * Every minute: the server's RSS and the p99 of webhooks and of queries. Verdict (after the warm-up):
 * no error of any kind (a non-2xx, a timeout, a request not made because too many were under way, a
 * failed export or rebuild, a lost event); RSS flat within 10 % (its trend over the minutes rises by at
 * most 10 %); p99 not drifting (the last third of the run no worse than 1.5 x the first third, plus
 * 10 ms of noise); at the end every acknowledged event is stored and projected.
 *
 * Flags: --duration=30m (this benchmark's default)  --warmup=<s> (default a third of the run, at most
 *        5 minutes)  --seed-events=50000  --webhook-rate=40  --query-rate=15  --export-every=30 (s)
 *        --log-level=warn  --keep-db  --samples=<file> (every sample as JSON, to look at afterwards)
 */
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { migrate } from '../src/db/migrate.js';
import { pgDb } from '../src/db/pg.js';
import type { Benchmark, BenchOptions } from './benchmark.js';
import { createBenchDatabase } from './benchDatabase.js';
import { drainProjections } from './drainProjections.js';
import { financeQueries } from './financeQueries.js';
import { percentile } from './keepAliveLoad.js';
import { lifecycleDeliveries, paced } from './lifecycleDeliveries.js';
import { printTable } from './printTable.js';
import { memoryMiB } from './procStats.js';
import { runRebuild } from './rebuild.js';
import { seedLifecycles } from './seedLifecycles.js';
import { startServerProcess, type ServerProcess } from './serverProcess.js';
import { soakVerdict, type Sample } from './soakVerdict.js';
import { timedRequest } from './timedRequest.js';

const SECRET = 'whsec_bench_soak_a8f3c2d1e0b9';
const TOKEN = 'bench-soak-token-0123456789';
const DEFAULT_SECONDS = 30 * 60;

const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;

/** What the run saw, by the second since the measured run started. */
const recorder = (started: number) => {
  const at = () => (performance.now() - started) / 1000;
  const samples = {
    webhooks: [] as Sample[],
    queries: [] as Sample[],
    rss: [] as Sample[],
    heap: [] as Sample[],
  };
  const errors: string[] = [];
  let errorCount = 0;
  return {
    at,
    samples,
    errors,
    errorCount: () => errorCount,
    error: (what: string) => {
      errorCount += 1;
      if (errors.length < 20) errors.push(`${round(at(), 0)} s: ${what}`);
    },
  };
};

type Recorder = ReturnType<typeof recorder>;

/** Fresh payment ids for details and cursors for later pages, from the ledger as it is now. */
const refreshQueries = async (
  client: pg.Client,
  server: ServerProcess,
  queries: ReturnType<typeof financeQueries>,
) => {
  const { rows } = await client.query<{ payment_id: string }>(
    'SELECT payment_id FROM ledger.payments TABLESAMPLE SYSTEM (5) LIMIT 300',
  );
  const cursors: string[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 10; page += 1) {
    const path: string = `/api/payments?limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const response = await fetch(`${server.url}${path}`, {
      headers: { authorization: `Bearer ${TOKEN}` },
      signal: AbortSignal.timeout(15_000),
    });
    if (!response.ok) break;
    cursor = ((await response.json()) as { next_cursor: string | null }).next_cursor;
    if (cursor === null) break;
    cursors.push(`/api/payments?limit=50&cursor=${encodeURIComponent(cursor)}`);
  }
  queries.update({ paymentIds: rows.map((row) => row.payment_id), cursors });
};

const traffic = async (options: {
  server: ServerProcess;
  client: pg.Client;
  databaseUrl: string;
  record: Recorder;
  seconds: number;
  rebuildAtSeconds: number;
  flags: ReadonlyMap<string, string>;
}) => {
  const { server, record, flags } = options;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const deliveries = lifecycleDeliveries(SECRET);
  const queries = financeQueries();
  await refreshQueries(options.client, server, queries);
  const durationMs = options.seconds * 1000;
  let over = false;
  let acknowledged = 0;
  const exports: { seconds: number; bytes: number }[] = [];
  let rebuild = { seconds: Number.NaN, code: null as number | null };

  const webhook = async () => {
    const delivery = deliveries.next();
    const answer = await timedRequest(agent, `${server.url}/api/webhooks/stripe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': delivery.signature },
      body: delivery.body,
    });
    if (answer.status === 200) {
      acknowledged += 1;
      record.samples.webhooks.push({ at: record.at(), value: answer.ms });
    } else record.error(`webhook ${delivery.type} answered ${answer.status || 'nothing'}`);
  };
  const query = async () => {
    const { kind, path } = queries.next();
    const answer = await timedRequest(agent, `${server.url}${path}`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    if (answer.status === 200) record.samples.queries.push({ at: record.at(), value: answer.ms });
    else record.error(`${kind} query ${path} answered ${answer.status || 'nothing'}`);
  };
  const exportLoop = async () => {
    const everyMs = Number(flags.get('export-every') ?? 30) * 1000;
    for (let next = 0; !over; next += 1) {
      const path = next % 2 === 0 ? '/api/payments?format=csv' : '/api/refunds?format=csv';
      const answer = await timedRequest(agent, `${server.url}${path}`, {
        headers: { authorization: `Bearer ${TOKEN}` },
        timeoutMs: 120_000,
      });
      if (answer.status === 200) exports.push({ seconds: answer.ms / 1000, bytes: answer.bytes });
      else record.error(`export ${path} answered ${answer.status || 'nothing'}`);
      while (!over && record.at() * 1000 < (next + 1) * everyMs) await sleep(200);
    }
  };
  const sampler = setInterval(
    () => record.samples.rss.push({ at: record.at(), value: memoryMiB(server.pid).rss }),
    1000,
  );
  // The V8 heap in use, from the server's own metrics: a leak grows it, where RSS also moves with what
  // the allocator keeps after a burst (an export, the rebuild's traffic).
  const heapSampler = setInterval(
    () =>
      void heapUsedMiB(server)
        .then((value) => value !== null && record.samples.heap.push({ at: record.at(), value }))
        .catch(() => undefined),
    10_000,
  );
  const refresher = setInterval(
    () => void refreshQueries(options.client, server, queries).catch(() => undefined),
    60_000,
  );
  let rebuilding: Promise<void> | undefined;
  const rebuildTimer = setTimeout(() => {
    rebuilding = runRebuild(options.databaseUrl, 900, ['payments']).then((result) => {
      rebuild = { seconds: result.seconds, code: result.code };
      if (result.code !== 0) record.error(`the rebuild exited ${result.code}: ${result.output.slice(-300)}`);
    });
  }, options.rebuildAtSeconds * 1000);
  const minutes = setInterval(() => printMinute(record, Math.round(record.at() / 60) - 1), 60_000);
  try {
    const [sent, asked] = await Promise.all([
      paced({ rate: Number(flags.get('webhook-rate') ?? 40), durationMs, maxInFlight: 200, task: webhook }),
      paced({ rate: Number(flags.get('query-rate') ?? 15), durationMs, maxInFlight: 100, task: query }),
      exportLoop(),
      sleep(durationMs).then(() => (over = true)),
    ]);
    for (const [what, run] of [
      ['webhooks', sent],
      ['queries', asked],
    ] as const) {
      if (run.skipped > 0) record.error(`${run.skipped} ${what} not sent: 200 or more were under way`);
    }
  } finally {
    clearInterval(sampler);
    clearInterval(heapSampler);
    clearInterval(refresher);
    clearInterval(minutes);
    agent.destroy();
  }
  // A rebuild still running when the traffic ends is waited for: its result belongs to the run.
  clearTimeout(rebuildTimer);
  if (rebuilding) await rebuilding;
  else record.error('the run ended before its rebuild started');
  return { acknowledged, exports, rebuild, payments: deliveries.paymentsStarted() };
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** nodejs_heap_size_used_bytes from the server's /metrics, in MiB. */
const heapUsedMiB = async (server: ServerProcess): Promise<number | null> => {
  const response = await fetch(`${server.url}/metrics`, { signal: AbortSignal.timeout(5000) });
  const line = (await response.text()).split('\n').find((l) => l.startsWith('nodejs_heap_size_used_bytes '));
  return line === undefined ? null : Number(line.split(' ')[1]) / 2 ** 20;
};

const inMinute = (samples: Sample[], minute: number) =>
  samples.filter((sample) => sample.at >= minute * 60 && sample.at < (minute + 1) * 60).map((s) => s.value);

const minuteRow = (record: Recorder, minute: number) => {
  const rss = inMinute(record.samples.rss, minute);
  const heap = inMinute(record.samples.heap, minute);
  const webhooks = inMinute(record.samples.webhooks, minute);
  const queries = inMinute(record.samples.queries, minute);
  return {
    minute: minute + 1,
    'RSS MiB': round(rss.reduce((sum, value) => sum + value, 0) / Math.max(1, rss.length), 0),
    'heap used MiB': round(heap.reduce((sum, value) => sum + value, 0) / Math.max(1, heap.length), 0),
    webhooks: webhooks.length,
    'webhook p99 ms': round(percentile(webhooks, 99), 1),
    queries: queries.length,
    'query p99 ms': round(percentile(queries, 99), 1),
  };
};

const printMinute = (record: Recorder, minute: number) => {
  const row = minuteRow(record, minute);
  console.log(
    `minute ${row.minute}: RSS ${row['RSS MiB']} MiB (heap used ${row['heap used MiB']}), ${row.webhooks} webhooks p99 ${row['webhook p99 ms']} ms, ` +
      `${row.queries} queries p99 ${row['query p99 ms']} ms, errors so far ${record.errorCount()}, load ${loadavg()[0]!.toFixed(2)}`,
  );
};

const run = async ({ durationSeconds, flags }: BenchOptions) => {
  const seconds = flags.has('duration') ? durationSeconds : DEFAULT_SECONDS;
  const warmup = Number(flags.get('warmup') ?? Math.min(300, seconds / 3));
  if (!(warmup >= 0 && warmup < seconds - 60))
    throw new Error('--warmup must leave at least a minute to measure');
  const seedEvents = Number(flags.get('seed-events') ?? 50_000);
  const database = await createBenchDatabase('soak');
  const logFile = join(tmpdir(), `stripe-ledger-bench-soak-${process.pid}.log`);
  const client = new pg.Client({ connectionString: database.url });
  let server: ServerProcess | undefined;
  try {
    const db = pgDb({ connectionString: database.url, max: 4 });
    let seeded;
    try {
      await migrate(db);
      seeded = await seedLifecycles(db, seedEvents);
    } finally {
      await db.close();
    }
    server = await startServerProcess({
      env: {
        DATABASE_URL: database.url,
        STRIPE_WEBHOOK_SECRET: SECRET,
        LEDGER_API_TOKENS: TOKEN,
        LOG_LEVEL: flags.get('log-level') ?? 'warn',
      },
      logFile,
      startTimeoutMs: 60_000,
    });
    await client.connect();
    const caughtUp = await drainProjections(client, 900);
    console.log(
      `seeded ${seeded.events} events (${seeded.payments} payments), projected in ${round(caughtUp, 0)} s; ` +
        `${round(seconds / 60, 1)} minutes of traffic, the first ${round(warmup / 60, 1)} warm-up; ` +
        `load ${loadavg()
          .map((value) => value.toFixed(2))
          .join(' ')}; server log ${logFile}`,
    );
    const record = recorder(performance.now());
    const rebuildAtSeconds = warmup + (seconds - warmup) / 2;
    const outcome = await traffic({
      server,
      client,
      databaseUrl: database.url,
      record,
      seconds,
      rebuildAtSeconds,
      flags,
    });
    const drained = await drainProjections(client, 300);
    const stored = Number(
      (await client.query<{ count: string }>('SELECT count(*) AS count FROM eventstore.events')).rows[0]!
        .count,
    );
    if (stored !== seeded.events + outcome.acknowledged)
      record.error(`${stored} events stored, ${seeded.events} seeded + ${outcome.acknowledged} acknowledged`);

    printTable(Array.from({ length: Math.ceil(seconds / 60) }, (_, minute) => minuteRow(record, minute)));
    const exportSeconds = outcome.exports.map((e) => e.seconds);
    console.log(
      `webhooks acknowledged ${outcome.acknowledged} (${outcome.payments} payment lives); exports ` +
        `${outcome.exports.length}, median ${round(percentile(exportSeconds, 50), 2)} s, slowest ` +
        `${round(Math.max(0, ...exportSeconds), 2)} s; rebuild of payments at ${round(rebuildAtSeconds, 0)} s ` +
        `took ${round(outcome.rebuild.seconds, 1)} s (exit ${outcome.rebuild.code}); projections drained ` +
        `${round(drained, 1)} s after the traffic; load ${loadavg()
          .map((value) => value.toFixed(2))
          .join(' ')}`,
    );
    const samplesFile = flags.get('samples');
    if (samplesFile) writeFileSync(samplesFile, JSON.stringify(record.samples));
    const verdict = soakVerdict(record.samples, warmup, record.errorCount());
    for (const line of [...verdict.lines, ...record.errors.map((error) => `error: ${error}`)])
      console.log(line);
    if (!verdict.passed) throw new Error('the soak verdict fails (see above)');
    console.log('verdict: pass');
  } finally {
    await server?.stop();
    await client.end().catch(() => undefined);
    if (!flags.has('keep-db')) await database.drop();
  }
};

export const soakBenchmark: Benchmark = {
  name: 'soak',
  description:
    'mixed traffic on one server for 30 minutes (webhooks, queries, exports, a rebuild): RSS flat, p99 stable, no error',
  run,
};

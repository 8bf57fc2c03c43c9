/**
 * Query API benchmark: GET /api/payments?limit=100 over 200,000 payments from 20 keep-alive connections
 * (target >= 1,500 requests/s, p99 <= 50 ms), then a CSV export of all of them (target <= 5 s with the
 * server's RSS flat). The server runs as its own process (`stripe-ledger serve --role web`). Payments are
 * inserted straight into ledger.payments with generate_series: this measures queries, not ingest.
 *
 * Flags: --payments=200000  --connections=20  --warmup=2 (seconds)  --keep-db  --profile
 */
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { Benchmark, BenchOptions } from './benchmark.js';
import { createBenchDatabase } from './benchDatabase.js';
import { keepAliveLoad, percentile } from './keepAliveLoad.js';
import { printTable } from './printTable.js';
import { cpuSeconds, cpuSecondsBetween, cpuSecondsOf, machineCpu, memoryMiB } from './procStats.js';
import { startServerProcess, type ServerProcess } from './serverProcess.js';

const TOKEN = 'bench-query-token';
const TARGET = { requestsPerSecond: 1500, p99Ms: 50, csvSeconds: 5 };

const SEED = `
INSERT INTO ledger.payments (payment_id, livemode, account_id, order_id, customer_id, currency, amount,
  amount_received, amount_refunded, status, payment_status, dispute_status, latest_charge_id, failure_code,
  failure_message, created_at, updated_at, last_stripe_event_id)
SELECT 'pi_bench_' || lpad(g::text, 7, '0'), g % 10 = 0, NULL, 'order_bench_' || (g / 2),
       'cus_bench_' || (g % 5000), (ARRAY['usd', 'eur', 'gbp'])[1 + g % 3], 1000 + g % 90000,
       CASE WHEN g % 7 = 0 THEN 0 ELSE 1000 + g % 90000 END, CASE WHEN g % 13 = 0 THEN 500 ELSE 0 END,
       CASE WHEN g % 7 = 0 THEN 'requires_payment_method' ELSE 'succeeded' END,
       CASE WHEN g % 7 = 0 THEN 'failed' WHEN g % 13 = 0 THEN 'partially_refunded' ELSE 'paid' END,
       NULL, 'ch_bench_' || g, CASE WHEN g % 7 = 0 THEN 'card_declined' END,
       CASE WHEN g % 7 = 0 THEN 'Your card was declined, "insufficient funds".' END,
       timestamptz '2024-01-01' + g * interval '97 seconds',
       timestamptz '2024-01-01' + g * interval '97 seconds' + interval '1 minute', 'evt_bench_' || g
  FROM generate_series(1, $1::int) g`;

const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;

/** The database's sessions (the server's pool) plus PostgreSQL's shared helper processes. */
const postgresProcesses = async (client: pg.Client, database: string): Promise<number[]> =>
  (
    await client.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE (datname = $1 OR backend_type <> 'client backend') AND pid <> pg_backend_pid()`,
      [database],
    )
  ).rows.map((row) => row.pid);

const pages = async (
  server: ServerProcess,
  postgres: () => Promise<number[]>,
  connections: number,
  durationMs: number,
) => {
  const cpuBefore = cpuSeconds(server.pid);
  const postgresBefore = cpuSecondsOf(await postgres());
  const generatorBefore = process.cpuUsage();
  const machineBefore = machineCpu();
  const result = await keepAliveLoad({
    host: server.host,
    port: server.port,
    connections,
    durationMs,
    nextRequest: () => ({
      method: 'GET',
      path: '/api/payments?limit=100',
      headers: { Authorization: `Bearer ${TOKEN}` },
      body: Buffer.alloc(0),
    }),
  });
  const machine = machineCpu();
  const generator = process.cpuUsage(generatorBefore);
  const postgresSeconds = cpuSecondsBetween(postgresBefore, cpuSecondsOf(await postgres()));
  const ok = result.statuses.get(200) ?? 0;
  const perRequest = (seconds: number) => (ok === 0 ? Number.NaN : Math.round((seconds / ok) * 1e6));
  return {
    connections,
    'requests/s': Math.round(ok / (result.elapsedMs / 1000)),
    'p50 ms': round(percentile(result.latenciesMs, 50), 2),
    'p99 ms': round(percentile(result.latenciesMs, 99), 2),
    'non-200': result.latenciesMs.length - ok + result.socketErrors,
    'server CPU µs/req': perRequest(cpuSeconds(server.pid) - cpuBefore),
    'postgres CPU µs/req': perRequest(postgresSeconds),
    'loadgen CPU µs/req': perRequest((generator.user + generator.system) / 1e6),
    'machine busy %': Math.round(
      (100 * (machine.busy - machineBefore.busy)) / (machine.total - machineBefore.total),
    ),
  };
};

/** Reads the whole export, counting its lines, while sampling the server's RSS. */
const csvExport = (server: ServerProcess) =>
  new Promise<{ seconds: number; rows: number; rssBefore: number; rssPeak: number }>((resolve, reject) => {
    const started = performance.now();
    const rssBefore = memoryMiB(server.pid).rss;
    let rssPeak = rssBefore;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, memoryMiB(server.pid).rss)), 20);
    let newlines = 0;
    const headers = { authorization: `Bearer ${TOKEN}` };
    http
      .get(`${server.url}/api/payments?format=csv`, { headers }, (response) => {
        response.on('data', (chunk: Buffer) => {
          for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) newlines += 1;
        });
        response.on('end', () => {
          clearInterval(sampler);
          resolve({ seconds: (performance.now() - started) / 1000, rows: newlines - 1, rssBefore, rssPeak });
        });
      })
      .on('error', (error) => {
        clearInterval(sampler);
        reject(error);
      });
  });

const run = async ({ durationSeconds, flags }: BenchOptions) => {
  const payments = Number(flags.get('payments') ?? 200_000);
  const connections = Number(flags.get('connections') ?? 20);
  const warmupMs = Number(flags.get('warmup') ?? 2) * 1000;
  const logFile = join(tmpdir(), `stripe-ledger-bench-query-${process.pid}.log`);
  const profileDir = join(tmpdir(), `stripe-ledger-bench-query-${process.pid}-profile`);
  const database = await createBenchDatabase('query');
  let server: ServerProcess | undefined;
  const client = new pg.Client({ connectionString: database.url });
  try {
    server = await startServerProcess({
      args: ['--role', 'web'],
      env: {
        DATABASE_URL: database.url,
        STRIPE_WEBHOOK_SECRET: 'whsec_bench_query',
        LEDGER_API_TOKENS: TOKEN,
        LOG_LEVEL: flags.get('log-level') ?? 'info',
      },
      nodeArgs: flags.has('profile') ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
      logFile,
    });
    await client.connect();
    const postgres = () => postgresProcesses(client, database.name);
    const seeding = performance.now();
    await client.query(SEED, [payments]);
    await client.query('VACUUM ANALYZE ledger.payments');
    console.log(
      `query: ${payments} payments seeded in ${round((performance.now() - seeding) / 1000)} s; server pid ` +
        `${server.pid} (log ${logFile}); ${durationSeconds} s of load after a ${warmupMs / 1000} s warm-up`,
    );
    if (warmupMs > 0) await pages(server, postgres, connections, warmupMs);
    const page = await pages(server, postgres, connections, durationSeconds * 1000);
    printTable([page]);
    const csv = await csvExport(server);
    console.log(
      `CSV export: ${csv.rows} rows in ${round(csv.seconds, 2)} s; server RSS ${round(csv.rssBefore, 0)} MiB ` +
        `before, ${round(csv.rssPeak, 0)} MiB peak during the export`,
    );
    if (csv.rows !== payments) throw new Error(`the export had ${csv.rows} rows, not ${payments}`);
    const met = (ok: boolean) => (ok ? 'met' : 'NOT met');
    console.log(
      `target pages (>= ${TARGET.requestsPerSecond} req/s, p99 <= ${TARGET.p99Ms} ms): ` +
        `${met(page['requests/s'] >= TARGET.requestsPerSecond && page['p99 ms'] <= TARGET.p99Ms)}; ` +
        `target CSV (<= ${TARGET.csvSeconds} s): ${met(csv.seconds <= TARGET.csvSeconds)}`,
    );
  } finally {
    await client.end().catch(() => undefined);
    await server?.stop();
    if (!flags.has('keep-db')) await database.drop();
    if (flags.has('profile')) console.log(`server CPU profile in ${profileDir}`);
  }
};

export const queryApiBenchmark: Benchmark = {
  name: 'query',
  description: 'GET /api/payments?limit=100 over 200,000 payments at 20 connections; CSV export of all',
  run,
};

/**
 * Query API benchmark over 200,000 payments from 20 keep-alive connections (target >= 1,500 requests/s,
 * p99 <= 50 ms) with a mix of what finance does: first pages with varied filters (payment status,
 * currency, customer, a week of created_at) and page sizes, later pages followed by cursor at varied
 * depths, and payment details by id; then a CSV export of all of them (target <= 5 s with the server's
 * RSS flat). Only 2xx answers are timed; any other answer fails the verdict and is printed. The server
 * runs as its own process (`stripe-ledger serve --role web`). Payments are inserted straight into
 * ledger.payments with generate_series: this measures queries, not ingest.
 *
 * Flags: --payments=200000  --connections=20  --warmup=2 (seconds)  --keep-db  --profile
 */
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { Benchmark, BenchOptions } from './benchmark.js';
import { createBenchDatabase } from './benchDatabase.js';
import { describeAnswers, keepAliveLoad, type LoadRequest, percentile } from './keepAliveLoad.js';
import { printTable } from './printTable.js';
import { cpuSeconds, cpuSecondsBetween, cpuSecondsOf, machineCpu, memoryMiB } from './procStats.js';
import { startServerProcess, type ServerProcess } from './serverProcess.js';

const TOKEN = 'bench-query-token';
const TARGET = { requestsPerSecond: 1500, p99Ms: 50, csvSeconds: 5 };

/** $1 payments straight into ledger.payments (queries and exports are measured, not ingest). */
export const SEED_PAYMENTS_SQL = `
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

/** A small deterministic generator, so every run offers the same mix. */
const random = (seed: number) => {
  let state = seed >>> 0 || 1;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
};

const FILTERS = [
  '',
  'payment_status=paid',
  'payment_status=failed',
  'payment_status=partially_refunded',
  'currency=usd',
  'currency=gbp&payment_status=paid',
  'livemode=true',
];

/** Cursors of later pages, found by walking a few filtered lists: the "next page" requests of the mix. */
const collectCursors = async (server: ServerProcess): Promise<string[]> => {
  const cursors: string[] = [];
  for (const filter of FILTERS.slice(0, 4)) {
    let cursor: string | null = null;
    for (let page = 0; page < 40; page += 1) {
      const query = `${filter}&limit=50${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`;
      const response = await fetch(`${server.url}/api/payments?${query}`, {
        headers: { authorization: `Bearer ${TOKEN}` },
        signal: AbortSignal.timeout(30_000),
      });
      if (!response.ok) throw new Error(`walking /api/payments?${query} answered ${response.status}`);
      cursor = ((await response.json()) as { next_cursor: string | null }).next_cursor;
      if (cursor === null) break;
      cursors.push(`${filter}&limit=50&cursor=${encodeURIComponent(cursor)}`);
    }
  }
  return cursors;
};

/** The request mix: 40 % first pages with filters, 25 % later pages, 35 % details. */
const requestMix = (payments: number, cursors: string[]) => {
  const next = random(7);
  const pick = <T>(items: readonly T[]) => items[Math.floor(next() * items.length)]!;
  const get = (path: string): LoadRequest => ({
    method: 'GET',
    path,
    headers: { Authorization: `Bearer ${TOKEN}` },
    body: Buffer.alloc(0),
  });
  const paymentId = () => `pi_bench_${String(1 + Math.floor(next() * payments)).padStart(7, '0')}`;
  return (): LoadRequest => {
    const roll = next();
    if (roll < 0.4) {
      const limit = pick([20, 50, 100]);
      const extra = pick([
        pick(FILTERS),
        `customer_id=cus_bench_${Math.floor(next() * 5000)}`,
        (() => {
          const day = 1 + Math.floor(next() * 200);
          const from = new Date(Date.UTC(2024, 0, day)).toISOString().slice(0, 10);
          const to = new Date(Date.UTC(2024, 0, day + 6)).toISOString().slice(0, 10);
          return `created_from=${from}&created_to=${to}`;
        })(),
      ]);
      return get(`/api/payments?limit=${limit}${extra === '' ? '' : `&${extra}`}`);
    }
    if (roll < 0.65 && cursors.length > 0) return get(`/api/payments?${pick(cursors)}`);
    return get(`/api/payments/${paymentId()}`);
  };
};

const pages = async (
  server: ServerProcess,
  postgres: () => Promise<number[]>,
  connections: number,
  durationMs: number,
  nextRequest: () => LoadRequest,
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
    nextRequest,
  });
  const machine = machineCpu();
  const generator = process.cpuUsage(generatorBefore);
  const postgresSeconds = cpuSecondsBetween(postgresBefore, cpuSecondsOf(await postgres()));
  const ok = result.ok;
  const perRequest = (seconds: number) => (ok === 0 ? Number.NaN : Math.round((seconds / ok) * 1e6));
  return {
    connections,
    'requests/s': Math.round(ok / (result.elapsedMs / 1000)),
    'p50 ms': round(percentile(result.latenciesMs, 50), 2),
    'p99 ms': round(percentile(result.latenciesMs, 99), 2),
    errors: result.errors,
    'server CPU µs/req': perRequest(cpuSeconds(server.pid) - cpuBefore),
    'postgres CPU µs/req': perRequest(postgresSeconds),
    'loadgen CPU µs/req': perRequest((generator.user + generator.system) / 1e6),
    'machine busy %': Math.round(
      (100 * (machine.busy - machineBefore.busy)) / (machine.total - machineBefore.total),
    ),
    answers: describeAnswers(result),
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
    // A stuck export must not hang the benchmark: two minutes without a byte fail it.
    const request = http
      .get(`${server.url}/api/payments?format=csv`, { headers, timeout: 120_000 }, (response) => {
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
    request.on('timeout', () => request.destroy(new Error('the CSV export stalled for 120 s')));
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
        STRIPE_WEBHOOK_SECRET: 'whsec_bench_query_3e9a1f7c',
        LEDGER_API_TOKENS: TOKEN,
        LOG_LEVEL: flags.get('log-level') ?? 'info',
      },
      nodeArgs: flags.has('profile') ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
      logFile,
    });
    await client.connect();
    const postgres = () => postgresProcesses(client, database.name);
    const seeding = performance.now();
    await client.query(SEED_PAYMENTS_SQL, [payments]);
    await client.query('VACUUM ANALYZE ledger.payments');
    console.log(
      `query: ${payments} payments seeded in ${round((performance.now() - seeding) / 1000)} s; server pid ` +
        `${server.pid} (log ${logFile}); ${durationSeconds} s of load after a ${warmupMs / 1000} s warm-up`,
    );
    const cursors = await collectCursors(server);
    const mix = requestMix(payments, cursors);
    if (warmupMs > 0) await pages(server, postgres, connections, warmupMs, mix);
    const page = await pages(server, postgres, connections, durationSeconds * 1000, mix);
    const { answers, ...figures } = page;
    printTable([figures]);
    console.log(`answers: ${answers}; later pages drawn from ${cursors.length} cursors`);
    const csv = await csvExport(server);
    console.log(
      `CSV export: ${csv.rows} rows in ${round(csv.seconds, 2)} s; server RSS ${round(csv.rssBefore, 0)} MiB ` +
        `before, ${round(csv.rssPeak, 0)} MiB peak during the export`,
    );
    if (csv.rows !== payments) throw new Error(`the export had ${csv.rows} rows, not ${payments}`);
    const met = (ok: boolean) => (ok ? 'met' : 'NOT met');
    const pagesMet =
      page.errors === 0 && page['requests/s'] >= TARGET.requestsPerSecond && page['p99 ms'] <= TARGET.p99Ms;
    console.log(
      `target mixed queries (zero errors, >= ${TARGET.requestsPerSecond} req/s, p99 <= ${TARGET.p99Ms} ms): ` +
        `${met(pagesMet)}; target CSV (<= ${TARGET.csvSeconds} s): ${met(csv.seconds <= TARGET.csvSeconds)}`,
    );
    if (page.errors > 0) throw new Error(`${page.errors} requests were not answered 2xx: the verdict fails`);
  } finally {
    await client.end().catch(() => undefined);
    await server?.stop();
    if (!flags.has('keep-db')) await database.drop();
    if (flags.has('profile')) console.log(`server CPU profile in ${profileDir}`);
  }
};

export const queryApiBenchmark: Benchmark = {
  name: 'query',
  description:
    'mixed filtered lists, later pages and details over 200,000 payments at 20 connections; CSV export',
  run,
};

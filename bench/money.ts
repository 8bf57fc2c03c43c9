/**
 * Money: about N balance transactions over a year (card payments, refunds, failed refunds, disputes lost
 * and won, Stripe fees, daily automatic payouts, some failing) held by the Stripe stand-in in a child
 * process (moneyStandIn.ts), imported the way a user gets them: the sync's money pass (`syncMoney`, what
 * `stripe-ledger sync` runs after events and history) through the real `stripe` client, listing
 * `GET /v1/balance_transactions` with sources expanded and `?payout=` for every paid payout. The client
 * runs at --rps requests per second (default 1,000): Stripe allows 100 reads/s in live mode, so at
 * Stripe's own limit the requests alone would take (requests / 100) s, printed beside. Then the money
 * projections fold the log (in this process), a second pass runs with the projector alive (nothing new
 * to append; the balance check against the stand-in's balance), and the settlement report over the year
 * is timed through the HTTP API, JSON and CSV, `--runs` times each.
 * Targets: 1,000,000 transactions imported and projected; the settlement report in <= 200 ms (slowest).
 * Flags: --transactions=1000000 --rps=1000 --runs=50
 */
import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import express from 'express';
import pino from 'pino';
import { projectionWatch } from '../src/health/projectionWatch.js';
import { queryApiRouter } from '../src/api/queryRouter.js';
import { migrate } from '../src/db/migrate.js';
import { pgDb } from '../src/db/pg.js';
import type { Db } from '../src/db/port.js';
import { postgresEventStore } from '../src/eventstore/postgres/postgresEventStore.js';
import { startProjector, type Projector } from '../src/projector/projector.js';
import { stripeApi } from '../src/stripe/stripeApi.js';
import { syncMoney } from '../src/sync/moneySync.js';
import { balanceTransactionsProjection } from '../projections/balance_transactions/projection.js';
import { journalProjection } from '../projections/journal/projection.js';
import { payoutsProjection } from '../projections/payouts/projection.js';
import type { Benchmark } from './benchmark.js';
import { createBenchDatabase } from './benchDatabase.js';
import type { MoneyStandInReady } from './moneyStandIn.js';
import { printTable } from './printTable.js';

const MONEY = [balanceTransactionsProjection, payoutsProjection, journalProjection];
const TOKEN = 'bench-money-token-0123456789';
const READY_DEADLINE_MS = 10 * 60_000;
const PROJECT_DEADLINE_MS = 60 * 60_000;

const startStandIn = async (transactions: number) => {
  const child = spawn(
    process.execPath,
    [join(import.meta.dirname, 'moneyStandIn.js'), String(transactions)],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const lines = createInterface({ input: child.stdout });
  const ready = await new Promise<MoneyStandInReady>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error('the Stripe stand-in was not ready in 10 minutes')),
      READY_DEADLINE_MS,
    );
    lines.once('line', (line) => {
      clearTimeout(timer);
      resolve(JSON.parse(line) as MoneyStandInReady);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the Stripe stand-in exited (${code}) before it was ready`));
    });
  });
  return {
    ready,
    stop: async () => {
      child.stdin.end();
      await exited;
    },
  };
};

const clientOf = (ready: MoneyStandInReady, rps: number) => {
  const url = new URL(ready.base);
  const statuses = new Map<string, number>();
  const stripe = stripeApi({
    apiKey: ready.key,
    base: { protocol: 'http', host: url.hostname, port: Number(url.port) },
    requestsPerSecond: rps,
    onAnswer: (status) => statuses.set(String(status), (statuses.get(String(status)) ?? 0) + 1),
  });
  return { stripe, statuses };
};

const projectAll = async (db: Db, head: number): Promise<Projector> => {
  const projector = await startProjector({
    db,
    store: postgresEventStore(db),
    projections: MONEY,
    logger: pino({ level: 'silent' }),
    pollMs: 200,
  });
  const until = Date.now() + PROJECT_DEADLINE_MS;
  for (;;) {
    const { rows } = await db.query<{ position: number; state: string; last_error: string | null }>(
      `SELECT position, state, last_error FROM ledger.projection_checkpoints WHERE projection = ANY($1::text[])`,
      [MONEY.map((p) => p.name)],
    );
    const failed = rows.find((r) => r.state === 'failed');
    if (failed) throw new Error(`projection failed: ${failed.last_error}`);
    if (rows.length === MONEY.length && rows.every((r) => Number(r.position) >= head)) return projector;
    if (Date.now() > until) throw new Error(`projections not at ${head} after ${PROJECT_DEADLINE_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
};

const check = async (db: Db, ready: MoneyStandInReady) => {
  const problems: string[] = [];
  const one = async (sql: string) => (await db.query<{ n: number }>(sql)).rows[0]!.n;
  const stored = await one('SELECT count(*)::int AS n FROM ledger.balance_transactions');
  if (stored !== ready.transactions)
    problems.push(`${stored} balance transactions stored, Stripe holds ${ready.transactions}`);
  const unbalanced = await one(
    `SELECT count(*)::int AS n FROM (SELECT currency FROM ledger.journal_lines GROUP BY 1 HAVING sum(amount) <> 0) x`,
  );
  if (unbalanced > 0) problems.push(`${unbalanced} currencies whose trial balance is not zero`);
  const reconciled = await one(`SELECT count(*)::int AS n FROM ledger.payouts WHERE reconciled`);
  if (reconciled !== ready.paidPayouts)
    problems.push(`${reconciled} payouts reconciled, ${ready.paidPayouts} paid by Stripe`);
  const settled = await one(
    `SELECT count(*)::int AS n FROM (
       SELECT (created_at AT TIME ZONE 'UTC')::date AS day, currency, reporting_category, count(*) AS c,
              sum(amount) AS g, sum(fee) AS f, sum(net) AS s
         FROM ledger.balance_transactions GROUP BY 1, 2, 3) b
     FULL JOIN ledger.settlement_daily d USING (day, currency, reporting_category)
     WHERE b.c IS DISTINCT FROM d.count OR b.g IS DISTINCT FROM d.gross OR b.f IS DISTINCT FROM d.fee
        OR b.s IS DISTINCT FROM d.net`,
  );
  if (settled > 0) problems.push(`${settled} settlement totals differ from the transactions summed`);
  return problems;
};

const timeReport = async (db: Db, runs: number) => {
  const app = express();
  const store = postgresEventStore(db);
  app.use(queryApiRouter({ db, store, apiTokens: [TOKEN], watch: projectionWatch(db, store) }));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const once = async (query: string) => {
    const started = performance.now();
    const response = await fetch(`${base}/api/reports/settlement?from=2025-01-01&to=2025-12-31${query}`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    const text = await response.text();
    if (response.status !== 200) throw new Error(`settlement report answered ${response.status}: ${text}`);
    return { ms: performance.now() - started, bytes: text.length, rows: text.split('\n').length };
  };
  try {
    await once('');
    await once('&format=csv');
    const json: number[] = [];
    const csv: number[] = [];
    let sizes = { json: 0, csv: 0, csvRows: 0 };
    for (let i = 0; i < runs; i += 1) {
      const j = await once('');
      const c = await once('&format=csv');
      json.push(j.ms);
      csv.push(c.ms);
      sizes = { json: j.bytes, csv: c.bytes, csvRows: c.rows - 2 };
    }
    return { json: json.sort((a, b) => a - b), csv: csv.sort((a, b) => a - b), sizes };
  } finally {
    server.close();
  }
};

const round = (ms: number) => Math.round(ms * 10) / 10;
const seconds = (since: number) => (performance.now() - since) / 1000;
const count = (statuses: Map<string, number>) => [...statuses.values()].reduce((a, b) => a + b, 0);

export const moneyBenchmark: Benchmark = {
  name: 'money',
  description:
    '1,000,000 balance transactions imported through the sync and projected; settlement report over a year (<= 200 ms)',
  run: async ({ flags }) => {
    const target = Number(flags.get('transactions') ?? 1_000_000);
    const rps = Number(flags.get('rps') ?? 1_000);
    const runs = Number(flags.get('runs') ?? 50);
    const standIn = await startStandIn(target);
    const { ready } = standIn;
    console.log(
      `stand-in: ${ready.transactions} balance transactions, ${ready.paidPayouts} paid payouts, generated in ${round(ready.generateSeconds)} s, RSS ${ready.rssMiB} MiB`,
    );
    const database = await createBenchDatabase('money');
    const db = pgDb({ connectionString: database.url, max: 8 });
    let projector: Projector | null = null;
    try {
      await migrate(db);
      const store = postgresEventStore(db);
      const loadBefore = loadavg()[0]!;
      const importing = clientOf(ready, rps);
      const importStarted = performance.now();
      const imported = await syncMoney({ db, store, stripe: importing.stripe, scopes: [{ account: null }] });
      const importSeconds = seconds(importStarted);
      const head = await store.headPosition();
      const projectStarted = performance.now();
      projector = await projectAll(db, head);
      const projectSeconds = seconds(projectStarted);
      const again = clientOf(ready, rps);
      const againStarted = performance.now();
      const second = await syncMoney({ db, store, stripe: again.stripe, scopes: [{ account: null }] });
      const againSeconds = seconds(againStarted);
      const loadAfter = loadavg()[0]!;
      const problems = await check(db, ready);
      if (imported.invalid.length > 0) problems.push(`refused: ${imported.invalid.slice(0, 3).join('; ')}`);
      if (second.balance_transactions_appended > 0 || second.payouts_reconciled > 0)
        problems.push(`the second pass appended ${second.balance_transactions_appended} transactions`);
      if (second.balance_check.kind !== 'checked' || !second.balance_check.matches)
        problems.push(`balance check: ${JSON.stringify(second.balance_check)}`);
      const failedRequests = [...importing.statuses].filter(([s]) => s !== '200');
      if (failedRequests.length > 0) problems.push(`Stripe answered ${JSON.stringify(failedRequests)}`);
      const requests = count(importing.statuses);
      printTable([
        {
          transactions: imported.balance_transactions,
          'events appended': head,
          'Stripe requests': requests,
          'import s': round(importSeconds),
          'import txn/s': Math.round(imported.balance_transactions / importSeconds),
          'at 100 req/s': `${Math.round(requests / 100)} s`,
          'project s': round(projectSeconds),
          'project events/s': Math.round(head / projectSeconds),
          'second pass s': round(againSeconds),
          'load before/after': `${loadBefore.toFixed(1)}/${loadAfter.toFixed(1)}`,
        },
      ]);
      const report = await timeReport(db, runs);
      const pct = (list: number[], p: number) =>
        round(list[Math.min(list.length - 1, Math.floor(list.length * p))]!);
      printTable([
        {
          report: 'settlement JSON',
          'median ms': pct(report.json, 0.5),
          'p95 ms': pct(report.json, 0.95),
          'max ms': round(report.json.at(-1)!),
          bytes: report.sizes.json,
        },
        {
          report: 'settlement CSV',
          'median ms': pct(report.csv, 0.5),
          'p95 ms': pct(report.csv, 0.95),
          'max ms': round(report.csv.at(-1)!),
          bytes: report.sizes.csv,
        },
      ]);
      console.log(`settlement rows: ${report.sizes.csvRows}; load now ${loadavg()[0]!.toFixed(1)}`);
      for (const problem of problems) console.log(`ERROR: ${problem}`);
      const slowest = Math.max(report.json.at(-1)!, report.csv.at(-1)!);
      const met = problems.length === 0 && slowest <= 200 && imported.balance_transactions >= 1_000_000;
      const scale =
        imported.balance_transactions >= 1_000_000
          ? ''
          : ` (measured at ${imported.balance_transactions} transactions, not 1,000,000)`;
      console.log(
        `target: 1,000,000 transactions imported and projected, settlement report over a year <= 200 ms (slowest of ${runs}, JSON and CSV): ${met ? 'met' : 'NOT met'}${scale}`,
      );
      if (problems.length > 0) process.exitCode = 1;
    } finally {
      await projector?.stop();
      await db.close();
      await database.drop();
      await standIn.stop();
    }
  },
};

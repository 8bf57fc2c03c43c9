/**
 * Money: N balance transactions (a year, two currencies, charges recorded pending then available,
 * refunds, disputes, Stripe fees, daily payouts with their reconciliation) appended to the log as the
 * sync records them, then projected by the money projections (balance_transactions, payouts, journal);
 * then the settlement report over the year through the HTTP API. The log is seeded directly through
 * the event store: at Stripe's 100 objects a page and the default 20 requests/s, importing a million
 * transactions from the API would take 500 s of rate limit alone, which measures Stripe, not the ledger.
 * Targets: 1,000,000 transactions imported and projected; the settlement report in <= 200 ms.
 * Flags: --transactions=1000000
 */
import type { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import express from 'express';
import pino from 'pino';
import { projectionWatch } from '../src/health/projectionWatch.js';
import { queryApiRouter } from '../src/api/queryRouter.js';
import { migrate } from '../src/db/migrate.js';
import { pgDb } from '../src/db/pg.js';
import type { Db } from '../src/db/port.js';
import { postgresEventStore } from '../src/eventstore/postgres/postgresEventStore.js';
import { startProjector } from '../src/projector/projector.js';
import { balanceTransactionsProjection } from '../projections/balance_transactions/projection.js';
import { journalProjection } from '../projections/journal/projection.js';
import { payoutsProjection } from '../projections/payouts/projection.js';
import type { Benchmark } from './benchmark.js';
import { createBenchDatabase } from './benchDatabase.js';
import { moneyLog } from './moneyLog.js';
import { printTable } from './printTable.js';

const MONEY = [balanceTransactionsProjection, payoutsProjection, journalProjection];
const TOKEN = 'bench-money-token-0123456789';
const CHUNK = 2_000;

const seed = async (db: Db, transactions: number) => {
  const store = postgresEventStore(db);
  let events = 0;
  let count = 0;
  for (const day of moneyLog({ transactions, currencies: ['usd', 'eur'] })) {
    for (let i = 0; i < day.requests.length; i += CHUNK) {
      const results = await store.appendMany(day.requests.slice(i, i + CHUNK));
      const failed = results.find((r) => r.kind !== 'ok');
      if (failed) throw new Error(`seeding: append answered ${JSON.stringify(failed)}`);
    }
    events += day.requests.length;
    count += day.transactions;
  }
  return { events, transactions: count, head: await store.headPosition() };
};

const projectAll = async (db: Db, head: number) => {
  const store = postgresEventStore(db);
  const projector = await startProjector({
    db,
    store,
    projections: MONEY,
    logger: pino({ level: 'silent' }),
    pollMs: 200,
  });
  try {
    for (;;) {
      const { rows } = await db.query<{ position: number; state: string; last_error: string | null }>(
        `SELECT position, state, last_error FROM ledger.projection_checkpoints WHERE projection = ANY($1::text[])`,
        [MONEY.map((p) => p.name)],
      );
      const failed = rows.find((r) => r.state === 'failed');
      if (failed) throw new Error(`projection failed: ${failed.last_error}`);
      if (rows.length === MONEY.length && rows.every((r) => Number(r.position) >= head)) return;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  } finally {
    await projector.stop();
  }
};

const check = async (db: Db, transactions: number) => {
  const problems: string[] = [];
  const one = async (sql: string) => (await db.query<{ n: number }>(sql)).rows[0]!.n;
  const stored = await one('SELECT count(*)::int AS n FROM ledger.balance_transactions');
  if (stored !== transactions)
    problems.push(`${stored} balance transactions stored, ${transactions} recorded`);
  const unbalanced = await one(
    `SELECT count(*)::int AS n FROM (SELECT currency FROM ledger.journal_lines GROUP BY 1 HAVING sum(amount) <> 0) x`,
  );
  if (unbalanced > 0) problems.push(`${unbalanced} currencies whose trial balance is not zero`);
  const unreconciled = await one(`SELECT count(*)::int AS n FROM ledger.payouts WHERE NOT reconciled`);
  if (unreconciled > 0) problems.push(`${unreconciled} payouts not reconciled`);
  const settled = await one(
    `SELECT count(*)::int AS n FROM (
       SELECT (created_at AT TIME ZONE 'UTC')::date AS day, currency, reporting_category, count(*) AS c, sum(net) AS s
         FROM ledger.balance_transactions GROUP BY 1, 2, 3) b
     FULL JOIN ledger.settlement_daily d USING (day, currency, reporting_category)
     WHERE b.c IS DISTINCT FROM d.count OR b.s IS DISTINCT FROM d.net`,
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
    return { ms: performance.now() - started, bytes: text.length };
  };
  try {
    await once('');
    const json: number[] = [];
    const csv: number[] = [];
    let rows = 0;
    for (let i = 0; i < runs; i += 1) {
      const answer = await once('');
      json.push(answer.ms);
      csv.push((await once('&format=csv')).ms);
      rows = answer.bytes;
    }
    return { json: json.sort((a, b) => a - b), csv: csv.sort((a, b) => a - b), bytes: rows };
  } finally {
    server.close();
  }
};

const round = (ms: number) => Math.round(ms * 10) / 10;

export const moneyBenchmark: Benchmark = {
  name: 'money',
  description:
    '1,000,000 balance transactions imported and projected; settlement report over a year (<= 200 ms)',
  run: async ({ flags }) => {
    const target = Number(flags.get('transactions') ?? 1_000_000);
    const database = await createBenchDatabase('money');
    const db = pgDb({ connectionString: database.url, max: 8 });
    try {
      await migrate(db);
      const loadBefore = loadavg()[0]!;
      const seedStarted = performance.now();
      const seeded = await seed(db, target);
      const seedSeconds = (performance.now() - seedStarted) / 1000;
      const projectStarted = performance.now();
      await projectAll(db, seeded.head);
      const projectSeconds = (performance.now() - projectStarted) / 1000;
      const problems = await check(db, seeded.transactions);
      const report = await timeReport(db, 20);
      printTable([
        {
          transactions: seeded.transactions,
          events: seeded.events,
          'append s': round(seedSeconds),
          'append events/s': Math.round(seeded.events / seedSeconds),
          'project s': round(projectSeconds),
          'project events/s': Math.round(seeded.events / projectSeconds),
          'load before/after': `${loadBefore.toFixed(1)}/${loadavg()[0]!.toFixed(1)}`,
        },
      ]);
      const pct = (list: number[], p: number) =>
        round(list[Math.min(list.length - 1, Math.floor(list.length * p))]!);
      printTable([
        {
          report: 'settlement JSON',
          'median ms': pct(report.json, 0.5),
          'p95 ms': pct(report.json, 0.95),
          'max ms': round(report.json.at(-1)!),
          bytes: report.bytes,
        },
        {
          report: 'settlement CSV',
          'median ms': pct(report.csv, 0.5),
          'p95 ms': pct(report.csv, 0.95),
          'max ms': round(report.csv.at(-1)!),
        },
      ]);
      for (const problem of problems) console.log(`ERROR: ${problem}`);
      const met = problems.length === 0 && report.json.at(-1)! <= 200 && seeded.transactions >= 1_000_000;
      const scale =
        seeded.transactions >= 1_000_000
          ? ''
          : ` (measured at ${seeded.transactions} transactions, not 1,000,000)`;
      console.log(
        `target: 1,000,000 transactions projected, settlement report over a year <= 200 ms (slowest of 20): ${met ? 'met' : 'NOT met'}${scale}`,
      );
      if (problems.length > 0) process.exitCode = 1;
    } finally {
      await db.close();
      await database.drop();
    }
  },
};

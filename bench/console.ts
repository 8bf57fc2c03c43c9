/**
 * Finance console benchmark, in Debian's chromium driven by playwright-core, against a ledger of
 * 200,000 payments with their status history, refunds and disputes, the server in its own process
 * (`serve --role web`). Measures the time from "Sign in" to the first payments table drawn (target
 * <= 1 s), each filter and page change until the table is redrawn (target <= 300 ms), and the bytes
 * transferred over a full visit of every page (target well under 1 MB).
 *
 * Flags: --payments=200000; --seed=sql (default: read models written with generate_series, a minute) or
 * --seed=lifecycles (generated Stripe events folded by a rebuild: realistic, half an hour on a shared
 * machine) with --events-per-payment=5.3 (its estimate of events per lifecycle)
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Locator } from 'playwright-core';
import { migrate } from '../src/db/migrate.js';
import { pgDb } from '../src/db/pg.js';
import { packageRoot } from '../src/paths.js';
import type { Benchmark } from './benchmark.js';
import { createBenchDatabase } from './benchDatabase.js';
import { printTable } from './printTable.js';
import { seedReadModels } from './consoleSeed.js';
import { seedLifecycles } from './seedLifecycles.js';
import { startServerProcess } from './serverProcess.js';

const TOKEN = 'bench-console-token-0123456789';
const TARGET = { firstTableMs: 1000, changeMs: 300, visitBytes: 1_000_000 };
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** What the timing function uses in the page (the bench compiles without the DOM's types). */
type BrowserGlobals = {
  document: { getElementById(id: string): { hasAttribute(name: string): boolean } };
  MutationObserver: new (callback: () => void) => {
    observe(target: unknown, options: unknown): void;
    disconnect(): void;
  };
};

/**
 * Milliseconds from a click on `target` to the console having drawn what it started (main loses
 * aria-busy), measured in the page itself so the driver's round trips do not count.
 */
const timedClick = async (target: Locator, what: string): Promise<number> => {
  const ms = await target.evaluate(
    (element, timeoutMs) =>
      new Promise<number>((resolve) => {
        const { document, MutationObserver } = globalThis as unknown as BrowserGlobals;
        const main = document.getElementById('main');
        const timer = setTimeout(() => resolve(-1), timeoutMs);
        const observer = new MutationObserver(() => {
          if (main.hasAttribute('aria-busy')) return;
          observer.disconnect();
          clearTimeout(timer);
          resolve(performance.now() - started);
        });
        observer.observe(main, { attributes: true, attributeFilter: ['aria-busy'] });
        const started = performance.now();
        (element as { click(): void }).click();
      }),
    15_000,
  );
  if (ms < 0) throw new Error(`${what}: the console did not finish drawing within 15 s`);
  return ms;
};

const rebuild = (databaseUrl: string) => {
  const started = performance.now();
  const result = spawnSync(
    process.execPath,
    [join(packageRoot, 'dist/src/cli/main.js'), 'projections', 'rebuild', '--all'],
    {
      env: { PATH: process.env.PATH ?? '', DATABASE_URL: databaseUrl },
      encoding: 'utf8',
    },
  );
  if (result.status !== 0)
    throw new Error(`rebuild failed (${result.status}): ${result.stderr.slice(-2000)}`);
  return (performance.now() - started) / 1000;
};

export const consoleBenchmark: Benchmark = {
  name: 'console',
  description:
    'finance console in chromium over 200,000 payments (first table <= 1 s, changes <= 300 ms, visit < 1 MB)',
  run: async ({ flags }) => {
    if (!existsSync(chromiumPath))
      throw new Error(`no chromium at ${chromiumPath}: apt-get install -y chromium`);
    const payments = Number(flags.get('payments') ?? 200_000);
    const perPayment = Number(flags.get('events-per-payment') ?? 5.3);
    const database = await createBenchDatabase('console');
    const db = pgDb({ connectionString: database.url, max: 4 });
    let server: Awaited<ReturnType<typeof startServerProcess>> | undefined;
    const browser = await chromium.launch({
      executablePath: chromiumPath,
      args: process.getuid?.() === 0 ? ['--no-sandbox'] : [],
    });
    try {
      await migrate(db);
      const seedStarted = performance.now();
      if (flags.get('seed') === 'lifecycles') {
        const seeded = await seedLifecycles(db, Math.ceil(payments * perPayment));
        const rebuildSeconds = rebuild(database.url);
        console.log(
          `seeded ${seeded.events} events (${seeded.payments} lifecycles), rebuild ${Math.round(rebuildSeconds)} s`,
        );
      } else {
        await seedReadModels(db, payments);
      }
      const count = Number(
        (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM ledger.payments')).rows[0]!.n,
      );
      console.log(`${count} payments ready in ${Math.round((performance.now() - seedStarted) / 1000)} s`);
      if (count < payments) throw new Error(`only ${count} payments; raise --events-per-payment`);
      const sample = (
        await db.query<{ customer_id: string; payment_id: string }>(
          `SELECT customer_id, payment_id FROM ledger.payments WHERE customer_id IS NOT NULL
            AND payment_id IN (SELECT payment_id FROM ledger.refunds) ORDER BY created_at DESC LIMIT 1`,
        )
      ).rows[0]!;

      server = await startServerProcess({
        args: ['--role', 'web'],
        env: {
          DATABASE_URL: database.url,
          STRIPE_WEBHOOK_SECRET: 'whsec_bench_console_0d6a3c8e',
          LEDGER_API_TOKENS: TOKEN,
          LOG_LEVEL: 'warn',
        },
        logFile: join(tmpdir(), 'stripe-ledger-bench-console.log'),
      });
      const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(`${message.text()} (${message.location().url})`);
      });
      page.on('console', (m) => m.text().startsWith('DBG') && console.log(m.text()));
      page.on('pageerror', (error) => problems.push(error.message));
      let bytes = 0;
      let requests = 0;
      page.on('requestfinished', (request) => {
        requests += 1;
        void request.sizes().then((sizes) => (bytes += sizes.responseBodySize + sizes.responseHeadersSize));
      });

      await page.goto(server.url);
      await page.getByLabel('API token').fill(TOKEN);
      const started = performance.now();
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.locator('[data-testid="payments"] tbody tr').first().waitFor();
      const firstTableMs = performance.now() - started;

      // Filters and paging have the 300 ms target; other pages are measured and reported.
      const changes: { change: string; ms: number; target?: number }[] = [];
      const apply = async (change: string, fill: () => Promise<unknown>) => {
        await fill();
        changes.push({
          change,
          ms: await timedClick(page.getByRole('button', { name: 'Apply filters' }), change),
          target: TARGET.changeMs,
        });
      };
      await apply('payment status = refunded', () =>
        page.getByLabel('Payment status').selectOption('refunded'),
      );
      await apply('+ currency = eur', () => page.getByLabel('Currency').fill('eur'));
      await apply('customer id only', async () => {
        await page.getByLabel('Payment status').selectOption('');
        await page.getByLabel('Currency').fill('');
        await page.getByLabel('Customer id').fill(sample.customer_id);
      });
      await apply('Stripe status = requires_capture, 250 rows', async () => {
        await page.getByLabel('Customer id').fill('');
        await page.getByLabel('Stripe status').selectOption('requires_capture');
        await page.getByLabel('Rows per page').selectOption('250');
      });
      changes.push({
        change: 'clear filters',
        ms: await timedClick(page.getByRole('button', { name: 'Clear' }), 'clear filters'),
        target: TARGET.changeMs,
      });
      for (let index = 1; index <= 5; index += 1)
        changes.push({
          change: `next page ${index}`,
          ms: await timedClick(page.getByRole('button', { name: 'Next page' }), `next page ${index}`),
          target: TARGET.changeMs,
        });
      changes.push({
        change: 'previous page',
        ms: await timedClick(page.getByRole('button', { name: 'Previous page' }), 'previous page'),
        target: TARGET.changeMs,
      });
      changes.push({
        change: 'open a payment',
        ms: await page
          .getByLabel('Payment id')
          .fill(sample.payment_id)
          .then(() => timedClick(page.getByRole('button', { name: 'Open payment' }), 'open a payment')),
      });
      for (const section of ['Disputes', 'Reports', 'Payouts', 'Operations'])
        changes.push({
          change: `${section} page`,
          ms: await timedClick(page.getByRole('link', { name: section }), section),
        });
      await page.waitForLoadState('networkidle');
      await context.close();

      printTable([
        {
          measure: 'first table after sign-in',
          ms: Math.round(firstTableMs),
          target: `<= ${TARGET.firstTableMs}`,
        },
      ]);
      printTable(
        changes.map(({ change, ms, target }) => ({
          change,
          ms: Math.round(ms),
          target: target === undefined ? '(reported)' : `<= ${target}`,
        })),
      );
      console.log(
        `full visit: ${requests} requests, ${(bytes / 1024).toFixed(1)} KiB transferred (target < ${TARGET.visitBytes / 1_000_000} MB)`,
      );
      console.log(`load average ${loadavg()[0]!.toFixed(1)} (the machine may be shared)`);
      const slow = changes.filter(({ ms, target }) => target !== undefined && ms > target);
      // Until the money endpoints (SPEC section 12) are served, their pages say so after a 404 that the
      // browser reports; those are listed, anything else fails the run.
      const unserved = problems.filter((problem) =>
        /status of 404 .*\/api\/(payouts|reports\/settlement|balance-transactions)\b/.test(problem),
      );
      const failures = problems.filter((problem) => !unserved.includes(problem));
      if (unserved.length > 0)
        console.log(`endpoints this ledger does not serve yet (404): ${unserved.join('; ')}`);
      const verdict = [
        firstTableMs > TARGET.firstTableMs && `first table took ${Math.round(firstTableMs)} ms`,
        slow.length > 0 && `over ${TARGET.changeMs} ms: ${slow.map((s) => s.change).join(', ')}`,
        bytes >= TARGET.visitBytes && `visit transferred ${bytes} bytes`,
        failures.length > 0 && `console errors: ${failures.join('; ')}`,
      ].filter(Boolean);
      if (verdict.length > 0) throw new Error(`console benchmark missed its targets: ${verdict.join('; ')}`);
      console.log('verdict: every target met');
    } finally {
      await browser.close();
      await server?.stop();
      await db.close();
      await database.drop();
    }
  },
};

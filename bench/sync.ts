/**
 * Sync: 100,000 Stripe events in the stand-in of Stripe's API (tests/support/stripeApi), then
 * `stripe-ledger sync` in its own process at STRIPE_API_RPS=20; wall time, requests/s measured at the
 * stand-in, and the sync process's RSS over the pass (pages are streamed, so it must stay flat).
 * Target: <= 60 s, never more than 20 requests in a second. Flags: --events=100000 --rps=20
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { packageRoot } from '../src/paths.js';
import type { Benchmark } from './benchmark.js';
import { pgDb } from '../src/db/pg.js';
import { chargeObject } from '../src/stripe/payloads/chargeObject.js';
import { paymentIntentObject } from '../src/stripe/payloads/paymentIntentObject.js';
import { webhookEvent } from '../src/stripe/payloads/webhookEvent.js';
import { createBenchDatabase } from './benchDatabase.js';
import { printTable } from './printTable.js';
import { memoryMiB } from './procStats.js';

type Json = Record<string, unknown>;
type StandIn = {
  base: string;
  key: string;
  requests: { at: number; status: number }[];
  addEvents(events: Json[]): void;
  maxRequestsInWindow(ms?: number): number;
  close(): Promise<void>;
};

/** The stand-in is test-only code, kept out of dist: compiled here into a cache beside node_modules. */
const loadStandIn = async (): Promise<{ startStripeApi(options?: Json): Promise<StandIn> }> => {
  const out = join(packageRoot, 'node_modules/.cache/stripe-ledger-bench');
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [
    tsc,
    '--outDir',
    out,
    '--module',
    'nodenext',
    '--moduleResolution',
    'nodenext',
    '--target',
    'es2022',
    '--esModuleInterop',
    '--skipLibCheck',
    '--ignoreConfig',
    '--types',
    'node',
    join(packageRoot, 'tests/support/stripeApi/stripeApiStandIn.ts'),
  ]);
  // Outside the package's scope (node_modules), so say the output is ESM like the sources.
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'package.json'), '{"type":"module"}\n');
  return import(pathToFileURL(join(out, 'stripeApiStandIn.js')).href) as never;
};

const DAY = 86_400;

/** Events of interleaved payment lives over the last 25 days: created, succeeded, some refunded. */
const eventsOf = (count: number): Json[] => {
  const now = Math.floor(Date.now() / 1000);
  const events: Json[] = [];
  // About 3.3 events a payment: spread over 20 days, the last ones a week old.
  const payments = Math.ceil(count / 3);
  for (let i = 0; events.length < count; i += 1) {
    const at = now - 25 * DAY + Math.floor((i * 20 * DAY) / payments);
    const pi = `pi_bench${i}`;
    const ch = `ch_bench${i}`;
    const amount = 1000 + (i % 50) * 100;
    const currency = i % 3 === 0 ? 'eur' : 'usd';
    const intent = (status: string) =>
      paymentIntentObject({
        id: pi,
        status,
        amount,
        currency,
        created: at,
        latest_charge: status === 'succeeded' ? ch : null,
        metadata: { order_id: `order_bench${Math.floor(i / 2)}` },
      });
    const charge = (refunded: number) =>
      chargeObject({
        id: ch,
        payment_intent: pi,
        status: 'succeeded',
        amount,
        currency,
        created: at + 5,
        amount_refunded: refunded,
      });
    const lives: [string, Json, number][] = [
      ['payment_intent.created', intent('requires_payment_method'), at],
      ['charge.succeeded', charge(0), at + 5],
      ['payment_intent.succeeded', intent('succeeded'), at + 5],
    ];
    if (i % 3 === 0) lives.push(['charge.refunded', charge(amount), at + DAY]);
    for (const [type, object, created] of lives) {
      events.push(
        webhookEvent({ id: `evt_bench${events.length}`, type, object, created, pendingWebhooks: 0 }),
      );
    }
  }
  return events.slice(0, count).sort((a, b) => (a.created as number) - (b.created as number));
};

export const syncBenchmark: Benchmark = {
  name: 'sync',
  description:
    'stripe-ledger sync of 100,000 events from the Stripe API stand-in at 20 requests/s (target <= 60 s)',
  run: async ({ flags }) => {
    const count = Number(flags.get('events') ?? 100_000);
    const rps = Number(flags.get('rps') ?? 20);
    const { startStripeApi } = await loadStandIn();
    const api = await startStripeApi({ seed: 1 });
    const database = await createBenchDatabase('sync');
    try {
      api.addEvents(eventsOf(count));
      const loadBefore = loadavg()[0]!;
      const started = performance.now();
      const child = spawn(process.execPath, [join(packageRoot, 'dist/src/cli/main.js'), 'sync'], {
        env: {
          PATH: process.env.PATH ?? '',
          DATABASE_URL: database.url,
          STRIPE_API_KEY: api.key,
          STRIPE_API_BASE: api.base,
          STRIPE_API_RPS: String(rps),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (chunk) => (output = (output + chunk).slice(-4000)));
      child.stderr.on('data', (chunk) => (output = (output + chunk).slice(-4000)));
      // RSS every second: flat means it does not grow with the events read. The events feed is done when
      // its cursor completes; the pass then goes on to history and the money part (whose balance check
      // waits for a journal projection this benchmark does not run), which is not what is measured.
      const rss: number[] = [];
      let eventsSeconds: number | null = null;
      const db = pgDb({ connectionString: database.url, max: 1 });
      const sampler = setInterval(() => {
        try {
          if (eventsSeconds === null) rss.push(memoryMiB(child.pid!).rss);
        } catch {
          // exited
        }
        if (eventsSeconds !== null) return;
        db.query<{ done: boolean }>(
          `SELECT complete_until IS NOT NULL AND pending_to IS NULL AS done FROM ledger.stripe_sync_cursors WHERE feed = 'events'`,
        ).then(
          ({ rows }) => {
            if (rows[0]?.done === true && eventsSeconds === null)
              eventsSeconds = (performance.now() - started) / 1000;
          },
          () => undefined,
        );
      }, 200);
      const code = await new Promise<number | null>((resolve, reject) => {
        child.once('error', reject);
        child.once('close', resolve);
      });
      clearInterval(sampler);
      await db.close();
      const wall = (performance.now() - started) / 1000;
      const seconds = eventsSeconds ?? wall;
      if (code !== 0) throw new Error(`sync failed (${code}): ${output}`);
      const summary = JSON.parse(output.trim().split('\n').at(-1)!) as { events_appended: number };
      if (summary.events_appended !== count) {
        throw new Error(`sync appended ${summary.events_appended} events, expected ${count}: ${output}`);
      }
      // Samples every 200 ms while the events feed ran.
      const quarter = Math.floor(rss.length / 4);
      const early = Math.max(...rss.slice(quarter, 2 * quarter));
      const late = Math.max(...rss.slice(3 * quarter));
      const most = api.maxRequestsInWindow(1000);
      printTable([
        {
          events: count,
          requests: api.requests.length,
          'events synced s': Math.round(seconds * 10) / 10,
          'whole pass s': Math.round(wall * 10) / 10,
          'events/s': Math.round(count / seconds),
          'max requests in 1 s': most,
          'RSS MiB 2nd quarter': Math.round(early),
          'RSS MiB last quarter': Math.round(late),
          'peak RSS MiB': Math.round(Math.max(...rss)),
        },
      ]);
      console.log(
        `target: <= 60 s, <= ${rps} requests in any second, RSS flat; load average ${loadBefore.toFixed(1)} before, ${loadavg()[0]!.toFixed(1)} after (shared machine)`,
      );
      const failures = [
        seconds > 60 && `took ${seconds.toFixed(1)} s`,
        most > rps && `${most} requests within one second`,
        late > early + 64 && `RSS grew from ${Math.round(early)} to ${Math.round(late)} MiB`,
      ].filter(Boolean);
      if (failures.length > 0) throw new Error(`verdict: FAIL (${failures.join('; ')})`);
      console.log('verdict: PASS');
    } finally {
      await api.close();
      await database.drop();
    }
  },
};

/**
 * A sync pass stopped in the middle of a long balance-transaction listing (`serve` shutting down, a
 * Ctrl-C on `stripe-ledger sync`): it stops at the next page instead of reading the account to its end,
 * and keeps how far its durable appends reached, so the next pass lists only the rest (SPEC section 11:
 * cursors advance only past what was durably appended, and a stopped pass resumes where it stopped).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import pino from 'pino';
import type { Db } from '../src/db/port.js';
import { BALANCE_TRANSACTION_RECORDED } from '../src/domain/moneyEvents.js';
import { postgresEventStore } from '../src/eventstore/postgres/postgresEventStore.js';
import { createMetrics } from '../src/observability/metrics.js';
import { packageRoot } from '../src/paths.js';
import { resetHistory } from '../src/sync/cursors.js';
import { startPeriodicSync } from '../src/sync/periodicSync.js';
import { type SyncSummary } from '../src/sync/syncPass.js';
import { runCli } from './support/cli.js';
import { adjustment, standInClient, standInSyncPass } from './support/stripeApi/standInClient.js';
import { startStripeApi, type StripeApiStandIn } from './support/stripeApi/stripeApiStandIn.js';
import { createTestDatabase, type TestDatabase } from './support/testDatabase.js';
import { waitFor } from './support/waitFor.js';

/** 50 pages of Stripe's 100: at PAGE_LATENCY_MS a page, a listing of several seconds. */
const TOTAL = 5_000;
const PAGE_LATENCY_MS = 150;
/** How long a stop may take: the page in flight and the append under way, not the rest of the listing. */
const STOP_DEADLINE_MS = 3_000;

const quiet = pino({ level: 'silent' });

/** Adjustments ten seconds apart (the newest thousand span more than the money pass's hour of
 * overlap), the newest a day ago, and the balance they add up to. */
const givenLongListing = (api: StripeApiStandIn) => {
  const newest = Math.floor(Date.now() / 1000) - 86_400;
  api.addObjects(
    Array.from({ length: TOTAL }, (_, i) => {
      const created = newest - (TOTAL - 1 - i) * 10;
      return adjustment(`txn_long${i.toString().padStart(5, '0')}`, created, 100);
    }),
  );
  api.setBalance({ available: [{ amount: 100 * TOTAL, currency: 'usd' }], pending: [] });
  api.faults.latencyMs = PAGE_LATENCY_MS;
};

const recorded = async (db: Db) =>
  Number(
    (
      await db.query<{ n: string }>('SELECT count(*) AS n FROM eventstore.events WHERE event_type = $1', [
        BALANCE_TRANSACTION_RECORDED,
      ])
    ).rows[0]!.n,
  );

const distinctRecorded = async (db: Db) =>
  Number(
    (
      await db.query<{ n: string }>(
        `SELECT count(DISTINCT data->'object'->>'id') AS n FROM eventstore.events WHERE event_type = $1`,
        [BALANCE_TRANSACTION_RECORDED],
      )
    ).rows[0]!.n,
  );

/** Some of the listing is durably appended, not all of it: the pass is in the middle. */
const inTheMiddle = (db: Db) =>
  waitFor(async () => (await recorded(db)) >= 1_000, {
    timeoutMs: 30_000,
    what: 'the first balance transactions to be appended',
  });

describe('a sync pass stopped in the middle of a long balance-transaction listing', () => {
  let database: TestDatabase;
  let api: StripeApiStandIn;

  beforeEach(async () => {
    database = await createTestDatabase();
    api = await startStripeApi({ seed: 23 });
    givenLongListing(api);
  });
  afterEach(async () => {
    await api?.close();
    await database?.drop();
  });

  const pass = () => standInSyncPass(database.db, api);

  /** Stops `serve`'s periodic sync in the middle of the listing; how long stop() took, and what was appended. */
  const stopServeInTheMiddle = async () => {
    const sync = await startPeriodicSync({
      db: database.db,
      store: postgresEventStore(database.db),
      api: standInClient(api),
      logger: quiet,
      metrics: createMetrics(),
      accounts: [],
      intervalSeconds: 3_600,
    });
    await inTheMiddle(database.db);
    const asked = Date.now();
    await sync.stop();
    return { tookMs: Date.now() - asked, appended: await recorded(database.db) };
  };

  /** The rest of the listing, read at full speed: what the next pass lists and appends. */
  const resumed = async (appendedBefore: number, summary: SyncSummary) => {
    // The oldest transaction appended is listed again (a second is never split between two passes).
    expect(summary.balance_transactions).toBe(TOTAL - appendedBefore + 1);
    expect(summary.balance_transactions_appended).toBe(TOTAL - appendedBefore);
    expect(await recorded(database.db)).toBe(TOTAL);
    expect(await distinctRecorded(database.db)).toBe(TOTAL);
  };

  it("returns from serve's stop() within seconds, and the next pass lists only the rest", async () => {
    const { tookMs, appended } = await stopServeInTheMiddle();

    expect(tookMs).toBeLessThan(STOP_DEADLINE_MS);
    expect(appended).toBeLessThan(TOTAL);
    const { rows } = await database.db.query<{ succeeded: boolean; error: string | null }>(
      'SELECT succeeded, error FROM ledger.stripe_sync_passes',
    );
    expect(rows).toEqual([{ succeeded: false, error: expect.stringContaining('stopped') }]);

    api.faults.latencyMs = 0;
    await resumed(appended, await pass());
  }, 60_000);

  it("keeps a stopped listing when the account's history is imported again", async () => {
    const { appended } = await stopServeInTheMiddle();

    // What a pass does when its events cursor fell out of Stripe's 30 days (sync.eventWindow.test.ts):
    // the history feeds start over, balance transactions (kept by Stripe for ever) do not.
    await resetHistory(database.db, null);

    api.faults.latencyMs = 0;
    await resumed(appended, await pass());
  }, 60_000);

  it('still follows a transaction that was pending when the stopped pass appended it', async () => {
    // Among the newest thousand, so appended before the stop, but older than the newest by more than
    // the hour a pass reads again before its cursor.
    const pendingId = `txn_long${(TOTAL - 500).toString().padStart(5, '0')}`;
    const transaction = api.object('balance_transactions', pendingId)!;
    api.addObjects([{ ...transaction, status: 'pending' }]);
    const { appended } = await stopServeInTheMiddle();
    api.faults.latencyMs = 0;
    await resumed(appended, await pass());

    api.addObjects([{ ...transaction, status: 'available' }]);
    const later = await pass();

    expect(later.balance_transactions_appended).toBe(1);
    const { rows } = await database.db.query<{ status: string }>(
      `SELECT data->'object'->>'status' AS status FROM eventstore.events
        WHERE event_type = $1 AND data->'object'->>'id' = $2 ORDER BY position`,
      [BALANCE_TRANSACTION_RECORDED, pendingId],
    );
    expect(rows.map((row) => row.status)).toEqual(['pending', 'available']);
  }, 60_000);

  it('exits `stripe-ledger sync` on the first Ctrl-C with one line, and the next run lists only the rest', async () => {
    const env = {
      DATABASE_URL: database.url,
      STRIPE_API_KEY: api.key,
      STRIPE_API_BASE: api.base,
      STRIPE_API_RPS: '100',
    };
    const child = spawn(process.execPath, [join(packageRoot, 'dist/src/cli/main.js'), 'sync'], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      await inTheMiddle(database.db);
      const asked = Date.now();
      child.kill('SIGINT');
      const deadline = new Promise<'still running'>((resolve) =>
        setTimeout(() => resolve('still running'), STOP_DEADLINE_MS).unref(),
      );
      expect(await Promise.race([exited, deadline])).toBe(1);
      expect(Date.now() - asked).toBeLessThan(STOP_DEADLINE_MS);
    } finally {
      child.kill('SIGKILL');
    }
    expect(stderr.trim().split('\n').at(-1)).toBe('stripe-ledger: the sync pass was stopped (shutdown)');
    const appended = await recorded(database.db);
    expect(appended).toBeLessThan(TOTAL);

    api.faults.latencyMs = 0;
    const result = await runCli(['sync'], env);
    expect(result.code).toBe(0);
    await resumed(appended, JSON.parse(result.stdout.trim().split('\n').at(-1)!) as SyncSummary);
  }, 60_000);
});

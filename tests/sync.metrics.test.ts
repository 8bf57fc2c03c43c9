/**
 * The sync metrics (SPEC section 11: events recovered, last successful pass, API requests by status)
 * come from the sync's pass log, so a process that never ran a pass (the web role, while passes run in
 * the projector role or from `stripe-ledger sync` on a cron) shows what those passes did.
 */
import { createMetrics } from '../src/observability/metrics.js';
import { syncPassTotalsReader } from '../src/sync/syncPassTotals.js';
import { accountEvents } from './support/stripeApi/stripeAccountData.js';
import { startStripeApi, type StripeApiStandIn } from './support/stripeApi/stripeApiStandIn.js';
import { startLedger } from './support/ledgerServer.js';
import { waitFor } from './support/waitFor.js';
import { createTestDatabase, type TestDatabase } from './support/testDatabase.js';
import { standInSyncPass } from './support/stripeApi/standInClient.js';

const sample = (text: string, series: string): number | undefined => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

describe('sync metrics in a process that ran no pass', () => {
  let database: TestDatabase;
  let api: StripeApiStandIn;

  beforeEach(async () => {
    database = await createTestDatabase();
    api = await startStripeApi({ seed: 4 });
  });
  afterEach(async () => {
    await api?.close();
    await database?.drop();
  });

  /** A pass as `stripe-ledger sync` runs it: its own client, no metrics of its own. */
  const cronPass = () =>
    standInSyncPass(database.db, api, {
      client: { retry: { retries: 0, networkRetries: 0, initialDelayMs: 10, maxDelayMs: 10 } },
    });

  it('shows the last successful pass, events recovered, passes and API requests by status from the pass log', async () => {
    const missed = accountEvents({ seed: 9, payments: 12, fromDaysAgo: 10, toDaysAgo: 5, prefix: 'cron' });
    api.addEvents(missed.events);
    const before = Date.now() / 1000;
    const first = await cronPass();
    const after = Date.now() / 1000;
    api.faults.serverErrors = 1;
    await expect(cronPass()).rejects.toThrow(/failed with 500/);
    const statuses = new Map<string, number>();
    for (const request of api.requests)
      statuses.set(String(request.status), (statuses.get(String(request.status)) ?? 0) + 1);

    const web = createMetrics();
    web.watchSyncPasses(syncPassTotalsReader(database.db));
    // What the web process counted itself is not what the passes did: the pass log wins.
    web.stripeApiRequests.inc({ status: '200' }, 1000);
    const text = await web.registry.metrics();

    const lastSuccess = sample(text, 'stripe_ledger_sync_last_success_timestamp_seconds')!;
    expect(lastSuccess).toBeGreaterThanOrEqual(Math.floor(before));
    expect(lastSuccess).toBeLessThanOrEqual(after + 1);
    expect(first.events_appended).toBe(missed.events.length);
    expect(sample(text, 'stripe_ledger_sync_events_recovered_total{account="all"}')).toBe(
      missed.events.length,
    );
    expect(sample(text, 'stripe_ledger_sync_passes_total{outcome="ok"}')).toBe(1);
    expect(sample(text, 'stripe_ledger_sync_passes_total{outcome="failed"}')).toBe(1);
    expect(sample(text, 'stripe_ledger_stripe_api_requests_total{status="200"}')).toBe(statuses.get('200'));
    expect(sample(text, 'stripe_ledger_stripe_api_requests_total{status="500"}')).toBe(statuses.get('500'));

    // The reader sums only what was recorded since its last read: a later pass still counts, once.
    api.faults.serverErrors = 0;
    await cronPass();
    // Scrapes read the log at most once a second: the next reading shows the pass.
    let later = '';
    await waitFor(
      async () => {
        later = await web.registry.metrics();
        return sample(later, 'stripe_ledger_sync_passes_total{outcome="ok"}') === 2;
      },
      { timeoutMs: 10_000, what: 'the second pass in the metrics' },
    );
    expect(sample(later, 'stripe_ledger_sync_passes_total{outcome="ok"}')).toBe(2);
    expect(sample(later, 'stripe_ledger_sync_passes_total{outcome="failed"}')).toBe(1);
    expect(sample(later, 'stripe_ledger_sync_events_recovered_total{account="all"}')).toBe(
      missed.events.length,
    );
    expect(sample(later, 'stripe_ledger_sync_last_success_timestamp_seconds')).toBeGreaterThanOrEqual(
      lastSuccess,
    );
  });

  it("shows a web-role server's /metrics the passes `stripe-ledger sync` ran", async () => {
    await cronPass();
    const server = await startLedger(database.url, { role: 'web' });
    try {
      const text = await (await fetch(`${server.url}/metrics`)).text();
      expect(sample(text, 'stripe_ledger_sync_passes_total{outcome="ok"}')).toBe(1);
      expect(sample(text, 'stripe_ledger_sync_last_success_timestamp_seconds')).toBeGreaterThan(0);
    } finally {
      await server.stop();
    }
  });

  it('shows no successful pass yet (0) on a ledger whose passes all failed', async () => {
    api.faults.serverErrors = 1;
    await expect(cronPass()).rejects.toThrow(/failed with 500/);
    const web = createMetrics();
    web.watchSyncPasses(syncPassTotalsReader(database.db));
    const text = await web.registry.metrics();
    expect(sample(text, 'stripe_ledger_sync_last_success_timestamp_seconds')).toBe(0);
    expect(sample(text, 'stripe_ledger_sync_passes_total{outcome="failed"}')).toBe(1);
  });
});

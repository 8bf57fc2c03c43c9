import { cachedCheck, type CachedCheck } from '../health/cachedCheck.js';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** What the projection gauges show of one projection: the projector's status (src/projector/status.ts)
 * has these fields among others, and the caller hands it in, so metrics need not know the projector. */
type ProjectionGaugeReading = {
  name: string;
  lag_events: number;
  lag_seconds: number;
  open_failures: number;
  state: string;
  rebuild: { done: number; total: number } | null;
};

// One status query serves the three projection gauges of a scrape (each gauge's collect asks).
const PROJECTION_REFRESH_MS = 1000;
/** How long a scrape waits for the database's ping or the event store's head before calling it down. */
const DEPENDENCY_DEADLINE_MS = 3000;

/** What the sync metrics show when read from the sync's pass log (src/sync/syncPassTotals.ts): the
 * caller hands it in, so metrics need not know where passes are kept. */
type SyncReading = {
  lastSuccess: number | null;
  passes: { ok: number; failed: number };
  eventsRecovered: number;
  objectsImported: number;
  apiRequests: Record<string, number>;
};

// One pass-log query serves every sync metric of a scrape.
const SYNC_REFRESH_MS = 1000;

// Rendering walks every metric (default ones included) and builds the whole text: scrapes within a second
// of one another get the same text, so a flood of them costs one rendering a second, not one each.
const TEXT_REUSE_MS = 1000;

/** One registry per process (or per test server), so tests never share counters. */
export const createMetrics = () => {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  let projectionStatus: CachedCheck<readonly ProjectionGaugeReading[]> | undefined;
  const showProjections = (statuses: readonly ProjectionGaugeReading[]) => {
    for (const gauge of [
      metrics.projectionLagEvents,
      metrics.projectionLagSeconds,
      metrics.projectionFailures,
      metrics.projectionStalled,
      metrics.projectionAhead,
      metrics.projectionRebuilding,
      metrics.projectionRebuildProgress,
    ])
      gauge.reset();
    for (const status of statuses) {
      metrics.projectionLagEvents.set({ projection: status.name }, status.lag_events);
      metrics.projectionLagSeconds.set({ projection: status.name }, status.lag_seconds);
      metrics.projectionFailures.set({ projection: status.name }, status.open_failures);
      metrics.projectionStalled.set({ projection: status.name }, status.state === 'stalled' ? 1 : 0);
      metrics.projectionAhead.set({ projection: status.name }, status.state === 'ahead' ? 1 : 0);
      const { rebuild } = status;
      metrics.projectionRebuilding.set({ projection: status.name }, rebuild === null ? 0 : 1);
      if (rebuild !== null) {
        const share = rebuild.total > 0 ? Math.min(1, rebuild.done / rebuild.total) : 0;
        metrics.projectionRebuildProgress.set({ projection: status.name }, share);
      }
    }
  };
  const refreshProjections = async () => {
    if (!projectionStatus) return;
    // A scrape while the database or the event store is down keeps the last values (database_up and
    // event_store_up say which is down).
    await projectionStatus.current().catch(() => undefined);
    const statuses = projectionStatus.last();
    if (statuses !== undefined) showProjections(statuses);
  };
  let dependencies: { database: CachedCheck<boolean>; eventStore: CachedCheck<unknown> } | undefined;
  const refreshDependencies = async () => {
    if (!dependencies) return;
    const [database, eventStore] = await Promise.all([
      dependencies.database.current().then(
        (ok) => ok,
        () => false,
      ),
      dependencies.eventStore.current().then(
        () => true,
        () => false,
      ),
    ]);
    metrics.databaseUp.set(database ? 1 : 0);
    metrics.eventStoreUp.set(eventStore ? 1 : 0);
  };
  let syncTotals: CachedCheck<SyncReading> | undefined;
  const showSync = (sync: SyncReading) => {
    metrics.syncLastSuccess.set(sync.lastSuccess ?? 0);
    // `busy` (another process held the lease) is no pass and is not logged: it stays this process's.
    for (const outcome of ['ok', 'failed'] as const) {
      metrics.syncPasses.remove({ outcome });
      metrics.syncPasses.inc({ outcome }, sync.passes[outcome]);
    }
    metrics.syncEventsRecovered.reset();
    metrics.syncEventsRecovered.inc({ account: 'all' }, sync.eventsRecovered);
    metrics.syncObjectsImported.reset();
    metrics.syncObjectsImported.inc({ account: 'all' }, sync.objectsImported);
    metrics.stripeApiRequests.reset();
    for (const [status, total] of Object.entries(sync.apiRequests))
      metrics.stripeApiRequests.inc({ status }, total);
  };
  const refreshSync = async () => {
    if (!syncTotals) return;
    // A scrape while the database is down shows the last totals read; health reports the outage.
    await syncTotals.current().catch(() => undefined);
    const sync = syncTotals.last();
    if (sync !== undefined) showSync(sync);
  };
  const text = cachedCheck(() => registry.metrics(), { ttlMs: TEXT_REUSE_MS, what: 'the metrics text' });
  const metrics = {
    registry,
    /** The Prometheus text of `registry`, rendered at most once a second however many scrape at once. */
    render: () => text.current(),
    /** Scrapes ask whether the database answers `ping` and the event store its `head` (each at most
     * once a second, within DEPENDENCY_DEADLINE_MS), apart: with EventStoreDB, either may be down alone. */
    watchDependencies: (ping: () => Promise<boolean>, head: () => Promise<unknown>) => {
      const checked = { ttlMs: PROJECTION_REFRESH_MS, deadlineMs: DEPENDENCY_DEADLINE_MS };
      dependencies = {
        database: cachedCheck(ping, { ...checked, what: 'the database ping' }),
        eventStore: cachedCheck(head, { ...checked, what: 'the event store head' }),
      };
    },
    /** Scrapes refresh the projection gauges from `status` (at most once a second). */
    watchProjections: (status: () => Promise<readonly ProjectionGaugeReading[]>) => {
      projectionStatus = cachedCheck(status, { ttlMs: PROJECTION_REFRESH_MS, what: 'projection status' });
    },
    /** Scrapes read the sync metrics from the sync's pass log (at most once a second), so every role
     * shows what any process's passes did, `stripe-ledger sync` from cron included. */
    watchSyncPasses: (totals: () => Promise<SyncReading>) => {
      syncTotals = cachedCheck(totals, { ttlMs: SYNC_REFRESH_MS, what: 'the sync pass log' });
    },
    webhooks: new Counter({
      name: 'stripe_ledger_webhooks_total',
      help: 'Webhook deliveries by Stripe event type and outcome',
      labelNames: ['type', 'outcome'] as const,
      registers: [registry],
    }),
    appendSeconds: new Histogram({
      name: 'stripe_ledger_append_duration_seconds',
      help: 'Time from a verified webhook to its durable append',
      buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    projectionLagEvents: new Gauge({
      name: 'stripe_ledger_projection_lag_events',
      help: 'Events in the store not yet applied by the projection',
      labelNames: ['projection'] as const,
      registers: [registry],
      collect: refreshProjections,
    }),
    projectionLagSeconds: new Gauge({
      name: 'stripe_ledger_projection_lag_seconds',
      help: 'Age of the oldest event the projection has not applied',
      labelNames: ['projection'] as const,
      registers: [registry],
      collect: refreshProjections,
    }),
    projectionFailures: new Gauge({
      name: 'stripe_ledger_projection_failures',
      help: 'Events a projection could not apply and is stopped at',
      labelNames: ['projection'] as const,
      registers: [registry],
      collect: refreshProjections,
    }),
    projectionStalled: new Gauge({
      name: 'stripe_ledger_projection_stalled',
      help: 'Whether events wait for the projection with no worker running it (1), as projections status says',
      labelNames: ['projection'] as const,
      registers: [registry],
      collect: refreshProjections,
    }),
    projectionAhead: new Gauge({
      name: 'stripe_ledger_projection_ahead_of_log',
      help: "Whether the projection's checkpoint stands past the event log's head (1): the event store was replaced or restored from an older backup, and nothing appended to it is projected until a rebuild",
      labelNames: ['projection'] as const,
      registers: [registry],
      collect: refreshProjections,
    }),
    projectionRebuilding: new Gauge({
      name: 'stripe_ledger_projection_rebuilding',
      help: 'Whether a rebuild of the projection is running (1), as projections status says',
      labelNames: ['projection'] as const,
      registers: [registry],
      collect: refreshProjections,
    }),
    projectionRebuildProgress: new Gauge({
      name: 'stripe_ledger_projection_rebuild_progress_ratio',
      help: 'Share of the log (0 to 1) the running rebuild of the projection has folded; absent when none runs',
      labelNames: ['projection'] as const,
      registers: [registry],
      collect: refreshProjections,
    }),
    databaseUp: new Gauge({
      name: 'stripe_ledger_database_up',
      help: 'Whether the database answered a ping at this scrape (1) or not (0: an error, or no answer within 3 s); the projection gauges then show their last values',
      registers: [registry],
      collect: refreshDependencies,
    }),
    eventStoreUp: new Gauge({
      name: 'stripe_ledger_event_store_up',
      help: 'Whether the event store (PostgreSQL or EventStoreDB) answered a read of its head at this scrape (1) or not (0: an error, or no answer within 3 s); the projection gauges then show their last values',
      registers: [registry],
      collect: refreshDependencies,
    }),
    syncEventsRecovered: new Counter({
      name: 'stripe_ledger_sync_events_recovered_total',
      help: 'Events the Stripe sync appended that no webhook had delivered',
      labelNames: ['account'] as const,
      registers: [registry],
      collect: refreshSync,
    }),
    syncObjectsImported: new Counter({
      name: 'stripe_ledger_sync_objects_imported_total',
      help: 'Stripe objects the history import appended as snapshots',
      labelNames: ['account'] as const,
      registers: [registry],
      collect: refreshSync,
    }),
    syncLastSuccess: new Gauge({
      name: 'stripe_ledger_sync_last_success_timestamp_seconds',
      help: 'When the last successful Stripe sync pass finished (unix seconds; 0: none yet)',
      registers: [registry],
      collect: refreshSync,
    }),
    syncPasses: new Counter({
      name: 'stripe_ledger_sync_passes_total',
      help: 'Stripe sync passes by outcome (ok, failed, busy: another process held the lease)',
      labelNames: ['outcome'] as const,
      registers: [registry],
      collect: refreshSync,
    }),
    projectorThreadRestarts: new Counter({
      name: 'stripe_ledger_projector_thread_restarts_total',
      help: 'Times the all-in-one server started its projector thread again after it died',
      registers: [registry],
    }),
    stripeApiRequests: new Counter({
      name: 'stripe_ledger_stripe_api_requests_total',
      help: 'Stripe API requests by answer status (every attempt, retries included; network_error when none came)',
      labelNames: ['status'] as const,
      registers: [registry],
      collect: refreshSync,
    }),
  };
  return metrics;
};

export type Metrics = ReturnType<typeof createMetrics>;

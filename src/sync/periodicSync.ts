import type { Db } from '../db/port.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { StripeApi } from '../stripe/stripeApi.js';
import { runSyncPass, SyncBusyError, type SyncPassOptions, type SyncSummary } from './syncPass.js';
import { errorMessage } from '../shared/errorMessage.js';

/** Counts a pass's outcome in the metrics. */
export const recordSyncMetrics = (
  metrics: Metrics,
  outcome: 'ok' | 'failed' | 'busy',
  summary?: SyncSummary,
) => {
  metrics.syncPasses.inc({ outcome });
  if (outcome === 'ok') metrics.syncLastSuccess.set(Date.now() / 1000);
  if (summary !== undefined) {
    metrics.syncEventsRecovered.inc({ account: 'all' }, summary.events_appended);
    metrics.syncObjectsImported.inc({ account: 'all' }, summary.objects_imported);
  }
};

/** When the last successful pass finished, from the pass log (passes run by any process, the CLI too). */
const lastSuccess = async (db: Db): Promise<number | null> => {
  const { rows } = await db.query<{ at: string | null }>(
    'SELECT extract(epoch FROM max(finished_at))::float8::text AS at FROM ledger.stripe_sync_passes WHERE succeeded',
  );
  return rows[0]?.at == null ? null : Number(rows[0].at);
};

/**
 * `serve`'s own sync: a pass at start and then every `intervalSeconds` (SPEC section 11). A pass already
 * running elsewhere (the lease) is skipped; a failed pass is logged and retried at the next tick.
 */
export const startPeriodicSync = async (options: {
  db: Db;
  store: SyncPassOptions['store'];
  api: StripeApi;
  logger: Logger;
  metrics: Metrics;
  accounts: readonly string[];
  intervalSeconds: number;
}): Promise<{ stop(): Promise<void> }> => {
  const { logger, metrics } = options;
  const known = await lastSuccess(options.db).catch(() => null);
  if (known !== null) metrics.syncLastSuccess.set(known);
  let running: Promise<void> | undefined;
  let stopped = false;
  const abort = new AbortController();
  const pass = async () => {
    try {
      const summary = await runSyncPass({ ...options, signal: abort.signal });
      recordSyncMetrics(metrics, 'ok', summary);
      logger.info({ summary }, 'stripe sync pass done');
    } catch (error) {
      if (error instanceof SyncBusyError) {
        recordSyncMetrics(metrics, 'busy');
        logger.debug('stripe sync pass skipped: another process is running one');
        return;
      }
      if (abort.signal.aborted) return;
      recordSyncMetrics(metrics, 'failed');
      logger.error({ error: errorMessage(error) }, 'stripe sync pass failed');
    }
  };
  const tick = () => {
    if (stopped || running !== undefined) return;
    running = pass().finally(() => (running = undefined));
  };
  const timer = setInterval(tick, options.intervalSeconds * 1000);
  timer.unref();
  tick();
  return {
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      abort.abort();
      await running;
    },
  };
};

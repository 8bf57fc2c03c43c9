import type { Db } from '../db/port.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { StripeApi } from '../stripe/stripeApi.js';
import { runSyncPass, SyncBusyError, type SyncPassOptions } from './syncPass.js';
import { errorMessage } from '../shared/errorMessage.js';

/** Counts a pass another process held the lease for; passes themselves are in the pass log, which every
 * role's sync metrics read (serve wires syncPassTotals). */
const countBusy = (metrics: Metrics) => metrics.syncPasses.inc({ outcome: 'busy' });

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
  let running: Promise<void> | undefined;
  let stopped = false;
  const abort = new AbortController();
  const pass = async () => {
    try {
      const summary = await runSyncPass({ ...options, signal: abort.signal });
      logger.info({ summary }, 'stripe sync pass done');
    } catch (error) {
      if (error instanceof SyncBusyError) {
        countBusy(metrics);
        logger.debug('stripe sync pass skipped: another process is running one');
        return;
      }
      if (abort.signal.aborted) return;
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

import cliProgress from 'cli-progress';
import { Command } from 'commander';
import { pino } from 'pino';
import { loadConfig, requireStripeApiKey } from '../config/config.js';
import { createLogger } from '../observability/logger.js';
import { stripeApi } from '../stripe/stripeApi.js';
import type { Progress } from '../sync/syncContext.js';
import { runSyncPass } from '../sync/syncPass.js';
import { withRuntime } from './withRuntime.js';

/** A bar on a terminal (pages arrive newest first, so the total is unknown: a count, not a percentage). */
const progressReporter = () => {
  if (!process.stderr.isTTY) return { update: (_: Progress) => undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar(
    {
      format: 'sync {account} {feed} [{bar}] {value} read | {appended} appended | {rate}/s',
      stream: process.stderr,
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  let current = '';
  const startedAt = Date.now();
  return {
    update: (progress: Progress) => {
      const key = `${progress.account}:${progress.feed}`;
      const payload = {
        account: progress.account ?? 'platform',
        feed: progress.feed,
        appended: progress.appended,
        rate: Math.round(progress.seen / Math.max(0.001, (Date.now() - startedAt) / 1000)),
      };
      if (!started || key !== current) {
        if (started) bar.stop();
        // Unknown total: the bar fills as pages come and restarts per feed.
        bar.start(Math.max(100, progress.seen * 2), progress.seen, payload);
        started = true;
        current = key;
      }
      if (progress.seen >= bar.getTotal()) bar.setTotal(progress.seen * 2);
      bar.update(progress.seen, payload);
    },
    stop: () => {
      if (started) bar.stop();
      started = false;
    },
  };
};

export const syncCommand = (): Command =>
  new Command('sync')
    .description('one pass of the Stripe sync: missed events, history; a JSON summary line last')
    .action(async () => {
      const config = loadConfig();
      const apiKey = requireStripeApiKey(config);
      // Logs go to stderr: stdout is the summary line, last.
      const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel, pino.destination(2));
      const abort = new AbortController();
      const onSignal = () => abort.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      const progress = progressReporter();
      try {
        const { database, summary } = await withRuntime(
          async ({ db, store }) => {
            const summary = await runSyncPass({
              db,
              store,
              api: stripeApi({
                apiKey,
                base: config.stripe.base,
                requestsPerSecond: config.stripe.requestsPerSecond,
              }),
              logger,
              accounts: config.stripe.accounts,
              onProgress: progress.update,
              signal: abort.signal,
            });
            return { database: db.kind, summary };
          },
          // Like `serve`, a pass brings the schema up to date first: it may be the first to run on a new version.
          { config, logger, migratesFirst: true, doing: 'syncing with Stripe' },
        );
        progress.stop();
        process.stdout.write(`${JSON.stringify({ event: 'synced', database, ...summary })}\n`);
      } finally {
        progress.stop();
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });

import type { Server } from 'node:http';
import { createApp } from '../api/app.js';
import { type Config, requireWebhookSecrets } from '../config/config.js';
import { groupAppender } from '../ingest/groupCommit.js';
import { handleWebhook } from '../ingest/handleWebhook.js';
import type { Logger } from '../observability/logger.js';
import { createMetrics } from '../observability/metrics.js';
import { startProjector } from '../projector/projector.js';
import { openRuntime } from '../runtime/openRuntime.js';
import { projections as allProjections } from '../../projections/index.js';
import type { Projection } from '../../projections/projection.js';

export type Role = 'all' | 'web' | 'projector';

export type Running = { server?: Server; url?: string; stop(): Promise<void> };

/** `stripe-ledger serve`: the web role (webhooks, API), the projector role, or both. */
export const serve = async (
  config: Config,
  logger: Logger,
  options: { role: Role; projections?: readonly Projection[] } = { role: 'all' },
): Promise<Running> => {
  if (options.role !== 'projector') requireWebhookSecrets(config);
  const runtime = await openRuntime(config, logger);
  const { db, store } = runtime;
  const metrics = createMetrics();
  const stops: (() => Promise<void>)[] = [];

  if (options.role !== 'web') {
    const projector = await startProjector({
      db,
      store,
      projections: options.projections ?? allProjections,
      logger,
    });
    stops.push(() => projector.stop());
  }

  let server: Server | undefined;
  let url: string | undefined;
  if (options.role !== 'projector') {
    const appender = groupAppender(store);
    const app = createApp({
      db,
      store,
      logger,
      metrics,
      handleWebhook: handleWebhook({
        secrets: config.webhookSecrets,
        toleranceSeconds: config.webhookToleranceSeconds,
        appender,
        store,
        now: () => new Date(),
      }),
    });
    server = await new Promise<Server>((resolve, reject) => {
      const listening = app.listen(config.port, config.host, () => resolve(listening));
      listening.once('error', reject);
    });
    server.keepAliveTimeout = 65_000;
    const address = server.address();
    url = typeof address === 'object' && address ? `http://${config.host}:${address.port}` : undefined;
    stops.unshift(() => new Promise<void>((resolve) => server!.close(() => resolve())));
    logger.info(
      { url, role: options.role, event_store: config.eventStore, database: db.kind },
      'stripe-ledger listening',
    );
  }

  return {
    server,
    url,
    stop: async () => {
      server?.closeAllConnections();
      for (const stop of stops) await stop();
      await runtime.close();
    },
  };
};

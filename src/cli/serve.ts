import { watchBalanceChecks } from '../observability/balanceCheckMetrics.js';
import { syncPassTotalsReader } from '../sync/syncPassTotals.js';
import type { Server } from 'node:http';
import { lastBalanceCheck } from '../api/reconciliation.js';
import { createHttpServer } from '../api/server.js';
import { queryApiRouter } from '../api/queryRouter.js';
import { consoleRouter } from '../console/consoleRouter.js';
import { type Config, ConfigError, requireWebhookSecrets } from '../config/config.js';
import { migrate } from '../db/migrate.js';
import type { Db } from '../db/port.js';
import { postgresEventStore } from '../eventstore/postgres/postgresEventStore.js';
import { groupAppender } from '../ingest/groupCommit.js';
import { handleWebhook } from '../ingest/handleWebhook.js';
import type { Logger } from '../observability/logger.js';
import { createMetrics } from '../observability/metrics.js';
import { startProjector } from '../projector/projector.js';
import { projectorThreadAvailable, startProjectorThread } from '../projector/projectorThread.js';
import { databaseInUse } from '../runtime/databaseLocation.js';
import { startEmbedded } from '../runtime/embedded.js';
import { openRuntime, StartupError, type Runtime } from '../runtime/openRuntime.js';
import { samePool, SERVER_POOLS } from '../runtime/pools.js';
import { projectionWatch } from '../health/projectionWatch.js';
import { stripeApi } from '../stripe/stripeApi.js';
import { startPeriodicSync } from '../sync/periodicSync.js';
import { projections as allProjections } from '../../projections/index.js';
import type { Projection } from '../../projections/projection.js';
import { errorMessage } from '../shared/errorMessage.js';

export type Role = 'all' | 'web' | 'projector';

export type Running = { server?: Server; url?: string; stop(): Promise<void> };

/** A database opened by the caller (a test sharing its own with the server): migrated, left open at stop. */
const runtimeOn = async (db: Db): Promise<Runtime> => {
  await migrate(db);
  const store = postgresEventStore(db);
  return { db, store, pools: samePool(db), projectorStore: store, close: async () => undefined };
};

/** Why the server cannot listen, in one line naming HOST or PORT: the operator set them, not node. */
const listenError = (error: NodeJS.ErrnoException, { host, port }: Config): StartupError => {
  const code = error.code ?? 'unknown error';
  switch (code) {
    case 'EADDRINUSE':
      return new StartupError(
        `port ${port} on ${host} is in use by another process: stop it, or set PORT to a free port`,
      );
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_FAIL':
    case 'EAI_NONAME':
      return new StartupError(
        `HOST ${host} cannot be resolved to an address (${code}): set HOST to an address or name of this machine, e.g. 127.0.0.1, or 0.0.0.0 for all of its addresses`,
      );
    case 'EADDRNOTAVAIL':
      return new StartupError(
        `HOST ${host} is no address of this machine (${code}): set HOST to one of its addresses, e.g. 127.0.0.1, or 0.0.0.0 for all of them`,
      );
    case 'EACCES':
    case 'EPERM':
      return new StartupError(
        `port ${port} on ${host} is not open to this process (${code}): set PORT to 1024 or above, or grant it the privilege to bind lower ports`,
      );
    default:
      return new StartupError(`cannot listen on ${host}:${port} (HOST, PORT): ${errorMessage(error)}`);
  }
};

/** `stripe-ledger serve`: the web role (webhooks, API), the projector role, or both. */
export const serve = async (
  config: Config,
  logger: Logger,
  options: {
    role: Role;
    projections?: readonly Projection[];
    /** Where the line naming the database, or the embedded database's banner, goes (stderr by default). */
    notice?: (text: string) => void;
    /** Serve this open database instead of the configured one, in this process, whatever the role. */
    db?: Db;
  } = { role: 'all' },
): Promise<Running> => {
  if (config.databaseUrl || options.db) {
    if (options.role !== 'projector') requireWebhookSecrets(config);
  } else if (options.role !== 'all') {
    throw new ConfigError(
      `serve --role ${options.role} needs DATABASE_URL: the embedded database serves one process, so run --role all, or set DATABASE_URL=postgres://... to split the roles`,
    );
  }
  const runtime = options.db
    ? await runtimeOn(options.db)
    : await openRuntime(config, logger, { pools: 'server' });
  const { db, store, pools } = runtime;
  const notice = options.notice ?? ((text: string) => process.stderr.write(text));
  if (config.databaseUrl && !options.db) notice(`stripe-ledger: ${databaseInUse(config)}\n`);
  const { secrets } =
    config.databaseUrl || options.db ? { secrets: config.webhookSecrets } : startEmbedded(config, notice);
  const metrics = createMetrics();
  const watch = projectionWatch(pools.finance, store);
  metrics.watchProjections(() => watch.current());
  metrics.watchDependencies(
    () => pools.finance.ping(),
    () => store.headPosition(),
  );
  watchBalanceChecks(metrics.registry, () => lastBalanceCheck(pools.finance));
  // Passes run by any role or by `stripe-ledger sync` are recorded in the database: every /metrics shows them.
  metrics.watchSyncPasses(syncPassTotalsReader(pools.finance));
  const stops: (() => Promise<void>)[] = [];

  if (options.role !== 'web') {
    // All in one process on PostgreSQL: the projector gets a thread of its own, so its folds never hold
    // up webhooks. The embedded database has one connection in this thread, so it stays here (as do a
    // caller's own database or projections, which cannot cross to another thread).
    const threaded =
      options.role === 'all' &&
      Boolean(config.databaseUrl) &&
      !options.db &&
      !options.projections &&
      projectorThreadAvailable();
    const projector = threaded
      ? await startProjectorThread({
          config,
          logger,
          onRestart: () => metrics.projectorThreadRestarts.inc(),
        })
      : await startProjector({
          db: pools.projector,
          store: runtime.projectorStore,
          projections: options.projections ?? allProjections,
          logger,
        });
    stops.push(() => projector.stop());
  }

  // The sync runs beside the projector, never in a web-only process (webhooks stay light); its lease
  // keeps it to one pass at a time however many processes run it.
  const stripeKey = config.stripe.apiKey;
  if (options.role !== 'web' && stripeKey !== undefined && config.stripe.syncIntervalSeconds > 0) {
    const sync = await startPeriodicSync({
      db,
      store,
      api: stripeApi({
        apiKey: stripeKey,
        base: config.stripe.base,
        requestsPerSecond: config.stripe.requestsPerSecond,
        onAnswer: (status) => metrics.stripeApiRequests.inc({ status: String(status) }),
      }),
      logger,
      metrics,
      accounts: config.stripe.accounts,
      intervalSeconds: config.stripe.syncIntervalSeconds,
    });
    stops.unshift(() => sync.stop());
  }

  let server: Server | undefined;
  let url: string | undefined;
  if (options.role !== 'projector') {
    const appender = groupAppender(store);
    const http = createHttpServer({
      db,
      store,
      logger,
      metrics,
      watch,
      extraRouters: [
        consoleRouter(),
        queryApiRouter({
          db: pools.finance,
          exportDb: pools.exports,
          exportsAtOnce: SERVER_POOLS.exports.max,
          probeDb: pools.ingest,
          store,
          watch,
          apiTokens: config.apiTokens,
        }),
      ],
      handleWebhook: handleWebhook({
        secrets,
        toleranceSeconds: config.webhookToleranceSeconds,
        appender,
        store,
        now: () => new Date(),
      }),
    });
    try {
      server = await new Promise<Server>((resolve, reject) => {
        http.once('error', (error: NodeJS.ErrnoException) => reject(listenError(error, config)));
        http.listen(config.port, config.host, () => resolve(http));
      });
    } catch (error) {
      for (const stop of stops) await stop().catch(() => undefined);
      await runtime.close();
      throw error;
    }
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

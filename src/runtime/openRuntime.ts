import type { Config } from '../config/config.js';
import { assertSchemaKnown, migrate } from '../db/migrate.js';
import { pgDb, type PgTimeouts } from '../db/pg.js';
import { enableReaderLogin } from '../db/readerRole.js';
import type { EventStore } from '../eventstore/port.js';
import { postgresEventStore } from '../eventstore/postgres/postgresEventStore.js';
import type { Logger } from '../observability/logger.js';
import { databaseLocation } from './databaseLocation.js';
import { openEmbeddedDb } from './embedded.js';
import { openEventStoreDb } from './eventStoreDb.js';
import { closePools, samePool, serverPools, type Pools } from './pools.js';
import { errorMessage } from '../shared/errorMessage.js';

export type Runtime = {
  /** The ingest pool: what operator commands and most callers use. */
  db: Runtime['pools']['ingest'];
  store: EventStore;
  pools: Pools;
  /** The store the projector reads through (its own pool on PostgreSQL). */
  projectorStore: EventStore;
  close(): Promise<void>;
};

export class StartupError extends Error {}

/**
 * Opens the database (PostgreSQL, or the embedded one when DATABASE_URL is unset), migrates, opens the
 * store. A server (`pools: 'server'`) gets a pool per use with deadlines; a command one pool, with the
 * deadlines it asks for (`timeouts`: see withRuntime.ts).
 */
export const openRuntime = async (
  config: Config,
  logger: Logger,
  options: { migrate?: boolean; poolSize?: number; pools?: 'server' | 'command'; timeouts?: PgTimeouts } = {},
): Promise<Runtime> => {
  const pools = config.databaseUrl
    ? options.pools === 'server'
      ? serverPools(config.databaseUrl)
      : samePool(
          pgDb({
            connectionString: config.databaseUrl,
            max: options.poolSize ?? 20,
            applicationName: 'stripe-ledger command',
            timeouts: options.timeouts,
          }),
        )
    : samePool(await openEmbeddedDb(config.dataDir, logger));
  const db = pools.ingest;
  // Migrations may run longer than the pools' statement deadlines allow: a connection of their own.
  const withDeadlines =
    options.pools === 'server' ||
    options.timeouts?.statementMs !== undefined ||
    options.timeouts?.queryMs !== undefined;
  const setup =
    config.databaseUrl && withDeadlines
      ? pgDb({ connectionString: config.databaseUrl, max: 1, applicationName: 'stripe-ledger setup' })
      : db;
  try {
    if (options.migrate !== false) {
      const applied = await migrate(setup, undefined, (pending) =>
        logger.info({ pending }, 'applying migrations (the tables they change wait meanwhile)'),
      );
      if (applied.length > 0) logger.info({ applied }, 'migrations applied');
    } else {
      // Not ping(): the server's own reason (no such database, a refused password) names the problem.
      // A command of an older version must not write tables a newer one migrated (a rollback).
      await assertSchemaKnown(setup);
    }
    if (config.readerPassword) await enableReaderLogin(setup, config.readerPassword);
  } catch (error) {
    if (setup !== db) await setup.close().catch(() => undefined);
    await closePools(pools);
    throw new StartupError(`cannot use the database at ${databaseLocation(config)}: ${errorMessage(error)}`);
  }
  if (setup !== db) await setup.close().catch(() => undefined);
  let store: EventStore;
  try {
    store =
      config.eventStore === 'eventstoredb' ? await openEventStoreDb(config, db) : postgresEventStore(db);
  } catch (error) {
    await closePools(pools);
    throw new StartupError(errorMessage(error));
  }
  const projectorStore =
    config.eventStore === 'postgres' && pools.projector !== db ? postgresEventStore(pools.projector) : store;
  return {
    db,
    store,
    pools,
    projectorStore,
    close: async () => {
      await store.close().catch(() => undefined);
      await closePools(pools);
    },
  };
};

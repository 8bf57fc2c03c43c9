import type { Config } from '../config/config.js';
import { migrate } from '../db/migrate.js';
import { pgDb } from '../db/pg.js';
import { enableReaderLogin } from '../db/readerRole.js';
import type { Db } from '../db/port.js';
import type { EventStore } from '../eventstore/port.js';
import { postgresEventStore } from '../eventstore/postgres/postgresEventStore.js';
import type { Logger } from '../observability/logger.js';
import { openEmbeddedDb } from './embedded.js';
import { openEventStoreDb } from './eventStoreDb.js';

export type Runtime = { db: Db; store: EventStore; close(): Promise<void> };

export class StartupError extends Error {}

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Opens the database (PostgreSQL, or the embedded one when DATABASE_URL is unset), migrates, opens the store. */
export const openRuntime = async (
  config: Config,
  logger: Logger,
  options: { migrate?: boolean; poolSize?: number } = {},
): Promise<Runtime> => {
  const db = config.databaseUrl
    ? pgDb({ connectionString: config.databaseUrl, max: options.poolSize ?? 20 })
    : await openEmbeddedDb(config.dataDir, logger);
  try {
    if (options.migrate !== false) {
      const applied = await migrate(db);
      if (applied.length > 0) logger.info({ applied }, 'migrations applied');
    } else if (!(await db.ping())) {
      throw new Error('the database does not answer');
    }
    if (config.readerPassword) await enableReaderLogin(db, config.readerPassword);
  } catch (error) {
    await db.close().catch(() => undefined);
    const where = config.databaseUrl ? new URL(config.databaseUrl).host : config.dataDir;
    throw new StartupError(`cannot use the database at ${where}: ${describe(error)}`);
  }
  let store: EventStore;
  try {
    store =
      config.eventStore === 'eventstoredb' ? await openEventStoreDb(config, db) : postgresEventStore(db);
  } catch (error) {
    await db.close().catch(() => undefined);
    throw new StartupError(describe(error));
  }
  return {
    db,
    store,
    close: async () => {
      await store.close().catch(() => undefined);
      await db.close().catch(() => undefined);
    },
  };
};

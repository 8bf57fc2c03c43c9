import { resolve } from 'node:path';
import type { Config } from '../config/config.js';

/** Where the configured database is, naming no credentials: `host:port/database`, or the embedded folder. */
export const databaseLocation = (config: Config): string => config.databaseAddress ?? resolve(config.dataDir);

/** The line a command or server says on stderr about what it works on: never a quiet embedded database. */
export const databaseInUse = (config: Config): string => {
  const database = config.databaseAddress
    ? `using PostgreSQL at ${config.databaseAddress}`
    : `DATABASE_URL is not set: using the embedded database in ${databaseLocation(config)}`;
  return config.eventStore === 'eventstoredb' ? `${database}, events in EventStoreDB` : database;
};

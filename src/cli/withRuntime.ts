import { type Config, loadConfig } from '../config/config.js';
import { createLogger, type Logger } from '../observability/logger.js';
import { databaseInUse, databaseLocation } from '../runtime/databaseLocation.js';
import { embeddedDbExists } from '../runtime/embedded.js';
import { openRuntime, StartupError, type Runtime } from '../runtime/openRuntime.js';

export type RuntimeUse = {
  /** Already loaded by the command, to check what it needs before opening anything. */
  config?: Config;
  /** The command's own logger (default: warnings and worse). */
  logger?: Logger;
  /** `migrate` and `sync` bring the schema up to date themselves; other commands need the ledger's tables. */
  migrates?: boolean;
};

/**
 * Opens the configured database and store for one command, and always closes them. Without
 * DATABASE_URL a command never makes a new, empty embedded database (the usual mistake: a shell without
 * the server's DATABASE_URL; `serve` makes one). Once the database is open the command names it on stderr,
 * so whoever runs it sees where it acts. A database without the ledger's tables gets a hint to migrate
 * instead of a missing-relation error.
 */
export const withRuntime = async <T>(
  work: (runtime: Runtime) => Promise<T>,
  use: RuntimeUse = {},
): Promise<T> => {
  const config = use.config ?? loadConfig();
  if (!config.databaseUrl && !embeddedDbExists(config.dataDir)) {
    throw new StartupError(
      `DATABASE_URL is not set and there is no embedded database in ${databaseLocation(config)}: set DATABASE_URL to the server's postgres://... URL (or LEDGER_DATA_DIR to the embedded server's folder; \`stripe-ledger serve\` makes a new one)`,
    );
  }
  const runtime = await openRuntime(config, use.logger ?? createLogger('warn'), {
    migrate: false,
    poolSize: 4,
  });
  try {
    if (!use.migrates) {
      const { rows } = await runtime.db.query<{ migrated: boolean }>(
        `SELECT to_regclass('ledger.projection_checkpoints') IS NOT NULL AS migrated`,
      );
      if (!rows[0]?.migrated) {
        throw new StartupError(
          `the database at ${databaseLocation(config)} has no ledger tables: run \`stripe-ledger migrate\` first, or check DATABASE_URL`,
        );
      }
    }
    process.stderr.write(`stripe-ledger: ${databaseInUse(config)}\n`);
    return await work(runtime);
  } finally {
    await runtime.close();
  }
};

import { resolve } from 'node:path';
import { loadConfig } from '../config/config.js';
import { createLogger } from '../observability/logger.js';
import { embeddedDbExists } from '../runtime/embedded.js';
import { openRuntime, StartupError, type Runtime } from '../runtime/openRuntime.js';

/**
 * Opens the configured database and store for one command, and always closes them. Without
 * DATABASE_URL a command never makes a new, empty embedded database (the usual mistake: a shell without
 * the server's DATABASE_URL), and it says on stderr that it uses the embedded one. A database without
 * the ledger's tables gets a hint to migrate instead of a missing-relation error.
 */
export const withRuntime = async <T>(work: (runtime: Runtime) => Promise<T>): Promise<T> => {
  const config = loadConfig();
  if (!config.databaseUrl) {
    const dir = resolve(config.dataDir);
    if (!embeddedDbExists(dir)) {
      throw new StartupError(
        `DATABASE_URL is not set and there is no embedded database in ${dir}: set DATABASE_URL to the server's postgres://... URL (or LEDGER_DATA_DIR to the embedded server's folder)`,
      );
    }
    process.stderr.write(`stripe-ledger: DATABASE_URL is not set: using the embedded database in ${dir}\n`);
  }
  const runtime = await openRuntime(config, createLogger('warn'), { migrate: false, poolSize: 4 });
  try {
    const { rows } = await runtime.db.query<{ migrated: boolean }>(
      `SELECT to_regclass('ledger.projection_checkpoints') IS NOT NULL AS migrated`,
    );
    if (!rows[0]?.migrated) {
      const where = config.databaseUrl ? new URL(config.databaseUrl).host : resolve(config.dataDir);
      throw new StartupError(
        `the database at ${where} has no ledger tables: run \`stripe-ledger migrate\` first, or check DATABASE_URL`,
      );
    }
    return await work(runtime);
  } finally {
    await runtime.close();
  }
};

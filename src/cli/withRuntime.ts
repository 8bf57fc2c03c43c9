import { type Config, loadConfig } from '../config/config.js';
import { CONNECT_TIMEOUT_MS, type PgTimeouts } from '../db/pg.js';
import { createLogger, type Logger } from '../observability/logger.js';
import { databaseInUse, databaseLocation } from '../runtime/databaseLocation.js';
import { withDeadline } from '../runtime/deadline.js';
import { embeddedDbExists } from '../runtime/embedded.js';
import { openRuntime, StartupError, type Runtime } from '../runtime/openRuntime.js';

/**
 * An operator command's deadlines. statement: what PostgreSQL cancels; query: what we stop waiting for
 * when the server hangs (connections open, nothing answers: only this one fires), a little longer so a
 * server that answers reports its own cancellation; lock: how long a command queues behind a lock (a
 * projector batch holds its checkpoints far shorter); idle in transaction: a command stopped
 * mid-transaction gives its locks back. `projections status` is a health check: it must end.
 */
export const COMMAND_TIMEOUTS = {
  statementMs: 10_000,
  queryMs: 12_000,
  lockMs: 5_000,
  idleInTransactionMs: 30_000,
} satisfies PgTimeouts;

/** Closing the pools waits for the server to say goodbye; one that hangs never does. */
const CLOSE_DEADLINE_MS = 2000;

export type RuntimeUse = {
  /** Already loaded by the command, to check what it needs before opening anything. */
  config?: Config;
  /** The command's own logger (default: warnings and worse). */
  logger?: Logger;
  /** `migrate` brings the schema up to date itself; other commands need the ledger's tables. */
  migrates?: boolean;
  /** `sync`, like `serve`, brings the schema up to date before it starts: over a connection of its own
   * without deadlines, while the command's own statements keep theirs. */
  migratesFirst?: boolean;
  /** What the command does, for the line it fails with when the database does not answer in time
   * ("reading the projections' status"). */
  doing?: string;
  /** The deadlines of the command's pool. Default: COMMAND_TIMEOUTS, or none for a command that migrates
   * (a migration's statements over every row fit no deadline). */
  timeouts?: PgTimeouts;
};

const seconds = (ms: number | undefined) => `${(ms ?? 0) / 1000} s`;

/** The error and what caused it, outermost first (a rebuild's report wraps the database's error). */
const causes = (error: unknown): unknown[] =>
  error instanceof Error && error.cause !== undefined ? [error, ...causes(error.cause)] : [error];

/**
 * The one line for a command the database left waiting past a deadline, naming the database and what
 * the command was doing; undefined for any other error.
 */
const deadlineMessage = (
  error: unknown,
  where: string,
  doing: string,
  timeouts: PgTimeouts,
): string | undefined => {
  for (const cause of causes(error)) {
    const { code, message } = (cause ?? {}) as { code?: unknown; message?: unknown };
    const text = String(message);
    if (text === 'Query read timeout') {
      return `the database at ${where} did not answer within ${seconds(timeouts.queryMs)} while ${doing}: check that PostgreSQL is up and not overloaded`;
    }
    if (/timeout exceeded when trying to connect|connection timeout/i.test(text)) {
      return `the database at ${where} did not accept a connection within ${seconds(CONNECT_TIMEOUT_MS)} while ${doing}: check that PostgreSQL is up and not overloaded`;
    }
    if (code === '57014' && /statement timeout/.test(text)) {
      return `the database at ${where} cancelled a statement that ran longer than ${seconds(timeouts.statementMs)} while ${doing}: check that PostgreSQL is not overloaded, then try again`;
    }
    if (code === '55P03') {
      return `the database at ${where} kept the command waiting too long for a lock while ${doing}: another session holds it (a long query, a migration, a rebuild's swap); try again`;
    }
  }
  return undefined;
};

/**
 * Opens the configured database and store for one command, and always closes them. Without
 * DATABASE_URL a command never makes a new, empty embedded database (the usual mistake: a shell without
 * the server's DATABASE_URL; `serve` makes one). Once the database is open the command names it on stderr,
 * so whoever runs it sees where it acts. A database without the ledger's tables gets a hint to migrate
 * instead of a missing-relation error; one that stops answering, a line saying so once a deadline passes.
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
  const timeouts = use.timeouts ?? (use.migrates ? {} : COMMAND_TIMEOUTS);
  const runtime = await openRuntime(config, use.logger ?? createLogger('warn'), {
    migrate: use.migratesFirst === true,
    poolSize: 4,
    timeouts,
  });
  try {
    if (!use.migrates && !use.migratesFirst) {
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
  } catch (error) {
    const message = deadlineMessage(
      error,
      databaseLocation(config),
      use.doing ?? 'running the command',
      timeouts,
    );
    throw message === undefined ? error : new Error(message, { cause: error });
  } finally {
    // A server that stopped answering never acknowledges the goodbye: the command ends regardless.
    await withDeadline(runtime.close(), CLOSE_DEADLINE_MS, 'closing the database').catch(() => undefined);
  }
};

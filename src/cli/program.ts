import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { ConfigError, loadConfig } from '../config/config.js';
import { migrate } from '../db/migrate.js';
import { createLogger } from '../observability/logger.js';
import { StartupError } from '../runtime/openRuntime.js';
import { demoCommand } from './demo.js';
import { eventsCommand } from './eventsCommand.js';
import { projectionsCommand, UsageError } from './projectionsCommand.js';
import { rebuildCommand } from './rebuildCommand.js';
import { serve, type Role } from './serve.js';
import { syncCommand } from './syncCommand.js';
import { withRuntime } from './withRuntime.js';
import { errorMessage } from '../shared/errorMessage.js';

/** Every command exits 0 on success, or non-zero with one clear line on stderr: 2 for usage and
 * configuration errors (README), 1 for failures at run time, 3 from `projections status` (a failed projection). */
const fail = (error: unknown): never => {
  // commander has already printed its own line (unknown command, missing argument) or the help.
  if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? 0 : 2);
  const message = errorMessage(error);
  process.stderr.write(`stripe-ledger: ${message}\n`);
  process.exit(
    error instanceof ConfigError || error instanceof StartupError || error instanceof UsageError ? 2 : 1,
  );
};

const parseRole = (value: string): Role => {
  if (value === 'all' || value === 'web' || value === 'projector') return value;
  throw new InvalidArgumentError('must be all, web or projector');
};

// A reader that stops early (`stripe-ledger events show pi_1 | head`) closes the pipe: that is its
// answer, not a failure to report with a stack trace. Not for serve: its logs are its supervisor's.
if (process.argv[2] !== 'serve') {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(0);
  });
}

const program = new Command('stripe-ledger').description('Event-sourced payments ledger for Stripe webhooks');

program
  .command('migrate')
  .description('apply database migrations')
  .action(async () => {
    const applied = await withRuntime((runtime) => migrate(runtime.db), { migrates: true });
    process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'already up to date\n');
  });

program
  .command('serve')
  .description('run the ledger: webhooks, query API and projector')
  .option('--role <role>', 'all, web or projector', parseRole, 'all' as Role)
  .action(async (options: { role: Role }) => {
    const config = loadConfig();
    const logger = createLogger(config.logLevel);
    const running = await serve(config, logger, { role: options.role });
    const shutdown = (signal: string) => {
      logger.info({ signal }, 'shutting down');
      running.stop().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    };
    process.once('SIGINT', () => shutdown('SIGINT'));
    process.once('SIGTERM', () => shutdown('SIGTERM'));
  });

program.addCommand(projectionsCommand(rebuildCommand()));
program.addCommand(eventsCommand());
program.addCommand(demoCommand());
program.addCommand(syncCommand());

/** commander exits 1 on a usage error by default; thrown instead, `fail` exits 2. */
const throwUsageErrors = (command: Command): void => {
  command.exitOverride();
  command.commands.forEach(throwUsageErrors);
};
throwUsageErrors(program);

program.parseAsync(process.argv).catch(fail);

import { Command } from 'commander';
import { projections } from '../../projections/index.js';
import { markActive } from '../projector/checkpoints.js';
import { openFailures } from '../projector/failures.js';
import { describeRebuild } from '../projector/rebuildRecord.js';
import { projectionStatus } from '../projector/status.js';
import { printJson, printTable } from './output.js';
import { withRuntime } from './withRuntime.js';

export class UsageError extends Error {}

/** `projections status` exits with this when a projection has failed (SPEC section 7). */
export const FAILED_EXIT_CODE = 3;
/** `projections status` exits with this when a projection is behind and no worker projects it. */
export const STALLED_EXIT_CODE = 4;
/** `projections status`: a projection stands past the log's head (the event store replaced or restored). */
export const AHEAD_EXIT_CODE = 5;

const knownNames = () => projections.map((projection) => projection.name as string);

export const checkProjectionNames = (names: string[]): void => {
  const unknown = names.filter((name) => !knownNames().includes(name));
  if (unknown.length > 0) {
    throw new UsageError(`unknown projection ${unknown.join(', ')}: known are ${knownNames().join(', ')}`);
  }
};

export const projectionsCommand = (rebuild: Command): Command => {
  const command = new Command('projections').description('projection status, failures, retry and rebuild');

  command
    .command('status')
    .description(
      'position, head, lag, state and last error of every projection; exits 3 when one failed, 4 when one is behind with no projector running, 5 when one stands past the end of the log',
    )
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const status = await withRuntime(({ db, store }) => projectionStatus(db, store), {
        doing: "reading the projections' status",
      });
      const stalled = status.filter((projection) => projection.state === 'stalled').map(({ name }) => name);
      const ahead = status.filter((projection) => projection.state === 'ahead');
      // A failed projection makes this a failing health check (docker-compose's projector uses it).
      if (status.some((projection) => projection.state === 'failed')) process.exitCode = FAILED_EXIT_CODE;
      else if (ahead.length > 0) process.exitCode = AHEAD_EXIT_CODE;
      else if (stalled.length > 0) process.exitCode = STALLED_EXIT_CODE;
      if (ahead.length > 0) {
        process.stderr.write(
          `stripe-ledger: ${ahead.map(({ name }) => name).join(', ')} ${ahead.length === 1 ? 'stands' : 'stand'} past the end of the event log (position ${Math.max(...ahead.map(({ position }) => position))}, head ${ahead[0]!.head}): the event store is not the one they were projected from (replaced, or restored from an older backup), and nothing appended to it is projected; \`stripe-ledger projections rebuild --all\` projects the log as it is\n`,
        );
      }
      if (stalled.length > 0) {
        process.stderr.write(
          `stripe-ledger: ${stalled.join(', ')} ${stalled.length === 1 ? 'is' : 'are'} behind and no projector is running: start one (\`stripe-ledger serve\`, or \`serve --role projector\` beside web roles)\n`,
        );
      }
      if (options.json) return printJson(status);
      printTable(status as unknown as Record<string, unknown>[], [
        'name',
        'state',
        'position',
        'head',
        'lag_events',
        'lag_seconds',
        'open_failures',
        'last_error',
      ]);
      for (const rebuild of new Set(status.flatMap(({ rebuild }) => (rebuild === null ? [] : [rebuild])))) {
        process.stdout.write(`rebuilding ${rebuild.projections.join(', ')}: ${describeRebuild(rebuild)}\n`);
      }
    });

  command
    .command('failures')
    .description('events the projections could not apply')
    .argument('[name]', 'only this projection')
    .option('--json', 'print JSON')
    .action(async (name: string | undefined, options: { json?: boolean }) => {
      if (name) checkProjectionNames([name]);
      const failures = await withRuntime(({ db }) => openFailures(db, name), {
        doing: 'reading the projection failures',
      });
      if (options.json) return printJson(failures);
      if (failures.length === 0) return void process.stdout.write('no open failures\n');
      printTable(failures as unknown as Record<string, unknown>[], [
        'projection',
        'position',
        'stripe_event_id',
        'event_type',
        'attempts',
        'first_seen',
        'last_seen',
        'error',
      ]);
    });

  command
    .command('retry')
    .description('resume a failed projection at the event it stopped on')
    .argument('<name>', 'projection name')
    .action(async (name: string) => {
      checkProjectionNames([name]);
      const resumed = await withRuntime(({ db }) => markActive(db, name), { doing: `resuming ${name}` });
      if (resumed === null) return void process.stdout.write(`${name}: not failed, nothing to retry\n`);
      if (resumed.workerRunning) {
        process.stdout.write(
          `${name}: resumed; the projector retries the failed event now (\`projections status\` shows failed again if the fix is not deployed yet)\n`,
        );
      } else {
        process.stdout.write(`${name}: resumed\n`);
        process.stderr.write(
          `stripe-ledger: no projector is running: start one (\`stripe-ledger serve\`, or \`serve --role projector\`) to retry the failed event\n`,
        );
      }
    });

  command.addCommand(rebuild);
  return command;
};

import cliProgress from 'cli-progress';
import { Command } from 'commander';
import { projections } from '../../projections/index.js';
import { loadConfig } from '../config/config.js';
import { pgDb, type PgTimeouts } from '../db/pg.js';
import type { Db } from '../db/port.js';
import { rebuildProjections, type RebuildOptions, type RebuildProgress } from '../projector/rebuild.js';
import { withDeadline } from '../runtime/deadline.js';
import { checkProjectionNames, UsageError } from './projectionsCommand.js';
import { withRuntime } from './withRuntime.js';
import { onParentGone } from './heapCap.js';

/** The rebuild's catalog, lock waits, log reads and swap: the live projector's deadlines (the swap
 * applies the last events as a projector batch does). */
const REBUILD_TIMEOUTS = {
  statementMs: 60_000,
  queryMs: 65_000,
  lockMs: 10_000,
  idleInTransactionMs: 60_000,
} satisfies PgTimeouts;

/** Its long work (writing millions of rows, building indexes over them) fits no statement deadline; its
 * lock waits keep one. A server that stops answering still ends the rebuild: the pings of its lock go
 * unanswered, and a rebuild that lost its lock stops at once (rebuildLock.ts). */
const WORK_TIMEOUTS = { lockMs: 10_000, idleInTransactionMs: 60_000 } satisfies PgTimeouts;

/** The rebuild on connections of its own for the long work (PostgreSQL); the embedded database has one. */
const rebuildWithWorkPool = async (databaseUrl: string | undefined, options: RebuildOptions) => {
  const workDb: Db = databaseUrl
    ? pgDb({
        connectionString: databaseUrl,
        max: 4,
        applicationName: 'stripe-ledger rebuild',
        timeouts: WORK_TIMEOUTS,
      })
    : options.db;
  try {
    return await rebuildProjections({ ...options, workDb });
  } finally {
    if (workDb !== options.db) {
      // A statement left waiting on a server that stopped answering would hold the close for ever.
      await withDeadline(workDb.close(), 2000, 'closing the rebuild connections').catch(() => undefined);
    }
  }
};

/** A bar on a terminal; JSON lines (at most one a second) for logs and scripts. */
const progressReporter = () => {
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        format:
          'rebuild {phase} [{bar}] {percentage}% | {value}/{total} {unit} | {rate} events/s | ETA {eta_formatted}',
        stream: process.stderr,
      },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      update: (progress: RebuildProgress) => {
        if (!started) bar.start(progress.total, 0, { rate: 0, phase: progress.phase, unit: progress.unit });
        started = true;
        bar.setTotal(progress.total);
        bar.update(progress.done, {
          rate: Math.round(progress.eventsPerSecond),
          phase: progress.phase,
          unit: progress.unit,
        });
      },
      stop: () => started && bar.stop(),
    };
  }
  let last = 0;
  let phase = '';
  return {
    update: (progress: RebuildProgress) => {
      if (Date.now() - last < 1000 && progress.phase === phase) return;
      last = Date.now();
      phase = progress.phase;
      process.stdout.write(
        `${JSON.stringify({ event: 'progress', phase: progress.phase, done: progress.done, total: progress.total, unit: progress.unit, events_per_second: Math.round(progress.eventsPerSecond), eta_seconds: progress.etaSeconds === null ? null : Math.round(progress.etaSeconds) })}\n`,
      );
    },
    stop: () => undefined,
  };
};

export const rebuildCommand = (): Command =>
  new Command('rebuild')
    .description('build projections fresh beside the live tables from position 0, then swap them in')
    .argument('[names...]', 'projections to rebuild')
    .option('--all', 'rebuild every projection')
    .action(async (names: string[], options: { all?: boolean }) => {
      if (options.all && names.length > 0) throw new UsageError('give projection names or --all, not both');
      if (!options.all && names.length === 0)
        throw new UsageError('name the projections to rebuild, or pass --all');
      checkProjectionNames(names);
      const chosen = options.all
        ? projections
        : projections.filter((projection) => names.includes(projection.name));
      const config = loadConfig();
      const abort = new AbortController();
      const onSignal = () => abort.abort();
      // `on`, not `once`: a Ctrl-C reaches this (capped) process twice, from the terminal and from its parent.
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      const forgetParent = onParentGone(onSignal);
      const progress = progressReporter();
      try {
        const report = await withRuntime(
          ({ db, store }) =>
            rebuildWithWorkPool(config.databaseUrl, {
              db,
              store,
              projections: chosen,
              onProgress: progress.update,
              signal: abort.signal,
            }),
          {
            config,
            timeouts: REBUILD_TIMEOUTS,
            doing: `rebuilding ${chosen.map((projection) => projection.name).join(', ')}`,
          },
        );
        progress.stop();
        process.stdout.write(`${JSON.stringify({ event: 'swapped', ...report })}\n`);
      } finally {
        progress.stop();
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        forgetParent();
      }
    });

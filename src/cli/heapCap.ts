import { spawn } from 'node:child_process';
import { constants } from 'node:os';

/**
 * Old-generation heap a rebuild runs with, MiB. Left alone, V8 lets a rebuild's heap grow to four times
 * what it holds (the folded states churn through the old generation): a 1,000,000-event rebuild peaked
 * at 1.4 GB of RSS holding ~130 MB, enough to have a small container killed. Capped, parent and child
 * together peak near 530 MB, for 10-30 % more time. The rebuild keeps what it holds bounded (rebuildSession.ts), and writes
 * what it holds early when the heap runs short, so the cap does not run it out of memory.
 */
export const REBUILD_HEAP_MIB = 352;

/** Young-generation semi-space, MiB. V8's default (16) reserves ~50 MB of young generation the rebuild's
 * short-lived batch objects do not need: 8 measured 16 MiB less peak RSS on 1,000,000 events (438 vs
 * 454 MiB for the child) in no more time; 4 saved 15 MiB more for a fifth more time. */
const REBUILD_SEMI_SPACE_MIB = 8;

/** Marks the capped child, so it does not spawn another. */
const CHILD_MARK = 'STRIPE_LEDGER_HEAP_CAPPED';

const setsHeapSize = (args: readonly string[]) => args.some((arg) => arg.startsWith('--max-old-space-size'));

/** Whether this process already runs with a heap size chosen (by us, or by the operator's NODE_OPTIONS). */
const heapChosen = () =>
  process.env[CHILD_MARK] === '1' ||
  setsHeapSize(process.execArgv) ||
  setsHeapSize((process.env.NODE_OPTIONS ?? '').split(/\s+/));

/**
 * Runs this very command again in a child process with the heap capped (main.ts, before the CLI is
 * loaded), and resolves with the child's exit code; null when this process is that child (or a heap
 * size was chosen already): run the command here.
 * Signals go to the child, which stops cleanly (a rebuild aborts and swaps nothing); stdio is shared,
 * so its progress bar and its lines are the command's.
 */
export const rerunWithHeapCap = (heapMiB: number): Promise<number> | null => {
  if (heapChosen()) return null;
  const child = spawn(
    process.execPath,
    [
      ...process.execArgv,
      `--max-old-space-size=${heapMiB}`,
      `--max-semi-space-size=${REBUILD_SEMI_SPACE_MIB}`,
      ...process.argv.slice(1),
    ],
    // The IPC channel only tells the child when this process is gone (onParentGone).
    { stdio: ['inherit', 'inherit', 'inherit', 'ipc'], env: { ...process.env, [CHILD_MARK]: '1' } },
  );
  const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
  const onInt = forward('SIGINT');
  const onTerm = forward('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      if (signal !== null) {
        // Killed before it could say anything (kill -9, the out-of-memory killer): the command says it.
        process.stderr.write(
          `stripe-ledger: the process running the command was killed (${signal}) before it finished; a rebuild swaps in one transaction, so the live tables are as they were unless it had reported "swapped": run it again\n`,
        );
      }
      resolve(code ?? 128 + (signal === null ? 0 : constants.signals[signal]));
    });
  });
};

/** In the capped child: calls `stop` when the parent is gone (killed outright, so it cannot pass a
 * signal on), so the work stops instead of running on unseen. */
export const onParentGone = (stop: () => void): (() => void) => {
  if (process.env[CHILD_MARK] !== '1' || !process.connected) return () => undefined;
  // The channel must not keep this process alive once its work is done.
  process.channel?.unref();
  process.once('disconnect', stop);
  return () => process.off('disconnect', stop);
};

import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';

/** Another process has the folder open: PGlite has no locking of its own, and two of them corrupt it. */
export class DataDirInUseError extends Error {}

export type DataDirLock = { release(): Promise<void> };

/**
 * The lock is a directory beside the database (mkdir is atomic), kept fresh by proper-lockfile, which
 * renews its mtime every staleMs / 2 while the holder lives. A pid would prove nothing: two containers
 * sharing a volume are both pid 1, and a pid is reused after a crash.
 */
export const LOCK_DIRECTORY = 'pgdata.lock';
/** Starters take their turn here before they look at the lock itself (why: see lockDataDir). */
export const TURN_DIRECTORY = 'pgdata.starting.lock';

/** A lock not renewed for this long is one whose process is gone (kill -9, a vanished host). */
export const DEFAULT_STALE_MS = 20_000;
// The turn is held for a few milliseconds; proper-lockfile's shortest staleness (2 s) frees the turn of a
// starter killed while holding it, and a waiting starter tries for longer than that.
const TURN_STALE_MS = 2_000;
const TURN_RETRIES = { retries: 40, minTimeout: 20, maxTimeout: 250, factor: 1.5 };

export type LockOptions = {
  staleMs?: number;
  /** Our lock was removed or renewed by someone else: another process may open the folder now. */
  onCompromised(error: Error): void;
};

/** Folders this process holds, so that a second opening here is refused with its own message. */
const heldHere = new Set<string>();

const isLocked = (error: unknown) => (error as NodeJS.ErrnoException).code === 'ELOCKED';

const takeTurn = async (dir: string) => {
  try {
    return await lockfile.lock(join(dir, 'pgdata.starting'), {
      realpath: false,
      stale: TURN_STALE_MS,
      retries: TURN_RETRIES,
      // Held for milliseconds; its renewal never runs before it is released.
      onCompromised: () => undefined,
    });
  } catch (error) {
    if (!isLocked(error)) throw error;
    throw new DataDirInUseError(
      `the embedded database in ${dir} is being opened by other stripe-ledger processes that keep starting: ` +
        'start one at a time',
    );
  }
};

/** Who holds the folder, as far as its lock tells: a process that was killed holds it until the lock
 * goes stale, and the one line says when that will be (another folder would start an empty ledger). */
const inUseMessage = async (dir: string, staleMs: number): Promise<string> => {
  const renewed = await stat(join(dir, LOCK_DIRECTORY)).then(
    (lock) => lock.mtimeMs,
    () => null,
  );
  const left = renewed === null ? null : Math.max(1, Math.ceil((renewed + staleMs - Date.now()) / 1000));
  return (
    `the embedded database in ${dir} is in use by another stripe-ledger process: stop it and run this ` +
    `again${left === null ? '' : `; if that process was killed, its lock is taken over in ${left} s (once unrenewed for ${staleMs / 1000} s)`}`
  );
};

/**
 * Takes the data folder for this process until release() (or exit, when proper-lockfile removes it).
 * A lock left by a process that died is taken over once it has not been renewed for staleMs.
 *
 * proper-lockfile takes over a stale lock with stat, then rmdir, then mkdir: two starters that both saw
 * it stale could each remove the lock the other had just made and both go on. So every starter first takes
 * a turn (a second, short-lived lock), and only one at a time looks at the lock and takes it.
 */
export const lockDataDir = async (
  dir: string,
  { staleMs = DEFAULT_STALE_MS, onCompromised }: LockOptions,
): Promise<DataDirLock> => {
  if (heldHere.has(dir))
    throw new DataDirInUseError(`the embedded database in ${dir} is already open in this process`);
  const endTurn = await takeTurn(dir);
  let releaseLock: () => Promise<void>;
  try {
    releaseLock = await lockfile.lock(join(dir, 'pgdata'), {
      realpath: false,
      stale: staleMs,
      retries: 0,
      onCompromised: (error) => {
        heldHere.delete(dir);
        onCompromised(error);
      },
    });
  } catch (error) {
    if (!isLocked(error)) throw error;
    throw new DataDirInUseError(await inUseMessage(dir, staleMs));
  } finally {
    await endTurn().catch(() => undefined);
  }
  heldHere.add(dir);
  return {
    release: async () => {
      if (!heldHere.delete(dir)) return;
      await releaseLock().catch(() => undefined);
    },
  };
};

import type { Db, Queryable } from '../db/port.js';
import { withDeadline } from '../runtime/deadline.js';
import { RebuildError } from './rebuildError.js';
import { describeRebuild, REBUILD_LEASE, runningRebuilds } from './rebuildRecord.js';

export const LOCK_LOST_MESSAGE =
  'rebuild stopped: it lost its lock (the database session holding it ended or stopped answering), so another rebuild may have started; nothing was swapped, the live tables are untouched: run it again';

/** Releasing says goodbye to the server, which a database that stopped answering never acknowledges. */
const RELEASE_DEADLINE_MS = 2000;

export type RebuildLock = {
  /** True once the lock is known lost. */
  isLost(): boolean;
  /** Throws once the lock is known lost: the rebuild stops at its next step. */
  check(): void;
  /** Rejects with LOCK_LOST_MESSAGE as soon as the lock is known lost. */
  lost: Promise<never>;
  /** Inside the swap transaction: throws unless the session that took the lock holds it still. Its
   * connection may have gone unnoticed (a network that froze): only the server knows. */
  assertHeld(tx: Queryable): Promise<void>;
  release(): Promise<void>;
};

/**
 * Takes the rebuild lock (one rebuild at a time across processes) and watches it. It lives in a
 * session of its own (tryLease), which may end while the rebuild runs (killed, its connection dropped):
 * then another rebuild can start, and this one must stop writing and never swap.
 */
export const takeRebuildLock = async (db: Db): Promise<RebuildLock> => {
  const lease = await db.tryLease(REBUILD_LEASE);
  if (!lease) {
    const running = await runningRebuilds(db).catch(() => []);
    const which = running.map(
      (rebuild) => ` (${rebuild.projections.join(', ')}: ${describeRebuild(rebuild)})`,
    );
    throw new RebuildError(`a rebuild is already running${which.join('')}`);
  }
  const release = () =>
    withDeadline(lease.release(), RELEASE_DEADLINE_MS, 'releasing the rebuild lock').catch(() => undefined);
  let isLost = false;
  const lost = lease.lost.then((): never => {
    isLost = true;
    throw new RebuildError(LOCK_LOST_MESSAGE);
  });
  lost.catch(() => undefined);
  let held: boolean;
  try {
    held = await lease.stillHeld(db);
  } catch (error) {
    await release();
    throw error;
  }
  if (!held) {
    await release();
    throw new RebuildError(LOCK_LOST_MESSAGE);
  }
  return {
    isLost: () => isLost,
    check: () => {
      if (isLost) throw new RebuildError(LOCK_LOST_MESSAGE);
    },
    lost,
    assertHeld: async (tx) => {
      if (isLost || !(await lease.stillHeld(tx))) {
        throw new RebuildError(LOCK_LOST_MESSAGE);
      }
    },
    release,
  };
};

import type { Db, Queryable } from '../db/port.js';
import { withDeadline } from '../runtime/deadline.js';
import { RebuildError } from './rebuildError.js';

const LEASE = 'rebuild';

export const LOCK_LOST_MESSAGE =
  'rebuild stopped: it lost its lock (the database session holding it ended or stopped answering), so another rebuild may have started; nothing was swapped, the live tables are untouched: run it again';

/** Releasing says goodbye to the server, which a database that stopped answering never acknowledges. */
const RELEASE_DEADLINE_MS = 2000;

/**
 * The session holding the lease's advisory lock, as pid and start time (a pid alone could name a later
 * session). tryLease (src/db/pg.ts) locks hashtext('stripe-ledger:' || name); pg_locks shows a bigint
 * key as its high and low 32 bits.
 */
const HOLDER = `
  SELECT a.pid || '@' || a.backend_start AS holder
    FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
   WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
     AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
     AND l.classid = ((hashtext('stripe-ledger:' || $1::text)::bigint >> 32) & 4294967295)::oid
     AND l.objid = (hashtext('stripe-ledger:' || $1::text)::bigint & 4294967295)::oid`;

const holderOf = async (db: Queryable): Promise<string | undefined> =>
  (await db.query<{ holder: string }>(HOLDER, [LEASE])).rows[0]?.holder;

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
  const lease = await db.tryLease(LEASE);
  if (!lease) throw new RebuildError('a rebuild is already running');
  const release = () =>
    withDeadline(lease.release(), RELEASE_DEADLINE_MS, 'releasing the rebuild lock').catch(() => undefined);
  let isLost = false;
  const lost = lease.lost.then((): never => {
    isLost = true;
    throw new RebuildError(LOCK_LOST_MESSAGE);
  });
  lost.catch(() => undefined);
  // The embedded database is one process's alone: its lock cannot be lost.
  let holder: string | undefined;
  if (db.kind === 'postgres') {
    try {
      holder = await holderOf(db);
    } catch (error) {
      await release();
      throw error;
    }
    if (holder === undefined) {
      await release();
      throw new RebuildError(LOCK_LOST_MESSAGE);
    }
  }
  return {
    isLost: () => isLost,
    check: () => {
      if (isLost) throw new RebuildError(LOCK_LOST_MESSAGE);
    },
    lost,
    assertHeld: async (tx) => {
      if (isLost || (holder !== undefined && (await holderOf(tx)) !== holder)) {
        throw new RebuildError(LOCK_LOST_MESSAGE);
      }
    },
    release,
  };
};

import type { AppliedMigration } from '../db/migrate.js';
import { PREPARED, type Queryable } from '../db/port.js';

/** A worker's heartbeat older than this: no worker runs the projection (projections status says so). */
export const HEARTBEAT_STALE_MS = 15_000;

export type Checkpoint = {
  projection: string;
  position: number;
  state: 'active' | 'failed';
  last_error: string | null;
  owner: string | null;
  heartbeat_at: Date | null;
  updated_at: Date;
};

/** Named, not *: a prepared statement's result columns must not change under it (a migration adding a
 * column while an older process still runs). */
const CHECKPOINT_COLUMNS = 'projection, position, state, last_error, owner, heartbeat_at, updated_at';

export const ensureCheckpoints = (db: Queryable, names: readonly string[]) =>
  db.query(
    `INSERT INTO ledger.projection_checkpoints (projection) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING`,
    [names],
  );

export const readCheckpoints = async (db: Queryable): Promise<Checkpoint[]> =>
  (await db.query<Checkpoint>('SELECT * FROM ledger.projection_checkpoints ORDER BY projection')).rows;

/** Row locks on the checkpoints named by $1, taken in name order as lockCheckpoints takes them: a
 * multi-row UPDATE alone locks in scan order and could deadlock with a rebuild's swap. */
const LOCK_IN_NAME_ORDER = `SELECT projection FROM ledger.projection_checkpoints
   WHERE projection = ANY($1::text[]) ORDER BY projection FOR UPDATE`;

/** The checkpoints of these projections, unlocked: where their next batch starts (re-checked locked);
 * and, in the same statement, the newest migration applied to the database (a newer version's, after an
 * upgrade this process was not stopped for, fences it: src/db/migrate.ts). */
export const readCheckpointsOf = async (
  db: Queryable,
  names: readonly string[],
): Promise<{ checkpoints: Checkpoint[]; newestMigration: AppliedMigration | null }> => {
  const { rows } = await db.query<Checkpoint & { migration_version: number; migration_name: string }>(
    `SELECT ${CHECKPOINT_COLUMNS}, m.version AS migration_version, m.name AS migration_name
       FROM ledger.projection_checkpoints
       LEFT JOIN LATERAL (SELECT version, name FROM public.stripe_ledger_migrations ORDER BY version DESC LIMIT 1) m ON true
      WHERE projection = ANY($1::text[]) ORDER BY projection`,
    [names],
    PREPARED,
  );
  const first = rows[0];
  return {
    checkpoints: rows.map(({ migration_version: _v, migration_name: _n, ...checkpoint }) => checkpoint),
    newestMigration: first ? { version: first.migration_version, name: first.migration_name } : null,
  };
};

/**
 * Locks the checkpoint rows for a batch, in name order so two lockers of overlapping sets never
 * deadlock: a second worker (a zombie that lost its lease) waits, then sees the moved positions.
 */
export const lockCheckpoints = async (tx: Queryable, names: readonly string[]): Promise<Checkpoint[]> =>
  (
    await tx.query<Checkpoint>(
      `SELECT ${CHECKPOINT_COLUMNS} FROM ledger.projection_checkpoints WHERE projection = ANY($1::text[]) ORDER BY projection FOR UPDATE`,
      [names],
      PREPARED,
    )
  ).rows;

/**
 * Moves the active checkpoints of `names` that stand at `from` to `to`, and resolves the failures
 * recorded up to `to` for those, in one statement. Returns the projections moved: one no longer at
 * `from` (another worker moved it) or failed is left alone.
 */
export const advanceCheckpoints = async (
  db: Queryable,
  names: readonly string[],
  from: number,
  to: number,
): Promise<string[]> => {
  if (names.length === 0) return [];
  const { rows } = await db.query<{ projection: string }>(
    `WITH locked AS (${LOCK_IN_NAME_ORDER}),
     moved AS (
       UPDATE ledger.projection_checkpoints SET position = $3, updated_at = now()
        WHERE projection IN (SELECT projection FROM locked) AND position = $2 AND state = 'active'
        RETURNING projection),
     resolved AS (
       UPDATE ledger.projection_failures SET resolved_at = now()
        WHERE projection IN (SELECT projection FROM moved) AND position <= $3 AND resolved_at IS NULL)
     SELECT projection FROM moved`,
    [names, from, to],
    PREPARED,
  );
  return rows.map((row) => row.projection);
};

/** The projections' holder proves it is alive (projections status shows owner and heartbeat). */
export const heartbeat = (db: Queryable, names: readonly string[], owner: string) =>
  db.query(
    `WITH locked AS (${LOCK_IN_NAME_ORDER})
     UPDATE ledger.projection_checkpoints SET owner = $2, heartbeat_at = now()
      WHERE projection IN (SELECT projection FROM locked)`,
    [names, owner],
  );

export const markFailed = (tx: Queryable, projection: string, error: string) =>
  tx.query(
    `UPDATE ledger.projection_checkpoints SET state = 'failed', last_error = $2, updated_at = now() WHERE projection = $1`,
    [projection, error],
  );

/** `projections retry`: the worker resumes at the event it stopped on. */
/** Resumes a failed projection: null when it was not failed, else whether a worker holding it has
 * heartbeated within `withinMs` (one will retry the event now). */
export const markActive = async (
  db: Queryable,
  projection: string,
  withinMs = HEARTBEAT_STALE_MS,
): Promise<{ workerRunning: boolean } | null> => {
  const { rows } = await db.query<{ running: boolean }>(
    `UPDATE ledger.projection_checkpoints SET state = 'active', updated_at = now()
      WHERE projection = $1 AND state = 'failed'
      RETURNING coalesce(heartbeat_at > now() - make_interval(secs => $2::double precision / 1000), false) AS running`,
    [projection, withinMs],
  );
  return rows[0] === undefined ? null : { workerRunning: rows[0].running };
};

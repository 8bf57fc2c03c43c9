import type { Queryable } from '../db/port.js';

export type Checkpoint = {
  projection: string;
  position: number;
  state: 'active' | 'failed';
  last_error: string | null;
  owner: string | null;
  heartbeat_at: Date | null;
  updated_at: Date;
};

export const ensureCheckpoints = (db: Queryable, names: readonly string[]) =>
  db.query(
    `INSERT INTO ledger.projection_checkpoints (projection) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING`,
    [names],
  );

export const readCheckpoints = async (db: Queryable): Promise<Checkpoint[]> =>
  (await db.query<Checkpoint>('SELECT * FROM ledger.projection_checkpoints ORDER BY projection')).rows;

/** Locks the checkpoint row for the batch: a second worker (a zombie that lost its lease) waits, then sees the moved position. */
export const lockCheckpoint = async (tx: Queryable, projection: string): Promise<Checkpoint | undefined> =>
  (
    await tx.query<Checkpoint>(
      'SELECT * FROM ledger.projection_checkpoints WHERE projection = $1 FOR UPDATE',
      [projection],
    )
  ).rows[0];

export const advanceCheckpoint = (tx: Queryable, projection: string, position: number) =>
  tx.query(
    'UPDATE ledger.projection_checkpoints SET position = $2, updated_at = now() WHERE projection = $1',
    [projection, position],
  );

export const heartbeat = (db: Queryable, projection: string, owner: string) =>
  db.query(
    'UPDATE ledger.projection_checkpoints SET owner = $2, heartbeat_at = now() WHERE projection = $1',
    [projection, owner],
  );

export const markFailed = (tx: Queryable, projection: string, error: string) =>
  tx.query(
    `UPDATE ledger.projection_checkpoints SET state = 'failed', last_error = $2, updated_at = now() WHERE projection = $1`,
    [projection, error],
  );

/** `projections retry`: the worker resumes at the event it stopped on. */
export const markActive = async (db: Queryable, projection: string): Promise<boolean> =>
  (
    await db.query(
      `UPDATE ledger.projection_checkpoints SET state = 'active', updated_at = now()
        WHERE projection = $1 AND state = 'failed'`,
      [projection],
    )
  ).rowCount > 0;

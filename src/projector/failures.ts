import type { Queryable } from '../db/port.js';
import type { StoredEvent } from '../eventstore/port.js';

export type ProjectionFailure = {
  id: number;
  projection: string;
  position: number;
  event_id: string;
  stripe_event_id: string | null;
  event_type: string | null;
  error: string;
  attempts: number;
  first_seen: Date;
  last_seen: Date;
  resolved_at: Date | null;
};

/** Records (or counts another attempt at) the event a projection cannot apply. */
export const recordFailure = (tx: Queryable, projection: string, event: StoredEvent, error: string) =>
  tx.query(
    `INSERT INTO ledger.projection_failures (projection, position, event_id, stripe_event_id, event_type, error)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (projection, position) WHERE resolved_at IS NULL
     DO UPDATE SET attempts = projection_failures.attempts + 1, last_seen = now(), error = EXCLUDED.error`,
    [
      projection,
      event.position,
      event.id,
      event.metadata.stripe_event_id,
      event.metadata.stripe_event_type,
      error,
    ],
  );

/** Once the projection has moved past a failed event, its failure is resolved (kept for the record). */
export const openFailures = async (db: Queryable, projection?: string): Promise<ProjectionFailure[]> =>
  (
    await db.query<ProjectionFailure>(
      `SELECT * FROM ledger.projection_failures
        WHERE resolved_at IS NULL AND ($1::text IS NULL OR projection = $1) ORDER BY projection, position`,
      [projection ?? null],
    )
  ).rows;

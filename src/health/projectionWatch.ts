import type { Db } from '../db/port.js';
import type { EventStore } from '../eventstore/port.js';
import { projectionStatus, type ProjectionStatus } from '../projector/status.js';
import { cachedCheck, type CachedCheck } from './cachedCheck.js';

/** Projection status as health, metrics and finance responses see it: one query a second at most. */
export type ProjectionWatch = CachedCheck<ProjectionStatus[]>;

export const HEALTH_DEADLINE_MS = 3000;

export const projectionWatch = (db: Db, store: EventStore): ProjectionWatch =>
  cachedCheck(() => projectionStatus(db, store), {
    ttlMs: 1000,
    deadlineMs: HEALTH_DEADLINE_MS,
    what: 'projection status',
  });

/** A projection behind by more than this is lagging: finance is told its numbers may be incomplete. */
export const LAGGING_AFTER_SECONDS = 60;

/** Projections (of `names`) whose read models finance should not take at face value right now. */
export const staleProjections = (
  statuses: readonly ProjectionStatus[],
  names: readonly string[],
): ProjectionStatus[] =>
  statuses.filter(
    (status) =>
      names.includes(status.name) &&
      (status.state === 'failed' || status.state === 'ahead' || status.lag_seconds > LAGGING_AFTER_SECONDS),
  );

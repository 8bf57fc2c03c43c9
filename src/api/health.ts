import express, { type Router } from 'express';
import type { Db } from '../db/port.js';
import type { EventStore } from '../eventstore/port.js';
import { cachedCheck } from '../health/cachedCheck.js';
import { HEALTH_DEADLINE_MS, type ProjectionWatch } from '../health/projectionWatch.js';
import { redactErrorText } from '../health/redactError.js';
import { withDeadline } from '../runtime/deadline.js';

export type HealthReport = {
  /** ok: everything answers; degraded: ingest works but a projection failed, stalled (events wait
   * and no projector runs) or stands past the log's head; unavailable: a dependency does not answer (or not within the deadline). */
  status: 'ok' | 'degraded' | 'unavailable';
  database: { ok: boolean; kind: Db['kind'] };
  event_store: { ok: boolean; head: number | null };
  failed_projections: string[];
  /** Projections behind with no worker heartbeat: start a projector (`serve`, or `serve --role projector`). */
  stalled_projections: string[];
  /** Projections whose checkpoint stands past the log's head: the event store was replaced or restored
   * from an older backup; `projections rebuild --all` projects the log as it is. */
  ahead_projections: string[];
  /** Projection status did not answer within the deadline (a busy database): the projections shown are
   * the last read, and the status is at best degraded, never ok. */
  projections_unknown?: true;
  projections: {
    name: string;
    state: string;
    position: number;
    lag_events: number;
    lag_seconds: number;
    last_error: string | null;
  }[];
};

const answers = <T>(work: Promise<T>, what: string): Promise<T | null> =>
  withDeadline(work, HEALTH_DEADLINE_MS, what).catch(() => null);

const check = async (db: Db, store: EventStore, watch: ProjectionWatch): Promise<HealthReport> => {
  const [database, head, read] = await Promise.all([
    answers(db.ping(), 'the database ping').then((ok) => ok === true),
    answers(store.headPosition(), 'the event store head'),
    answers(watch.current(), 'projection status'),
  ]);
  const statuses = read ?? watch.last() ?? [];
  const projections = statuses.map(({ name, state, position, lag_events, lag_seconds, last_error }) => ({
    name,
    state,
    position,
    lag_events,
    lag_seconds,
    last_error: last_error === null ? null : redactErrorText(last_error),
  }));
  const namesIn = (state: string) =>
    projections.filter((projection) => projection.state === state).map(({ name }) => name);
  const [failed, stalled, ahead] = [namesIn('failed'), namesIn('stalled'), namesIn('ahead')];
  // Not knowing whether a projection failed is not knowing that all is well.
  const degraded = failed.length > 0 || stalled.length > 0 || ahead.length > 0 || read === null;
  return {
    status: !database || head === null ? 'unavailable' : degraded ? 'degraded' : 'ok',
    database: { ok: database, kind: db.kind },
    event_store: { ok: head !== null, head },
    failed_projections: failed,
    stalled_projections: stalled,
    ahead_projections: ahead,
    ...(read === null && { projections_unknown: true as const }),
    projections,
  };
};

const timedOut = (db: Db): HealthReport => ({
  status: 'unavailable',
  database: { ok: false, kind: db.kind },
  event_store: { ok: false, head: null },
  failed_projections: [],
  stalled_projections: [],
  ahead_projections: [],
  projections: [],
});

/**
 * GET /api/webhooks/health: 200 when the database and the event store answer (`degraded` naming failed
 * projections, or when their status did not answer in time: ingest still works), 503 otherwise. Cached
 * for a second, and answered within HEALTH_DEADLINE_MS whatever the database does, so probes can
 * neither pile up nor hang.
 */
export const healthRouter = (db: Db, store: EventStore, watch: ProjectionWatch): Router => {
  const report = cachedCheck(() => check(db, store, watch), {
    ttlMs: 1000,
    deadlineMs: HEALTH_DEADLINE_MS + 500,
    what: 'the health check',
  });
  const router = express.Router();
  router.get('/api/webhooks/health', async (_req, res) => {
    const body = await report.current().catch(() => timedOut(db));
    res.status(body.status === 'unavailable' ? 503 : 200).json(body);
  });
  return router;
};

import type { RequestHandler, Response } from 'express';
import { staleProjections, type ProjectionWatch } from '../health/projectionWatch.js';

export const STALE_HEADER = 'Ledger-Stale';

export type StaleProjection = { projection: string; state: string; lag_seconds: number };

/** What a response read that may be wrong: the projections `reads` names that failed or lag. */
export const staleOf = (res: Response): StaleProjection[] => (res.locals.stale as StaleProjection[]) ?? [];

/**
 * Before a finance route runs: when a projection it reads has failed or lags, the response carries
 * `Ledger-Stale: <names>` (and report bodies a `stale` list), so numbers short of refunds or disputes
 * never look complete. Projection status is cached (ProjectionWatch); when it cannot be read, the route
 * runs without the header and its own query reports the database.
 */
export const markStale =
  (watch: ProjectionWatch, reads: readonly string[]): RequestHandler =>
  async (_req, res, next) => {
    const statuses = await watch.current().catch(() => null);
    const stale = statuses === null ? [] : staleProjections(statuses, reads);
    res.locals.stale = stale.map(({ name, state, lag_seconds }): StaleProjection => ({
      projection: name,
      state,
      lag_seconds,
    }));
    if (stale.length > 0) res.setHeader(STALE_HEADER, stale.map(({ name }) => name).join(', '));
    next();
  };

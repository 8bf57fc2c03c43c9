import express, { type Router } from 'express';
import type { Db } from '../db/port.js';
import type { EventStore } from '../eventstore/port.js';
import { projectionStatus } from '../projector/status.js';

/** GET /api/webhooks/health: 200 when the database and the event store answer, 503 otherwise. */
export const healthRouter = (db: Db, store: EventStore): Router => {
  const router = express.Router();
  router.get('/api/webhooks/health', async (_req, res) => {
    const database = await db.ping();
    const head = await store.headPosition().catch(() => null);
    const eventStore = head !== null;
    const projections = database && eventStore ? await projectionStatus(db, store).catch(() => []) : [];
    const ok = database && eventStore;
    res.status(ok ? 200 : 503).json({
      status: ok ? 'ok' : 'unavailable',
      database: { ok: database, kind: db.kind },
      event_store: { ok: eventStore, head },
      projections: projections.map(({ name, state, position, lag_events, lag_seconds, last_error }) => ({
        name,
        state,
        position,
        lag_events,
        lag_seconds,
        last_error,
      })),
    });
  });
  return router;
};

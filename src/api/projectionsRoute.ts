import type { RequestHandler } from 'express';
import { z } from 'zod';
import { RECORDED_PHASES } from '../projector/rebuildRecord.js';
import { PROJECTION_STATES, projectionStatus } from '../projector/status.js';
import { parseParams } from './params.js';
import { sendUnavailable } from './errors.js';
import { isEventStoreOutage } from '../db/transient.js';
import { DeadlineExceeded, withDeadline } from '../runtime/deadline.js';
import type { Db } from '../db/port.js';
import type { EventStore } from '../eventstore/port.js';
import { errorMessage } from '../shared/errorMessage.js';

export const projectionRow = z.object({
  name: z.string(),
  position: z.int().describe('last event applied'),
  head: z.int().describe('last event in the store'),
  lag_events: z.int(),
  lag_events_estimated: z
    .boolean()
    .describe('EventStoreDB, far behind: lag_events past the first 500 is estimated from log offsets'),
  lag_seconds: z.number().describe('age of the oldest event not applied yet'),
  state: z.enum(PROJECTION_STATES),
  last_error: z.string().nullable(),
  owner: z.string().nullable(),
  heartbeat_at: z.iso.datetime().nullable(),
  open_failures: z.int(),
  rebuild: z
    .object({
      projections: z.array(z.string()),
      owner: z.string(),
      started_at: z.iso.datetime(),
      phase: z.enum(RECORDED_PHASES),
      done: z.int(),
      total: z.int(),
    })
    .nullable()
    .describe('the rebuild of this projection running now, with its progress; null when none runs'),
});

/** Status reads the checkpoints and the event store's head: past this, one of them does not answer. */
export const STATUS_DEADLINE_MS = 5000;

/** GET /api/projections: status and lag of every projection, read afresh (a client waiting for its
 * webhook to be projected polls it). 503 `status_unavailable` when the read did not answer in time or
 * the event store is away; a database that is away is answered as every route answers it (503
 * `database_unavailable`, errors.ts). */
export const projectionsRoute =
  (db: Db, store: EventStore): RequestHandler =>
  async (req, res) => {
    parseParams(z.strictObject({}), req.query);
    try {
      const data = await withDeadline(
        projectionStatus(db, store),
        STATUS_DEADLINE_MS,
        "the projections' status",
      );
      res.json({ data, next_cursor: null });
    } catch (error) {
      if (!(error instanceof DeadlineExceeded) && !isEventStoreOutage(error)) throw error;
      res.locals.error = errorMessage(error);
      sendUnavailable(
        res,
        'status_unavailable',
        "the projections' status did not answer in time: the event store (or the database) is not answering (GET /api/webhooks/health says which); retry shortly",
      );
    }
  };

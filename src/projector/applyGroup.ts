import type { Db, Queryable } from '../db/port.js';
import type { StoredEvent } from '../eventstore/port.js';
import type { Logger } from '../observability/logger.js';
import type { Links, Projection, StoryOf } from '../../projections/projection.js';
import { applyBatch, changesRows } from './engine/applyBatch.js';
import { advanceCheckpoints, lockCheckpoints, markFailed } from './checkpoints.js';
import { recordFailure } from './failures.js';
import { isTransient } from '../db/transient.js';
import { errorMessage } from '../shared/errorMessage.js';

/** One batch for projections whose checkpoints stand at `from`. `links`: what the event store knew of
 * the batch's charges, read before it. */
export type GroupBatch = {
  projections: readonly Projection[];
  events: readonly StoredEvent[];
  from: number;
  links: Links;
  /** Payment stories read on the batch's transaction (a history restated after a late link). */
  stories?: (tx: Queryable) => StoryOf;
};

const LEDGER = { schema: 'ledger' };

/**
 * The batch for all of them in one transaction: their checkpoints locked, the rows of each projection
 * the batch changes written, every checkpoint moved by one statement. A projection whose checkpoint is
 * no longer at `from` (a worker that has not noticed it lost its lease moved it) applies nothing.
 * Returns the projections moved.
 */
const inOneTransaction = async (db: Db, { projections, events, from, links, stories }: GroupBatch) => {
  const last = events.at(-1)!.position;
  const names = projections.map((projection) => projection.name);
  const changing = projections.filter((projection) => changesRows(projection, events, links));
  // Nothing in the batch for any of them (most batches, for most projections, while live): moving the
  // checkpoints is all, one fenced statement instead of a transaction.
  if (changing.length === 0) return advanceCheckpoints(db, names, from, last);
  return db.transaction(async (tx) => {
    const current = new Set(
      (await lockCheckpoints(tx, names))
        .filter((checkpoint) => checkpoint.position === from && checkpoint.state === 'active')
        .map((checkpoint) => checkpoint.projection),
    );
    // Side by side on the one connection: while PostgreSQL runs one projection's statement, Node folds
    // the next one's batch. Settled, not raced: nothing may still use the connection once it is handed back.
    const applied = await Promise.allSettled(
      changing
        .filter((projection) => current.has(projection.name))
        .map((projection) => applyBatch(tx, projection, events, LEDGER, links, stories?.(tx))),
    );
    const failed = applied.find((outcome) => outcome.status === 'rejected');
    if (failed) throw failed.reason;
    return advanceCheckpoints(tx, [...current], from, last);
  });
};

/** A batch failed for good for this projection: apply the events before the one that fails alone,
 * record that one, and stop the projection there (the others go on). */
const isolate = async (db: Db, logger: Logger, projection: Projection, batch: GroupBatch) => {
  let position = batch.from;
  for (const event of batch.events) {
    try {
      const moved = await inOneTransaction(db, {
        ...batch,
        projections: [projection],
        events: [event],
        from: position,
      });
      if (moved.length === 0) return;
      position = event.position;
    } catch (error) {
      if (isTransient(error)) throw error;
      const message = errorMessage(error);
      await db.transaction(async (tx) => {
        await recordFailure(tx, projection.name, event, message);
        await markFailed(
          tx,
          projection.name,
          `event ${event.metadata.stripe_event_id} at ${event.position}: ${message}`,
        );
      });
      logger.error(
        {
          projection: projection.name,
          position: event.position,
          stripe_event_id: event.metadata.stripe_event_id,
          error: message,
        },
        'projection stopped at an event it cannot apply',
      );
      return;
    }
  }
};

/**
 * Applies a batch to projections standing at the same checkpoint, in one transaction. When that fails
 * for good, each projection is tried alone, so one that cannot apply an event stops by itself and the
 * others go on.
 * Transient errors (the database away) are thrown: the caller retries the batch later.
 */
export const applyGroup = async (db: Db, logger: Logger, batch: GroupBatch): Promise<void> => {
  try {
    await inOneTransaction(db, batch);
  } catch (error) {
    if (isTransient(error)) throw error;
    // The healthy ones first, so they move on before the failing ones are taken apart event by event.
    const failing: Projection[] = [];
    for (const projection of batch.projections) {
      try {
        await inOneTransaction(db, { ...batch, projections: [projection] });
      } catch (failure) {
        if (isTransient(failure)) throw failure;
        failing.push(projection);
      }
    }
    for (const projection of failing) {
      await isolate(db, logger, projection, { ...batch, projections: [projection] });
    }
  }
};

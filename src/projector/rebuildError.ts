import type { StoredEvent } from '../eventstore/port.js';
import type { Links, Projection } from '../../projections/projection.js';
import { foldBatch } from './engine/foldBatch.js';
import { errorMessage } from '../shared/errorMessage.js';

export class RebuildError extends Error {
  constructor(
    message: string,
    readonly event?: { position: number; stripe_event_id: string; type: string },
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Folds one event alone, as the engine would (route, evolve, rows); throws what the engine threw. */
const foldAlone = (projection: Projection, event: StoredEvent, links: Links) => {
  const { fold } = projection;
  const { states } = foldBatch(fold, new Map(), fold.route([event], links));
  for (const [key, state] of states) {
    projection.rows?.(key, state);
    projection.stateColumns?.of(key, state);
  }
};

/**
 * The error of a batch that failed to fold, naming the event that fails on its own when there is one
 * (folding is pure, so the events are probed in memory); otherwise the error itself, which the rebuild
 * reports with what the operator can do about it (rebuild.ts).
 */
export const explainFailure = (
  projections: readonly Projection[],
  batch: readonly StoredEvent[],
  links: Links,
  error: unknown,
): unknown => {
  for (const event of batch) {
    for (const projection of projections) {
      try {
        foldAlone(projection, event, links);
      } catch (inner) {
        return new RebuildError(
          `rebuild of ${projection.name} failed at event ${event.metadata.stripe_event_id} (position ${event.position}, ${event.metadata.stripe_event_type}): ${errorMessage(inner)}`,
          {
            position: event.position,
            stripe_event_id: event.metadata.stripe_event_id,
            type: event.metadata.stripe_event_type,
          },
        );
      }
    }
  }
  return error;
};

import type { Db } from '../db/port.js';
import { readWithLinks, type ReadBatch } from './batchLinks.js';
import type { EventStore, StoredEvent } from '../eventstore/port.js';
import type { Projection, ProjectionTarget } from '../../projections/projection.js';
import { rebuildSession, type RebuildSessionOptions } from './engine/rebuildSession.js';
import { explainFailure } from './rebuildError.js';

/**
 * Folds the log from position 0 up to the head seen at the start (`head`) into the target tables with
 * a rebuild session; the next batch (and its charge links) is read while one is folded. Returns the
 * position of the last event folded.
 */
export const foldLog = async (options: {
  db: Db;
  store: EventStore;
  projections: readonly Projection[];
  target: ProjectionTarget;
  head: number;
  batchSize: number;
  session: RebuildSessionOptions;
  checkAbort: () => void;
  onBatch: (batch: readonly StoredEvent[]) => void;
}): Promise<number> => {
  const { db, store, projections, target, head, batchSize } = options;
  const session = rebuildSession(db, projections, target, options.session);
  // A read runs ahead while the previous batch folds: its failure (the database went away) must wait
  // for the loop to reach it, not surface meanwhile as an unhandled rejection that ends the process.
  const read = (after: number) => {
    const reading = readWithLinks(store, after, batchSize);
    reading.catch(() => undefined);
    return reading;
  };
  let position = 0;
  let next: Promise<ReadBatch> | null = head > 0 ? read(0) : null;
  while (next !== null) {
    options.checkAbort();
    const { events: batch, links } = await next;
    next = null;
    if (batch.length === 0) break;
    const last = batch.at(-1)!.position;
    if (last < head) next = read(last);
    try {
      await session.add(batch, links);
    } catch (error) {
      throw explainFailure(projections, batch, links, error);
    }
    options.onBatch(batch);
    position = last;
  }
  await session.finish();
  return position;
};

import type { Db, Queryable } from '../db/port.js';
import { batchLinks } from './batchLinks.js';
import type { EventStore, StoredEvent } from '../eventstore/port.js';
import type { Links, Projection, ProjectionTarget, StoryOf } from '../../projections/projection.js';
import { lockCheckpoints } from './checkpoints.js';
import { applyBatch } from './engine/applyBatch.js';
import { storiesOn } from '../eventstore/paymentStory.js';
import { explainFailure } from './rebuildError.js';
import { swapTables } from './rebuildTables.js';

/** Applies a batch to every projection as the live workers do; a failure names its event. */
export const applyToAll = async (
  tx: Queryable,
  projections: readonly Projection[],
  target: ProjectionTarget,
  batch: readonly StoredEvent[],
  links: Links,
  stories: StoryOf,
) => {
  try {
    for (const projection of projections) await applyBatch(tx, projection, batch, target, links, stories);
  } catch (error) {
    throw explainFailure(projections, batch, links, error);
  }
};

/**
 * The short transaction: stop the live workers at their checkpoints, apply the last events (those
 * appended while the rebuild ran), swap the tables in, point the checkpoints at the last event.
 * `stillHeld` throws when the rebuild lost its lock: checked first (a rebuild that lost it holds up no
 * live worker), and last, when the transaction holds every table and checkpoint it changed, so no other
 * rebuild can have started in between.
 */
export const swapIn = async (options: {
  db: Db;
  store: EventStore;
  projections: readonly Projection[];
  target: ProjectionTarget;
  position: number;
  tail: StoredEvent[];
  stillHeld: (tx: Queryable) => Promise<void>;
}): Promise<number> => {
  const { db, store, projections, target } = options;
  const names = projections.map((projection) => projection.name);
  // Read before the transaction: the embedded database's one connection is the transaction's then.
  const tailLinks = await batchLinks(store, options.tail);
  return db.transaction(async (tx) => {
    await options.stillHeld(tx);
    await lockCheckpoints(tx, names);
    // Events appended meanwhile are applied here, up to the head as it stands now, to shorten the lag;
    // the workers apply the rest after the swap. Not further: under a steady stream of appends the swap
    // would chase the head for ever, holding the live workers' checkpoints all the while. The embedded
    // database cannot read beside this transaction (nor can anything append meanwhile).
    const until = db.kind === 'embedded' ? options.position : await store.headPosition();
    let at = options.position;
    let batch = options.tail;
    let links = tailLinks;
    while (batch.length > 0) {
      await applyToAll(tx, projections, target, batch, links, storiesOn(store)(tx));
      at = batch.at(-1)!.position;
      batch = at >= until ? [] : (await store.readAll(at, 5000)).filter((event) => event.position <= until);
      links = await batchLinks(store, batch);
    }
    await swapTables(tx, projections, target.schema);
    await tx.query(
      `UPDATE ledger.projection_checkpoints SET position = $2, state = 'active', last_error = NULL, updated_at = now()
        WHERE projection = ANY($1::text[])`,
      [names, at],
    );
    await tx.query(
      `UPDATE ledger.projection_failures SET resolved_at = now() WHERE projection = ANY($1::text[]) AND resolved_at IS NULL`,
      [names],
    );
    await options.stillHeld(tx);
    return at;
  });
};

import type { Queryable, Row } from '../../db/port.js';
import type { StoredEvent } from '../../eventstore/port.js';
import type { Links, Projection, ProjectionTarget } from '../../../projections/projection.js';
import { tableIn } from '../../../projections/projection.js';
import { linksProvenBy } from '../../../projections/shared/routing.js';
import { foldBatch, keysToLoad, type BatchFold } from './foldBatch.js';
import { selectByKeys } from './sql.js';
import { writeStates } from './writeStates.js';

const NO_LINKS: Links = new Map();

/** Relinks, in memory, the folded states filed under a charge the batch links. */
export const relinkFolded = (projection: Projection, states: Map<string, unknown>, proven: Links) => {
  const { relink } = projection.fold;
  if (!relink || proven.size === 0) return;
  for (const [key, state] of states) {
    const moved = relink(state, proven);
    if (moved !== null) states.set(key, moved);
  }
};

/** History rows of a folded batch and what then waits per key. */
export const historyOf = (
  projection: Projection,
  folded: BatchFold<unknown>,
  waitingBefore: ReadonlyMap<string, unknown>,
): { rows: Row[]; waiting: ReadonlyMap<string, unknown> } =>
  projection.history
    ? projection.history.rows(folded.steps, waitingBefore)
    : { rows: [], waiting: new Map() };

/**
 * A live batch: loads the states the batch touches (one statement), folds in memory, writes each
 * table once (writeStates). `links`: what the event store knew of the batch's charges before it.
 */
export const applyBatch = async (
  tx: Queryable,
  projection: Projection,
  events: readonly StoredEvent[],
  target: ProjectionTarget,
  links: Links,
): Promise<void> => {
  const { fold, state, history } = projection;
  const routed = fold.route(events, links);
  const proven = fold.relink ? linksProvenBy(events) : NO_LINKS;
  if (routed.length === 0 && proven.size === 0) return;
  const loaded = await selectByKeys<Row>(tx, tableIn(target, state.table), state.key, keysToLoad(routed));
  const keyOf = (row: Row) => row[state.key] as string;
  const folded = foldBatch(
    fold,
    new Map(loaded.map((row) => [keyOf(row), fold.stored.fromRow(row)])),
    routed,
  );
  relinkFolded(projection, folded.states, proven);
  const waiting = history ? new Map(loaded.map((row) => [keyOf(row), row[history.column]])) : new Map();
  const historyRows = historyOf(projection, folded, waiting);
  await writeStates(tx, projection, target, {
    states: folded.states,
    removed: [...folded.removed],
    before: loaded.filter((row) => folded.states.has(keyOf(row)) || folded.removed.has(keyOf(row))),
    waiting: historyRows.waiting,
    historyRows: historyRows.rows,
    relinks: proven,
  });
};

import type { Queryable, Row } from '../../db/port.js';
import type { StoredEvent } from '../../eventstore/port.js';
import type {
  Fold,
  Links,
  Projection,
  ProjectionTarget,
  Routed,
  StoryOf,
} from '../../../projections/projection.js';
import { linksProvenBy } from '../../../projections/shared/routing.js';
import { foldBatch, keysToLoad, type BatchFold } from './foldBatch.js';
import { loadStates, parsedRow } from './loadStates.js';
import { restatedHistory } from './restatedHistory.js';
import { writeStates } from './writeStates.js';

const NO_LINKS: Links = new Map();

/** The folded states with those filed under a charge the batch links relinked (a new map). */
export const relinked = (
  projection: Projection,
  states: ReadonlyMap<string, unknown>,
  proven: Links,
): Map<string, unknown> => {
  const out = new Map(states);
  const { relink } = projection.fold;
  if (!relink || proven.size === 0) return out;
  for (const [key, state] of out) {
    const moved = relink(state, proven);
    if (moved !== null) out.set(key, moved);
  }
  return out;
};

export const NO_ROWS: ReadonlyMap<string, Row> = new Map();

/** History rows of a folded batch, what then waits per key, and what earlier rows of a key take. */
export const historyOf = (
  projection: Projection,
  folded: BatchFold<unknown>,
  waitingBefore: ReadonlyMap<string, unknown>,
): { rows: Row[]; waiting: ReadonlyMap<string, unknown>; following: ReadonlyMap<string, Row> } => {
  if (!projection.history) return { rows: [], waiting: new Map(), following: NO_ROWS };
  const { rows, waiting, following } = projection.history.rows(folded.steps, waitingBefore);
  return { rows, waiting, following: following ?? NO_ROWS };
};

/** The history rows of every key the batch joined others into, restated from its story (see
 * restatedHistory.ts); none without a history, a join or a way to read stories. */
export const restatedHistoryOf = async (
  projection: Projection,
  folded: BatchFold<unknown>,
  upTo: number,
  stories: StoryOf | undefined,
): Promise<Row[]> => {
  if (!projection.history || stories === undefined || folded.absorbed.size === 0) return [];
  const keys = [...new Set(folded.absorbed.values())];
  const restated = await Promise.all(
    keys.map(async (key) => restatedHistory(projection, key, await stories(key), upTo)),
  );
  // One row per history key: a statement may not upsert the same row twice.
  const { key } = projection.history.spec;
  return [...new Map(restated.flat().map((row) => [row[key], row])).values()];
};

/**
 * Projections of one fold whose workers sit at the same checkpoint get the very same batch (the
 * projector shares reads): the batch is routed once, and folded once when their stored states are the
 * same text, which they are unless charge links were learnt between their reads. Kept per batch array,
 * so it goes with the batch.
 */
type Shared = {
  links: Links;
  routed: Routed[];
  folded?: { texts: ReadonlyMap<string, string>; result: BatchFold<unknown> };
};
const shared = new WeakMap<readonly StoredEvent[], Map<Fold<unknown>, Shared>>();

const sameMap = (a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>) => {
  if (a.size !== b.size) return false;
  for (const [key, value] of a) if (b.get(key) !== value) return false;
  return true;
};

const routedOnce = (fold: Fold<unknown>, events: readonly StoredEvent[], links: Links): Shared => {
  let byFold = shared.get(events);
  if (byFold === undefined) shared.set(events, (byFold = new Map()));
  const known = byFold.get(fold);
  if (known !== undefined && sameMap(known.links, links)) return known;
  const fresh: Shared = { links, routed: fold.route(events, links) };
  byFold.set(fold, fresh);
  return fresh;
};

// The links a batch proves, worked out once per batch: every projection with a relink asks, twice.
const proofs = new WeakMap<readonly StoredEvent[], Links>();
const provenBy = (events: readonly StoredEvent[]): Links => {
  let proven = proofs.get(events);
  if (proven === undefined) proofs.set(events, (proven = linksProvenBy(events)));
  return proven;
};

/** Whether the batch changes any of the projection's rows: an event it handles, or a charge link it
 * proves (rows filed under the charge follow it). Routing is shared with applyBatch. */
export const changesRows = (projection: Projection, events: readonly StoredEvent[], links: Links): boolean =>
  routedOnce(projection.fold, events, links).routed.length > 0 ||
  (projection.fold.relink !== undefined && provenBy(events).size > 0);

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
  stories?: StoryOf,
): Promise<void> => {
  const { fold, state, history } = projection;
  const once = routedOnce(fold, events, links);
  const proven = fold.relink ? provenBy(events) : NO_LINKS;
  if (once.routed.length === 0 && proven.size === 0) return;
  const loaded = await loadStates(tx, projection, target, keysToLoad(once.routed));
  const keyOf = (row: Row) => row[state.key] as string;
  let folded = once.folded && sameMap(once.folded.texts, loaded.texts) ? once.folded.result : undefined;
  if (folded === undefined) {
    const known = new Map(
      loaded.rows.map((row) => [keyOf(row), fold.stored.fromRow(parsedRow(projection, row))]),
    );
    folded = foldBatch(fold, known, once.routed);
    once.folded ??= { texts: loaded.texts, result: folded };
  }
  const { removed } = folded;
  const states = relinked(projection, folded.states, proven);
  const waiting = history ? new Map(loaded.rows.map((row) => [keyOf(row), row[history.column]])) : new Map();
  const historyRows = historyOf(projection, folded, waiting);
  const restated = await restatedHistoryOf(projection, folded, events.at(-1)!.position, stories);
  await writeStates(tx, projection, target, {
    states,
    removed: [...removed],
    before: loaded.rows.filter((row) => states.has(keyOf(row)) || removed.has(keyOf(row))),
    waiting: historyRows.waiting,
    historyRows: historyRows.rows,
    following: historyRows.following,
    restated,
    relinks: proven,
    absorbed: history ? folded.absorbed : NO_LINKS,
  });
};

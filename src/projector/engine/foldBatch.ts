import type { Fold, Routed, Step } from '../../../projections/projection.js';

export type BatchFold<S> = {
  /** Every touched key's state after the batch; written once each. */
  states: Map<string, S>;
  /** Keys merged away into another: their state (and rows) must be deleted. */
  removed: Set<string>;
  steps: Step<S>[];
  /** Keys merged away in this batch -> the key they joined. */
  absorbed: Map<string, string>;
};

/** The keys a batch must have loaded: every routed key and every key it may absorb. */
export const keysToLoad = (routed: readonly Routed[]): string[] => [
  ...new Set(routed.flatMap((r) => (r.absorbs.length === 0 ? [r.key] : [r.key, ...r.absorbs]))),
];

/**
 * Folds a routed batch over the states known before it, in memory; pure. `known` is read, never
 * copied or changed, so it may be a rebuild's whole cache of states.
 */
export const foldBatch = <S>(
  fold: Fold<S>,
  known: ReadonlyMap<string, S>,
  routed: readonly Routed[],
): BatchFold<S> => {
  const states = new Map<string, S>();
  const removed = new Set<string>();
  const absorbedInto = new Map<string, string>();
  const current = (key: string) => (removed.has(key) ? undefined : (states.get(key) ?? known.get(key)));
  const steps = routed.map((r): Step<S> => {
    const own = current(r.key);
    let state = own;
    const absorbed: string[] = [];
    for (const orphanKey of r.absorbs) {
      const orphan = current(orphanKey);
      if (orphanKey === r.key || orphan === undefined) continue;
      state = state === undefined ? orphan : fold.merge(state, orphan);
      states.delete(orphanKey);
      removed.add(orphanKey);
      absorbed.push(orphanKey);
      absorbedInto.set(orphanKey, r.key);
    }
    const after = fold.evolve(state, r);
    states.set(r.key, after);
    removed.delete(r.key);
    absorbedInto.delete(r.key);
    return { routed: r, own, before: state, absorbed, after };
  });
  return { states, removed, steps, absorbed: absorbedInto };
};

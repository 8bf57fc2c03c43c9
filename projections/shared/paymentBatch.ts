import { evolve, merge, type PaymentState } from './paymentState.js';
import type { Routed } from './routing.js';

export type Step = {
  routed: Routed;
  /** The payment's state before this event (and before any orphan joined it). */
  before: PaymentState | undefined;
  /** Orphan keys merged into the payment at this step. */
  absorbed: string[];
  after: PaymentState;
};

export type BatchFold = {
  /** Every touched payment's state after the batch; written once each. */
  states: Map<string, PaymentState>;
  /** Orphan keys merged away: their state (and any row) must be deleted. */
  removed: Set<string>;
  steps: Step[];
};

/** The keys a batch must load: every routed payment and every orphan it may absorb. */
export const keysToLoad = (routed: readonly Routed[]): string[] => [
  ...new Set(routed.flatMap((r) => [r.paymentId, ...r.absorbs])),
];

/** Folds a routed batch over the loaded states, in memory. Pure. */
export const foldBatch = (
  loaded: ReadonlyMap<string, PaymentState>,
  routed: readonly Routed[],
): BatchFold => {
  const current = new Map(loaded);
  const touched = new Set<string>();
  const removed = new Set<string>();
  const steps = routed.map((r): Step => {
    const before = current.get(r.paymentId);
    let state = before;
    const absorbed: string[] = [];
    for (const orphanKey of r.absorbs) {
      const orphan = current.get(orphanKey);
      if (orphanKey === r.paymentId || orphan === undefined) continue;
      state = state === undefined ? orphan : merge(state, orphan);
      current.delete(orphanKey);
      touched.delete(orphanKey);
      removed.add(orphanKey);
      absorbed.push(orphanKey);
    }
    const after = evolve(state, r.event);
    current.set(r.paymentId, after);
    touched.add(r.paymentId);
    removed.delete(r.paymentId);
    return { routed: r, before, absorbed, after };
  });
  return {
    states: new Map([...touched].map((key) => [key, current.get(key)!])),
    removed,
    steps,
  };
};

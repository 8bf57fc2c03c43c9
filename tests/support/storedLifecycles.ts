import fc from 'fast-check';
import { specArb } from './lifecycleArb.js';
import { buildLifecycle } from './lifecycles.js';
import type { EventStore } from '../../src/eventstore/port.js';
import { appendAsIngest } from './appendAsIngest.js';

/**
 * Appends `count` generated payment lifecycles (every flow, refunds, disputes, old API shapes, orphans,
 * same-second ties), numbered from `first` so later calls add new payments, in commit groups of about
 * 500 events as ingest would. The same seed gives the same lifecycles. Returns how many were stored.
 */
export const appendLifecycles = async (
  store: EventStore,
  { count, first = 1, seed = 20240620 }: { count: number; first?: number; seed?: number },
): Promise<number> => {
  const specs = fc.sample(specArb, { seed, numRuns: count });
  const events = specs.flatMap((spec, i) => buildLifecycle({ ...spec, n: first + i }).events);
  const groups = [];
  for (let at = 0; at < events.length; at += 500) groups.push(events.slice(at, at + 500));
  return appendAsIngest(store, groups);
};

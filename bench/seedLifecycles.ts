import type { Db } from '../src/db/port.js';
import type { AppendRequest } from '../src/eventstore/port.js';
import { postgresEventStore } from '../src/eventstore/postgres/postgresEventStore.js';
import { buildLifecycle, type Flow, type LifecycleSpec } from '../tests/support/lifecycles.js';

/** A small deterministic generator: the same seed gives the same mix of lifecycles on every run. */
const random = (seed: number) => {
  let state = seed >>> 0 || 1;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
};

const FLOWS: [Flow, number][] = [
  ['paid', 0.5],
  ['threeDS', 0.1],
  ['failedThenPaid', 0.1],
  ['failureOnly', 0.05],
  ['canceled', 0.05],
  ['authorized', 0.05],
  ['manualCapture', 0.1],
  ['legacyCharge', 0.05],
];

const specFor = (n: number, next: () => number): LifecycleSpec => {
  let pick = next();
  const flow = FLOWS.find(([, share]) => (pick -= share) < 0)?.[0] ?? 'paid';
  const refundRoll = next();
  const refunds: LifecycleSpec['refunds'] =
    refundRoll < 0.05
      ? [
          { amount: 1000, fate: 'succeeded', orphan: false },
          { amount: 1000, fate: 'succeeded', orphan: false },
        ]
      : refundRoll < 0.2
        ? [{ amount: 500, fate: next() < 0.1 ? 'failsLater' : 'succeeded', orphan: false }]
        : [];
  const disputeRoll = next();
  return {
    n,
    flow,
    oldApi: next() < 0.3,
    refunds,
    dispute: disputeRoll < 0.03 ? { outcome: disputeRoll < 0.015 ? 'lost' : 'won', orphan: false } : null,
    gaps: next() < 0.2 ? [0, 1] : [1],
  };
};

/**
 * Appends generated payment lifecycles (mixed flows, refunds, disputes, old and new API shapes) through
 * the PostgreSQL store until at least `targetEvents` are stored. Returns the counts.
 */
export const seedLifecycles = async (
  db: Db,
  targetEvents: number,
  { seed = 42, batchEvents = 5000 } = {},
): Promise<{ events: number; payments: number }> => {
  const store = postgresEventStore(db);
  const next = random(seed);
  let events = 0;
  let payments = 0;
  let batch: AppendRequest[] = [];
  let batchSize = 0;
  while (events < targetEvents) {
    const lifecycle = buildLifecycle(specFor(payments, next));
    payments += 1;
    for (const event of lifecycle.events) {
      batch.push({
        stream: event.stream,
        expectedVersion: 'any',
        events: [{ id: event.id, type: event.type, data: event.data, metadata: event.metadata }],
      });
    }
    events += lifecycle.events.length;
    batchSize += lifecycle.events.length;
    if (batchSize >= batchEvents) {
      await store.appendMany(batch);
      batch = [];
      batchSize = 0;
    }
  }
  if (batch.length > 0) await store.appendMany(batch);
  return { events, payments };
};

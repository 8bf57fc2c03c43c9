import { hostname } from 'node:os';
import type { Db } from '../db/port.js';
import { knownLinks } from '../eventstore/chargeLinks.js';
import type { EventStore, StoredEvent } from '../eventstore/port.js';
import type { Logger } from '../observability/logger.js';
import type { Links, Projection } from '../../projections/projection.js';
import { chargeKeysOf } from '../../projections/shared/routing.js';
import { ensureCheckpoints } from './checkpoints.js';
import { pacing } from './pacing.js';
import { sharedReads } from './sharedReads.js';
import { projectionWorker, type Worker } from './worker.js';

export type ProjectorOptions = {
  db: Db;
  store: EventStore;
  projections: readonly Projection[];
  logger: Logger;
  batchSize?: number;
  pollMs?: number;
};

export type Projector = { stop(): Promise<void> };

/** Batches kept for workers reading behind the first (sharedReads); a worker leads by half of them. */
const READS_KEPT = 8;

/** One worker per projection, woken by the store's append signal, polling as a fallback. */
export const startProjector = async (options: ProjectorOptions): Promise<Projector> => {
  const { db, store, projections, logger } = options;
  await ensureCheckpoints(
    db,
    projections.map((projection) => projection.name),
  );
  const owner = `${hostname()}:${process.pid}`;
  // Workers at the same checkpoint share one read of a batch (see sharedReads) and of its charge links;
  // pacing keeps them close enough for that while they catch up.
  const batchSize = options.batchSize ?? 2000;
  const reader: EventStore = { ...store, readAll: sharedReads(store, READS_KEPT) };
  const links = new WeakMap<readonly StoredEvent[], Promise<Links>>();
  const linksOf = (events: readonly StoredEvent[]) => {
    let known = links.get(events);
    if (known === undefined) {
      known = knownLinks(store, chargeKeysOf(events));
      links.set(events, known);
      known.catch(() => links.delete(events));
    }
    return known;
  };
  const pace = pacing(batchSize * (READS_KEPT / 2));
  const workers: Worker[] = projections.map((projection) =>
    projectionWorker({
      db,
      store: reader,
      projection,
      logger,
      owner,
      batchSize,
      pollMs: options.pollMs,
      pacing: pace,
      linksOf,
    }),
  );
  let unsubscribe: (() => Promise<void>) | undefined;
  try {
    unsubscribe = await store.onAppend(() => workers.forEach((worker) => worker.wake()));
  } catch (error) {
    // Without the signal the workers still poll; a database that is down now is retried by them.
    logger.warn(
      { error: error instanceof Error ? error.message : String(error) },
      'append signal unavailable, polling only',
    );
  }
  workers.forEach((worker) => void worker.run());
  return {
    stop: async () => {
      await unsubscribe?.();
      await Promise.all(workers.map((worker) => worker.stop()));
    },
  };
};

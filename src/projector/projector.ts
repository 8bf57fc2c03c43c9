import { hostname } from 'node:os';
import type { Db } from '../db/port.js';
import type { EventStore } from '../eventstore/port.js';
import type { Logger } from '../observability/logger.js';
import type { Projection } from '../../projections/projection.js';
import { ensureCheckpoints } from './checkpoints.js';
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

/** One worker per projection, woken by the store's append signal, polling as a fallback. */
export const startProjector = async (options: ProjectorOptions): Promise<Projector> => {
  const { db, store, projections, logger } = options;
  await ensureCheckpoints(
    db,
    projections.map((projection) => projection.name),
  );
  const owner = `${hostname()}:${process.pid}`;
  // Workers at the same checkpoint share one read of a batch (see sharedReads).
  const reader: EventStore = { ...store, readAll: sharedReads(store) };
  const workers: Worker[] = projections.map((projection) =>
    projectionWorker({
      db,
      store: reader,
      projection,
      logger,
      owner,
      batchSize: options.batchSize ?? 2000,
      pollMs: options.pollMs,
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

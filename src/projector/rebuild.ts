import type { Db } from '../db/port.js';
import type { EventStore, StoredEvent } from '../eventstore/port.js';
import {
  hasBulkPath,
  type BulkBuild,
  type BulkIo,
  type CopyRows,
  type RebuildableProjection as Projection,
} from '../../projections/bulk.js';
import type { RawClient } from '../db/port.js';
import { lockCheckpoint } from './checkpoints.js';
import { insertCopyRows, loadQueue, pgCopyRows, type LoadQueue } from './copyRows.js';
import {
  createRebuildTables,
  dropRebuildTables,
  REBUILD_SCHEMA,
  swapTables,
  withSwapRetries,
} from './rebuildTables.js';

export type RebuildProgress = {
  done: number;
  total: number;
  eventsPerSecond: number;
  etaSeconds: number | null;
};

export type RebuildReport = {
  projections: string[];
  events: number;
  seconds: number;
  position: number;
  fastPath: boolean;
};

export class RebuildError extends Error {
  constructor(
    message: string,
    readonly event?: { position: number; stripe_event_id: string; type: string },
  ) {
    super(message);
  }
}

export type RebuildOptions = {
  db: Db;
  store: EventStore;
  projections: readonly Projection[];
  onProgress?: (progress: RebuildProgress) => void;
  signal?: AbortSignal;
  batchSize?: number;
};

const target = { schema: REBUILD_SCHEMA };

const BULK_BATCH_SIZE = 500;

/**
 * Builds fresh tables beside the live ones from position 0, catches up to the head, then swaps them in
 * one short transaction. The live tables serve until the swap; a failure or an abort swaps nothing.
 */
export const rebuildProjections = async (options: RebuildOptions): Promise<RebuildReport> => {
  const { db, store, projections, signal } = options;
  const batchSize = options.batchSize ?? 5000;
  // The fast path folds smaller batches: a batch's events then mostly die young, where larger ones
  // outlive a few scavenges and are copied into the old generation (a third of the CPU time went to
  // garbage collection with 5,000). Reads and charge links are fetched a batch ahead.
  const bulkBatchSize = options.batchSize ?? BULK_BATCH_SIZE;
  const lease = await db.tryLease('rebuild');
  if (!lease) throw new RebuildError('a rebuild is already running');
  const started = Date.now();
  let position = 0;
  let events = 0;
  const total = await store.headPosition();
  const report = (done: number) => {
    const seconds = (Date.now() - started) / 1000;
    const eventsPerSecond = seconds > 0 ? events / seconds : 0;
    const etaSeconds = eventsPerSecond > 0 && total > done ? (total - done) / eventsPerSecond : null;
    options.onProgress?.({ done: Math.min(done, total), total, eventsPerSecond, etaSeconds });
  };
  const checkAbort = () => {
    if (signal?.aborted) throw new RebuildError('rebuild aborted: the live tables are untouched');
  };
  // A failure is explained (which replays the batch in a transaction of its own) only once the failed
  // transaction has rolled back: the embedded database has a single connection.
  const applyAll = async (tx: Parameters<Projection['apply']>[0], batch: StoredEvent[]) => {
    for (const projection of projections) {
      try {
        await projection.apply(tx, batch, target);
      } catch (error) {
        throw new BatchFailure(projection, batch, error);
      }
    }
  };
  const explained = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      if (error instanceof BatchFailure) throw await explain(db, error.projection, error.batch, error.cause);
      throw error;
    }
  };

  const copyOn = (client: RawClient): CopyRows =>
    db.kind === 'postgres' ? pgCopyRows(client, REBUILD_SCHEMA) : insertCopyRows(client, REBUILD_SCHEMA);
  let loads: LoadQueue | null = null;
  let fastPath = false;

  try {
    await createRebuildTables(db, projections);
    if (projections.every(hasBulkPath)) {
      // Fast path: fold the whole log in memory up to the head seen at start, then bulk-load the rows.
      fastPath = true;
      const shared = new Map<string, unknown>();
      const builders = projections.map((projection) => ({
        projection,
        builder: projection.bulk.start(shared),
      }));
      const queue = loadQueue((work) => db.withConnection((client) => work(client, copyOn(client))));
      loads = queue;
      // One per batch: its scratch space goes with it.
      const ioFor = (): BulkIo => ({
        batch: new Map(),
        tx: db,
        target,
        copy: queue.copy,
        run: queue.run,
        settled: queue.settled,
      });
      const addAll = async (batch: StoredEvent[], io: BulkIo) => {
        for (const { projection, builder } of builders) {
          try {
            await builder.add(batch, io);
          } catch (error) {
            await queue.settled().catch(() => undefined);
            throw await explain(db, projection, batch, error);
          }
        }
      };
      const prefetch = (batch: StoredEvent[]) => {
        const io = ioFor();
        for (const { builder } of builders) builder.prefetch?.(batch, io);
        return io;
      };
      position = await foldLog(
        store,
        position,
        total,
        bulkBatchSize,
        checkAbort,
        prefetch,
        async (batch, io) => {
          await addAll(batch, io);
          events += batch.length;
          report(batch.at(-1)!.position);
        },
      );
      await settledLoads(queue);
      await db.withConnection(async (client) => {
        for (const { projection, builder } of builders) {
          await writeBulk(projection, builder, client, copyOn(client));
        }
      });
    }
    // Event by event (in batches) up to the head, which keeps moving while webhooks arrive.
    for (;;) {
      checkAbort();
      const batch = await store.readAll(position, batchSize);
      if (batch.length < Math.min(batchSize, 500)) {
        position = await explained(() =>
          withSwapRetries(() => swap(db, store, projections, position, batch, applyAll)),
        );
        events += batch.length;
        break;
      }
      await explained(() => db.transaction((tx) => applyAll(tx, batch)));
      position = batch.at(-1)!.position;
      events += batch.length;
      report(position);
    }
    report(position);
    return {
      projections: projections.map((projection) => projection.name),
      events,
      seconds: (Date.now() - started) / 1000,
      position,
      fastPath,
    };
  } catch (error) {
    // Loads still queued would hold the tables the drop must take.
    await loads?.settled().catch(() => undefined);
    await dropRebuildTables(db).catch(() => undefined);
    throw error;
  } finally {
    await lease.release();
  }
};

/**
 * Reads the log from `position` up to the head seen at the start (`total`) in batches and hands each to
 * `fold`; the next batch is read (and handed to `prefetch`) while one is folded. Returns the position of
 * the last batch folded.
 */
const foldLog = async <T>(
  store: EventStore,
  from: number,
  total: number,
  batchSize: number,
  checkAbort: () => void,
  prefetch: (batch: StoredEvent[]) => T,
  fold: (batch: StoredEvent[], prefetched: T) => Promise<void>,
): Promise<number> => {
  const read = (after: number) =>
    store.readAll(after, batchSize).then((batch) => ({ batch, prefetched: prefetch(batch) }));
  let position = from;
  let next: Promise<{ batch: StoredEvent[]; prefetched: T }> | null =
    position >= total ? null : read(position);
  try {
    while (next !== null) {
      checkAbort();
      const { batch, prefetched } = await next;
      next = null;
      if (batch.length === 0) break;
      const last = batch.at(-1)!.position;
      if (last < total) next = read(last);
      await fold(batch, prefetched);
      position = last;
    }
    return position;
  } finally {
    // A read still in flight when folding failed or was aborted: its outcome no longer matters.
    next?.catch(() => undefined);
  }
};

/** Waits for the rows loaded while folding; a failure there names no event either. */
const settledLoads = async (queue: LoadQueue) => {
  try {
    await queue.settled();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new RebuildError(`rebuild failed loading rows: ${message}`);
  }
};

/** Loads what a builder folded; a failure here names the projection (no single event is to blame). */
const writeBulk = async (projection: Projection, builder: BulkBuild, client: RawClient, copy: CopyRows) => {
  try {
    await builder.write(client, target, copy);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new RebuildError(`rebuild of ${projection.name} failed loading its rows: ${message}`);
  }
};

/** The short transaction: stop the live workers at their checkpoints, apply the last events, swap. */
const swap = async (
  db: Db,
  store: EventStore,
  projections: readonly Projection[],
  position: number,
  tail: StoredEvent[],
  applyAll: (tx: Parameters<Projection['apply']>[0], batch: StoredEvent[]) => Promise<void>,
): Promise<number> =>
  db.transaction(async (tx) => {
    for (const projection of projections) await lockCheckpoint(tx, projection.name);
    let at = position;
    let batch = tail;
    while (batch.length > 0) {
      await applyAll(tx, batch);
      at = batch.at(-1)!.position;
      // Events appended meanwhile are applied here to shorten the lag; the workers would apply them
      // after the swap anyway. The embedded database's one connection is this transaction's: the store
      // cannot read beside it (nor can anything append meanwhile).
      batch = db.kind === 'embedded' ? [] : await store.readAll(at, 5000);
    }
    await swapTables(tx, projections);
    await tx.query(
      `UPDATE ledger.projection_checkpoints SET position = $2, state = 'active', last_error = NULL, updated_at = now()
        WHERE projection = ANY($1::text[])`,
      [projections.map((projection) => projection.name), at],
    );
    await tx.query(
      `UPDATE ledger.projection_failures SET resolved_at = now() WHERE projection = ANY($1::text[]) AND resolved_at IS NULL`,
      [projections.map((projection) => projection.name)],
    );
    return at;
  });

class BatchFailure extends Error {
  constructor(
    readonly projection: Projection,
    readonly batch: StoredEvent[],
    override readonly cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}

/** Finds the event of a failed batch that fails on its own, for the report. */
const explain = async (
  db: Db,
  projection: Projection,
  batch: StoredEvent[],
  error: unknown,
): Promise<RebuildError> => {
  const message = error instanceof Error ? error.message : String(error);
  if (batch.length === 1) {
    const event = batch[0]!;
    return new RebuildError(
      `rebuild of ${projection.name} failed at event ${event.metadata.stripe_event_id} (position ${event.position}, ${event.metadata.stripe_event_type}): ${message}`,
      {
        position: event.position,
        stripe_event_id: event.metadata.stripe_event_id,
        type: event.metadata.stripe_event_type,
      },
    );
  }
  // Replay the batch one event at a time in a throwaway transaction to name the culprit.
  let culprit: RebuildError | null = null;
  await db
    .transaction(async (tx) => {
      for (const event of batch) {
        try {
          await tx.query('SAVEPOINT probe');
          await projection.apply(tx, [event], target);
          await tx.query('RELEASE SAVEPOINT probe');
        } catch (inner) {
          culprit = await explain(db, projection, [event], inner);
          break;
        }
      }
      throw new Error('probe rollback');
    })
    .catch(() => undefined);
  return culprit ?? new RebuildError(`rebuild of ${projection.name} failed: ${message}`);
};

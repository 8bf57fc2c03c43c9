import type { Db, Lease } from '../db/port.js';
import type { EventStore, StoredEvent } from '../eventstore/port.js';
import type { Logger } from '../observability/logger.js';
import type { Links, Projection } from '../../projections/projection.js';
import { chargeKeysOf } from '../../projections/shared/routing.js';
import { knownLinks } from '../eventstore/chargeLinks.js';
import { applyBatch as applyToTables } from './engine/applyBatch.js';
import { advanceCheckpoint, heartbeat, lockCheckpoint, markFailed } from './checkpoints.js';
import { recordFailure, resolveFailuresBefore } from './failures.js';
import type { Pacing } from './pacing.js';
import { backoffMs, isTransient } from '../db/transient.js';

export type WorkerOptions = {
  db: Db;
  store: EventStore;
  projection: Projection;
  logger: Logger;
  owner: string;
  batchSize?: number;
  pollMs?: number;
  /** Keeps this worker near the others of its projector (pacing.ts). */
  pacing?: Pacing;
  /** The charge links of a batch; the projector shares one read per batch among its workers. */
  linksOf?: (events: readonly StoredEvent[]) => Promise<Links>;
};

export type Worker = { run(): Promise<void>; wake(): void; stop(): Promise<void> };

type BatchOutcome = 'applied' | 'moved';

/**
 * Runs one projection: holds its lease (one active worker across processes, standbys wait), reads
 * the store after the checkpoint and applies each batch with the checkpoint in one transaction.
 */
export const projectionWorker = (options: WorkerOptions): Worker => {
  const { db, store, projection, logger, owner } = options;
  const batchSize = options.batchSize ?? 1000;
  const pollMs = options.pollMs ?? 1000;
  const log = logger.child({ projection: projection.name });
  const linksFromStore = (events: readonly StoredEvent[]) => knownLinks(store, chargeKeysOf(events));
  let stopped = false;
  let running: Promise<void> | undefined;
  // A wake-up that arrives while the worker is busy is remembered, so the next pause ends at once.
  let woken = false;
  let wakeUp: () => void = () => {
    woken = true;
  };

  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      if (woken) {
        woken = false;
        resolve();
        return;
      }
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wakeUp = () => {
          woken = true;
        };
        resolve();
      }
      wakeUp = done;
    });

  const applyBatch = (events: StoredEvent[], from: number, links: Links): Promise<BatchOutcome> =>
    db.transaction(async (tx) => {
      const checkpoint = await lockCheckpoint(tx, projection.name);
      // Someone else moved it (a worker that has not noticed it lost its lease): apply nothing.
      if (!checkpoint || checkpoint.position !== from || checkpoint.state !== 'active') return 'moved';
      await applyToTables(tx, projection, events, { schema: 'ledger' }, links);
      const last = events.at(-1)!.position;
      await advanceCheckpoint(tx, projection.name, last);
      await resolveFailuresBefore(tx, projection.name, last);
      return 'applied';
    });

  /** A batch failed for good: find the event that fails alone, apply those before it, stop there. */
  const isolate = async (events: StoredEvent[], from: number, links: Links) => {
    let position = from;
    for (const event of events) {
      try {
        if ((await applyBatch([event], position, links)) === 'moved') return;
        position = event.position;
      } catch (error) {
        if (isTransient(error)) throw error;
        const message = error instanceof Error ? error.message : String(error);
        await db.transaction(async (tx) => {
          await recordFailure(tx, projection.name, event, message);
          await markFailed(
            tx,
            projection.name,
            `event ${event.metadata.stripe_event_id} at ${event.position}: ${message}`,
          );
        });
        log.error(
          { position: event.position, stripe_event_id: event.metadata.stripe_event_id, error: message },
          'projection stopped at an event it cannot apply',
        );
        return;
      }
    }
  };

  const step = async (): Promise<'idle' | 'busy'> => {
    const checkpoint = await db.transaction((tx) => lockCheckpoint(tx, projection.name));
    if (!checkpoint || checkpoint.state !== 'active') return 'idle';
    await options.pacing?.busyAt(projection.name, checkpoint.position);
    const events = await store.readAll(checkpoint.position, batchSize);
    if (events.length === 0) return 'idle';
    // Read before the transaction: the store may be another database (EventStoreDB), and the embedded
    // database has one connection, which the transaction holds.
    const links = await (options.linksOf ?? linksFromStore)(events);
    try {
      await applyBatch(events, checkpoint.position, links);
    } catch (error) {
      if (isTransient(error)) throw error;
      await isolate(events, checkpoint.position, links);
    }
    return 'busy';
  };

  const holdLease = async (lease: Lease) => {
    let lost = false;
    void lease.lost.then(() => {
      lost = true;
      wakeUp();
    });
    log.info({ owner }, 'projection lease taken');
    let failures = 0;
    let lastBeat = 0;
    while (!stopped && !lost) {
      try {
        if (Date.now() - lastBeat > 2000) {
          await heartbeat(db, projection.name, owner);
          lastBeat = Date.now();
        }
        const state = await step();
        failures = 0;
        if (state === 'idle') {
          options.pacing?.idle(projection.name);
          await pause(pollMs);
        }
      } catch (error) {
        failures += 1;
        options.pacing?.idle(projection.name);
        log.warn(
          { error: error instanceof Error ? error.message : String(error), attempt: failures },
          'projection batch failed, retrying',
        );
        await pause(backoffMs(failures));
      }
    }
    options.pacing?.idle(projection.name);
    await lease.release();
  };

  const loop = async () => {
    let attempt = 0;
    while (!stopped) {
      let lease: Lease | null;
      try {
        lease = await db.tryLease(`projection:${projection.name}`);
        attempt = 0;
      } catch (error) {
        attempt += 1;
        log.warn(
          { error: error instanceof Error ? error.message : String(error) },
          'cannot reach the database for the projection lease',
        );
        await pause(backoffMs(attempt));
        continue;
      }
      if (lease) await holdLease(lease);
      else await pause(pollMs);
    }
  };

  return {
    run: () => (running ??= loop()),
    wake: () => wakeUp(),
    stop: async () => {
      stopped = true;
      wakeUp();
      await running;
    },
  };
};

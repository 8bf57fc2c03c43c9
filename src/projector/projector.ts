import { hostname } from 'node:os';
import type { Db } from '../db/port.js';
import type { EventStore } from '../eventstore/port.js';
import type { Logger } from '../observability/logger.js';
import type { Projection } from '../../projections/projection.js';
import { applyGroup } from './applyGroup.js';
import { readWithLinks, type ReadBatch } from './batchLinks.js';
import { ensureCheckpoints, heartbeat, markFailed, readCheckpointsOf } from './checkpoints.js';
import { leaseKeepers } from './leases.js';
import { backoffMs } from '../db/transient.js';
import { throttled, wakeable } from './wake.js';
import { errorMessage } from '../shared/errorMessage.js';
import { storiesOn } from '../eventstore/paymentStory.js';
import { NewerSchemaError, refuseNewerSchema } from '../db/migrate.js';

export type ProjectorOptions = {
  db: Db;
  store: EventStore;
  projections: readonly Projection[];
  logger: Logger;
  batchSize?: number;
  pollMs?: number;
};

export type Projector = { stop(): Promise<void> };

/**
 * Appends wake the projector at most this often. Under live load each wake-up then applies one batch of
 * everything appended since the last instead of one per webhook, so the per-batch cost (a transaction,
 * checkpoints, a statement per table) is shared by many events; a row appears at most this much later.
 */
export const WAKE_EVERY_MS = 50;

/** The holder's heartbeat on its checkpoints (projections status calls a projection idle without it). */
const HEARTBEAT_EVERY_MS = 2000;

/** The projections of a group dealt into two lanes, alternately in declaration order (which puts two of
 * the three read models of the payment fold in one lane and the third in the other). Projections share
 * no table, so each lane is a transaction of its own; each still moves its rows and checkpoints together. */
const inLanes = (group: readonly Projection[]): Projection[][] =>
  group.length < 2
    ? [[...group]]
    : [group.filter((_, i) => i % 2 === 0), group.filter((_, i) => i % 2 === 1)];

/**
 * Runs the projections whose leases this process holds (a standby process holds none and waits). Each
 * round takes the projections standing furthest behind, reads one batch after them, and applies it to
 * all of them in one transaction (applyGroup), or in two lanes while catching up (inLanes). The batch
 * stops where the next projections stand, so a projection that fell behind (a retry, a rebuild) catches
 * up and then shares every batch with the others: each event is read, parsed, routed and folded once
 * for all. Meanwhile the same round also applies a batch to the projections standing furthest ahead, so
 * they are not held back.
 */
export const startProjector = async (options: ProjectorOptions): Promise<Projector> => {
  const { db, store, projections, logger } = options;
  const names = projections.map((projection) => projection.name);
  await ensureCheckpoints(db, names);
  const owner = `${hostname()}:${process.pid}`;
  const batchSize = options.batchSize ?? 2000;
  const pollMs = options.pollMs ?? 1000;
  const signal = wakeable();
  const stories = storiesOn(store);
  const leases = leaseKeepers({ db, names, logger, owner, pollMs, onChange: signal.wake });
  let stopped = false;
  // The read after the batch being applied, started before applying it: while PostgreSQL writes one
  // batch the next is read and parsed. Kept only for the position it was read after.
  let prefetched: { after: number; read: Promise<ReadBatch> } | undefined;
  const readBatch = (after: number) => readWithLinks(store, after, batchSize);
  const readAfter = (after: number) => {
    const ready = prefetched?.after === after ? prefetched.read : readBatch(after);
    prefetched = undefined;
    return ready;
  };

  /**
   * Nothing after `from`: if the log's head stands before it, the log is not the one these projections
   * were built from (the event store replaced, or restored from an older backup). Events appended to it
   * would take positions at or before `from` and be skipped for good, so they stop here, failed, until
   * a rebuild projects the log as it is. (A head read after an empty read is never before `from` on the
   * log the checkpoint came from: heads only grow.)
   */
  const stopIfPastTheLog = async (from: number, names: ReadonlySet<string>) => {
    const head = await store.headPosition();
    if (head >= from) return;
    const error =
      `checkpoint ${from} stands past the end of the event log (head ${head}): the event store is not the ` +
      'log this projection was built from (replaced, or restored from an older backup), and events ' +
      'appended to it would be skipped: run `stripe-ledger projections rebuild --all`';
    for (const name of names) await markFailed(db, name, error);
    logger.error(
      { projections: [...names], position: from, head },
      'checkpoint past the end of the event log',
    );
  };

  /** One batch for the projections standing at `from`, cut where the next ones stand (`upTo`). */
  const advance = async (
    from: number,
    upTo: number,
    behind: ReadonlySet<string>,
    read: (after: number) => Promise<ReadBatch>,
  ): Promise<'idle' | 'busy'> => {
    const { events: batch, links } = await read(from);
    if (batch.length === 0) {
      await stopIfPastTheLog(from, behind);
      return 'idle';
    }
    const cut = batch.findIndex((event) => event.position > upTo);
    const events = cut === -1 ? batch : batch.slice(0, cut);
    if (events.length === 0) return 'idle';
    const group = projections.filter((projection) => behind.has(projection.name));
    // A full batch: the log goes on after it, the projections are catching up.
    const full = batch.length === batchSize;
    if (full && cut === -1) {
      const after = events.at(-1)!.position;
      const next = readBatch(after);
      next.catch(() => undefined);
      prefetched = { after, read: next };
    }
    // Catching up, the group's work is split into two transactions on two connections: PostgreSQL runs
    // one lane's statements on one core while it runs the other's (or Node folds) on the other, where one
    // transaction kept it waiting on itself. The shared fold is still computed once (applyBatch.ts).
    // Live batches (short) stay one transaction: there the cost per transaction matters more.
    const lanes = full && db.kind !== 'embedded' ? inLanes(group) : [group];
    const applied = await Promise.allSettled(
      lanes.map((lane) => applyGroup(db, logger, { projections: lane, events, from, links, stories })),
    );
    const failed = applied.find((outcome) => outcome.status === 'rejected');
    if (failed) throw failed.reason;
    // A short batch reached the head: wait for the next wake-up rather than reading again at once for
    // the one event appended meanwhile.
    return !full && cut === -1 ? 'idle' : 'busy';
  };

  const round = async (): Promise<'idle' | 'busy'> => {
    const held = leases.held();
    if (held.length === 0) return 'idle';
    const { checkpoints, newestMigration } = await readCheckpointsOf(db, held);
    // A newer version migrated the database under this process (it was not stopped before an upgrade):
    // fold nothing with this version's code; retried until it is stopped (NewerSchemaError, run()).
    refuseNewerSchema(newestMigration);
    const active = checkpoints.filter((checkpoint) => checkpoint.state === 'active');
    if (active.length === 0) return 'idle';
    const positions = [...new Set(active.map((checkpoint) => checkpoint.position))].sort((a, b) => a - b);
    const at = (position: number) =>
      new Set(active.filter((c) => c.position === position).map((c) => c.projection));
    const first = positions[0]!;
    const behind = await advance(first, positions[1] ?? Infinity, at(first), readAfter);
    if (positions.length === 1) return behind;
    // The furthest ahead (live, as a rule) go on meanwhile: a projection retried or set back must not
    // stop the others until it has caught up. Their batch is read apart from the prefetched one, which
    // is the catching-up projections' next.
    const last = positions.at(-1)!;
    const ahead = await advance(last, Infinity, at(last), readBatch);
    return behind === 'busy' || ahead === 'busy' ? 'busy' : 'idle';
  };

  const run = async () => {
    let failures = 0;
    let beat = { at: 0, for: '' };
    // Fenced by a newer version's migrations: no heartbeat either, so status shows the projections
    // stalled (nobody projects them) rather than live.
    let fenced = false;
    while (!stopped) {
      try {
        const held = leases.held();
        if (
          !fenced &&
          held.length > 0 &&
          (Date.now() - beat.at > HEARTBEAT_EVERY_MS || beat.for !== held.join())
        ) {
          await heartbeat(db, held, owner);
          beat = { at: Date.now(), for: held.join() };
        }
        const state = await round();
        failures = 0;
        fenced = false;
        if (state === 'idle') await signal.pause(pollMs);
      } catch (error) {
        fenced = error instanceof NewerSchemaError;
        failures += 1;
        logger.warn({ error: errorMessage(error), attempt: failures }, 'projection batch failed, retrying');
        await signal.pause(backoffMs(failures));
      }
    }
  };

  const wakeUp = throttled(signal.wake, WAKE_EVERY_MS);
  let unsubscribe: (() => Promise<void>) | undefined;
  try {
    unsubscribe = await store.onAppend(wakeUp.signal);
  } catch (error) {
    // Without the signal the projector still polls; a database that is down now is retried.
    logger.warn({ error: errorMessage(error) }, 'append signal unavailable, polling only');
  }
  const running = run();
  return {
    stop: async () => {
      await unsubscribe?.();
      wakeUp.cancel();
      stopped = true;
      signal.wake();
      await running;
      await leases.stop();
    },
  };
};

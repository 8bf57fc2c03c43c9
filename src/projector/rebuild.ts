import { hostname } from 'node:os';
import { getHeapStatistics } from 'node:v8';
import type { Db } from '../db/port.js';
import { batchLinks } from './batchLinks.js';
import type { EventStore } from '../eventstore/port.js';
import type { Projection } from '../../projections/projection.js';
import { foldLog } from './rebuildFold.js';
import { RebuildError } from './rebuildError.js';
import { errorMessage } from '../shared/errorMessage.js';
import { applyToAll, swapIn } from './rebuildSwap.js';
import { storiesOn } from '../eventstore/paymentStory.js';
import { takeRebuildLock } from './rebuildLock.js';
import { recordRebuild, type RebuildRecorder } from './rebuildRecord.js';
import {
  analyzeRebuildTables,
  createDeferredIndexes,
  createRebuildTables,
  dropLeftoverRebuilds,
  dropRebuildTables,
  newRebuildSchema,
  withSwapRetries,
} from './rebuildTables.js';

export { RebuildError } from './rebuildError.js';

/** Catching up to a moving head, the rebuild swaps after this many rounds however much is left. */
const CATCH_UP_ROUNDS = 3;

/** What a rebuild is doing: folding the log, writing what it held, building the indexes it left out,
 * applying what arrived meanwhile. */
export type RebuildPhase = 'folding' | 'writing' | 'indexing' | 'catching_up';

export type RebuildProgress = {
  phase: RebuildPhase;
  /** The log position folded or applied up to, of `total` (the head when the rebuild started). */
  done: number;
  total: number;
  /** What positions count: events (PostgreSQL's dense positions), or bytes of the log (EventStoreDB's
   * commit positions), so a bar over them says which. */
  unit: 'events' | 'log bytes';
  eventsPerSecond: number;
  etaSeconds: number | null;
};

export type RebuildReport = {
  projections: string[];
  events: number;
  seconds: number;
  position: number;
};

export type RebuildOptions = {
  /** The catalog, the lock and the swap: statements that wait for locks, with the caller's deadlines. */
  db: Db;
  /** The long work: writing what was folded, building the indexes left out, analyzing, catching up
   * (statements over millions of rows, which no deadline fits). Default: `db`. */
  workDb?: Db;
  store: EventStore;
  projections: readonly Projection[];
  onProgress?: (progress: RebuildProgress) => void;
  signal?: AbortSignal;
  /** Events per batch read from the log. */
  batchSize?: number;
  /** States of one fold held as objects at most before they are parked, compressed. */
  maxStatesInMemory?: number;
  /** Bytes of parked states of one fold at most before every state held is written (bounds the memory used). */
  maxParkedBytes?: number;
  /** Whether memory runs short, so every state held is written (default: past 80 % of V8's heap limit). */
  memoryShort?: () => boolean;
};

/** About 3 KiB each as objects (a payment state with its snapshots); past it, states are parked,
 * compressed (~250 bytes each with their key). */
const MAX_STATES_IN_MEMORY = 20_000;
/** Parked states of one fold: those of ~400,000 payments (a log of 1.5 million events). Past it, states
 * are written and read back when touched again, so memory stays bounded whatever the log's length. */
const MAX_PARKED_BYTES = 96 * 1024 * 1024;
const FOLD_BATCH_SIZE = 500;
/** How long the end of a rebuild waits for its record (ledger.rebuilds) to be written: a failed one
 * briefly, as its database may be what failed. */
const RECORD_FINISH_MS = 5_000;
const RECORD_FAILURE_MS = 1_000;

/** Share of V8's heap limit in use past which a rebuild writes what it holds (src/cli/heapCap.ts caps
 * the heap of `projections rebuild`); checked at most once in a while, as garbage counts as used too. */
const HEAP_SHORT_SHARE = 0.8;
const HEAP_CHECK_EVERY_MS = 2_000;

const heapRunsShort = () => {
  let checked = 0;
  return () => {
    if (Date.now() - checked < HEAP_CHECK_EVERY_MS) return false;
    checked = Date.now();
    const heap = getHeapStatistics();
    return heap.used_heap_size > HEAP_SHORT_SHARE * heap.heap_size_limit;
  };
};

/** SQLSTATE classes of a statement PostgreSQL refuses for what it writes (data exception, integrity
 * constraint, program limit such as an index row too large): the same log fails the same way. */
const REFUSED_ROWS = /^(22|23|54)/;

/** What the operator can do about a failed rebuild: wait and run it again, unless the rows themselves
 * were refused. */
const adviceFor = (error: unknown): string => {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && REFUSED_ROWS.test(code)
    ? `PostgreSQL refused the rows it wrote (SQLSTATE ${code}), so running it again fails the same way until ` +
        'the event or the code is fixed; `stripe-ledger projections failures` names the event if the live ' +
        'projection stopped at it too'
    : 'run it again';
};

/**
 * Builds fresh tables beside the live ones: folds the log up to the head seen at the start with the
 * engine's rebuild session (rebuildFold.ts), catches up to the moving head batch by batch as the live
 * workers do, then swaps the tables in one short transaction (rebuildSwap.ts). The live tables serve
 * until the swap; a failure, an abort or the loss of its lock (rebuildLock.ts) swaps nothing.
 */
export const rebuildProjections = async (options: RebuildOptions): Promise<RebuildReport> => {
  const { db, store, projections, signal } = options;
  const workDb = options.workDb ?? db;
  const batchSize = options.batchSize ?? 5000;
  const lock = await takeRebuildLock(db);
  const target = { schema: newRebuildSchema() };
  const started = Date.now();
  let events = 0;
  let folded = 0;
  let record: RebuildRecorder | null = null;
  try {
    await dropLeftoverRebuilds(db);
    const head = await store.headPosition();
    record = await recordRebuild(db, {
      projections: projections.map((projection) => projection.name),
      owner: `${hostname()}:${process.pid}`,
      total: head,
    });
    const report = (done: number, phase: RebuildPhase) => {
      const seconds = (Date.now() - started) / 1000;
      const eventsPerSecond = seconds > 0 ? events / seconds : 0;
      // In positions, as `done` and `head` are: EventStoreDB's are bytes of the log, not events.
      const positionsPerSecond = seconds > 0 ? Math.min(done, head) / seconds : 0;
      const etaSeconds = positionsPerSecond > 0 && head > done ? (head - done) / positionsPerSecond : null;
      const unit = store.positionsAreDense ? ('events' as const) : ('log bytes' as const);
      const progress = { phase, done: Math.min(done, head), total: head, unit, eventsPerSecond, etaSeconds };
      record?.progress(progress);
      options.onProgress?.(progress);
    };
    const checkAbort = () => {
      lock.check();
      if (signal?.aborted) throw new RebuildError('rebuild aborted: the live tables are untouched');
    };
    /** Everything up to the swap: the position reached, and what is left to apply in the swap. */
    const build = async () => {
      const deferred = await createRebuildTables(db, projections, target.schema);
      let position = await foldLog({
        db: workDb,
        store,
        projections,
        target,
        head,
        // Small batches while folding: a batch's events then die young, where those of large ones outlive
        // a few scavenges and are copied into the old generation (more garbage-collection CPU and RSS).
        batchSize: options.batchSize ?? FOLD_BATCH_SIZE,
        session: {
          checkAbort,
          onWrite: () => report(folded, 'writing'),
          maxStates: options.maxStatesInMemory ?? MAX_STATES_IN_MEMORY,
          maxParkedBytes: options.maxParkedBytes ?? MAX_PARKED_BYTES,
          maxHistoryRows: 20_000,
          // Outside any transaction: the store's own reads (also on the embedded database).
          stories: storiesOn(store)(db),
          memoryShort: options.memoryShort ?? heapRunsShort(),
        },
        checkAbort,
        onBatch: (batch) => {
          events += batch.length;
          folded = batch.at(-1)!.position;
          report(folded, 'folding');
        },
      });
      checkAbort();
      report(head, 'indexing');
      await createDeferredIndexes(workDb, deferred);
      checkAbort();
      await analyzeRebuildTables(workDb, projections, target.schema);
      // Up to the head, which keeps moving while webhooks arrive: in rounds, each up to the head seen when
      // it began. Once little is left (or after a few rounds: appends may come faster than a rebuild
      // applies them), the rest goes into the swap, which applies it up to the head it sees, and the live
      // workers take over from there. Without the rounds a steady stream of appends kept it here for ever.
      let until = await store.headPosition();
      for (let rounds = 0; ;) {
        checkAbort();
        const batch = await store.readAll(position, batchSize);
        if (batch.length < Math.min(batchSize, 500) || rounds >= CATCH_UP_ROUNDS)
          return { position, tail: batch };
        const links = await batchLinks(store, batch);
        await workDb.transaction((tx) =>
          applyToAll(tx, projections, target, batch, links, storiesOn(store)(tx)),
        );
        position = batch.at(-1)!.position;
        events += batch.length;
        report(position, 'catching_up');
        if (position >= until) {
          rounds += 1;
          until = await store.headPosition();
        }
      }
    };
    const building = build();
    building.catch(() => undefined);
    // A lost lock ends the rebuild at once, even with a statement of the build still waiting for the
    // database (the build stops at its next step); once the swap has begun, the swap decides.
    const { position: built, tail } = await Promise.race([building, lock.lost]);
    const position = await withSwapRetries(() =>
      swapIn({ db, store, projections, target, position: built, tail, stillHeld: lock.assertHeld }),
    );
    events += tail.length;
    report(position, 'catching_up');
    await record.finish('swapped', RECORD_FINISH_MS);
    return {
      projections: projections.map((projection) => projection.name),
      events,
      seconds: (Date.now() - started) / 1000,
      position,
    };
  } catch (error) {
    // A rebuild that lost its lock may still have a statement of its build on its tables: it leaves them
    // to the next rebuild, which drops what earlier ones left.
    if (!lock.isLost()) await dropRebuildTables(db, target.schema).catch(() => undefined);
    // Whatever failed (a connection terminated, a statement's deadline), the swap had not committed.
    const failure =
      error instanceof RebuildError
        ? error
        : new RebuildError(
            `rebuild failed: ${errorMessage(error)}; nothing was swapped, the live tables are untouched: ${adviceFor(error)}`,
            undefined,
            { cause: error },
          );
    await record?.finish('failed', RECORD_FAILURE_MS, failure);
    throw failure;
  } finally {
    await lock.release();
  }
};

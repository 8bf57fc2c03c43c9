import {
  type AppendRequest,
  type AppendResult,
  type EventStore,
  PartialAppendError,
} from '../eventstore/port.js';

type Pending = {
  request: AppendRequest;
  queuedAt: number;
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
};

export type GroupAppender = { append(request: AppendRequest): Promise<AppendResult> };

/** The queue is full: the store is slower than deliveries arrive. Refused at once, never queued. */
export class AppendQueueFull extends Error {}

/** A request waited in the queue past its deadline: its caller has answered already, it is not written. */
export class AppendQueueTimeout extends Error {}

export type GroupAppenderOptions = {
  /** Most requests in one commit. */
  maxBatch?: number;
  /** Most requests waiting for a commit; past it, append rejects at once with AppendQueueFull. */
  maxQueued?: number;
  /** A request still queued after this long is dropped with AppendQueueTimeout, not written. */
  maxWaitMs?: number;
};

/**
 * Concurrent appends share one commit: while a batch is being written, new requests queue up and go
 * together in the next one. Each caller still learns its own result only after its batch committed.
 * The queue is bounded in length and in time, so a store that hangs cannot make it grow without end.
 */
export const groupAppender = (
  store: EventStore,
  { maxBatch = 500, maxQueued = 2000, maxWaitMs = 8000 }: GroupAppenderOptions = {},
): GroupAppender => {
  let queue: Pending[] = [];
  let writing = false;

  const settleOneByOne = async (batch: Pending[]) => {
    // A batch failed: one bad request must not fail its neighbours, so each is tried alone.
    await Promise.all(
      batch.map(async (pending) => {
        try {
          const [result] = await store.appendMany([pending.request]);
          pending.resolve(result!);
        } catch (error) {
          pending.reject(error);
        }
      }),
    );
  };

  /** Answers the requests a partly failed batch stored (a retry would call them duplicates), and leaves
   * the rest to be tried alone. */
  const storedAnswered = (batch: Pending[], error: unknown): Pending[] => {
    if (!(error instanceof PartialAppendError)) return batch;
    return batch.filter((pending, index) => {
      const outcome = error.outcomes[index];
      if (outcome?.status !== 'fulfilled') return true;
      pending.resolve(outcome.value);
      return false;
    });
  };

  /** Takes the next batch, leaving out (and rejecting) requests that waited too long. */
  const nextBatch = (): Pending[] => {
    const oldest = Date.now() - maxWaitMs;
    const batch: Pending[] = [];
    let taken = 0;
    while (taken < queue.length && batch.length < maxBatch) {
      const pending = queue[taken]!;
      taken += 1;
      if (pending.queuedAt >= oldest) batch.push(pending);
      else pending.reject(new AppendQueueTimeout(`waited over ${maxWaitMs} ms for the event store`));
    }
    queue = queue.slice(taken);
    return batch;
  };

  const drain = async () => {
    writing = true;
    while (queue.length > 0) {
      const batch = nextBatch();
      if (batch.length === 0) continue;
      try {
        const results = await store.appendMany(batch.map((pending) => pending.request));
        batch.forEach((pending, index) => pending.resolve(results[index]!));
      } catch (error) {
        if (batch.length === 1) batch[0]!.reject(error);
        else await settleOneByOne(storedAnswered(batch, error));
      }
    }
    writing = false;
  };

  return {
    append: (request) =>
      new Promise<AppendResult>((resolve, reject) => {
        if (queue.length >= maxQueued) {
          reject(new AppendQueueFull(`${maxQueued} appends are already waiting for the event store`));
          return;
        }
        queue.push({ request, queuedAt: Date.now(), resolve, reject });
        if (!writing) void drain();
      }),
  };
};

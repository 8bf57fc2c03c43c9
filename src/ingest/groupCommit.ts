import type { AppendRequest, AppendResult, EventStore } from '../eventstore/port.js';

type Pending = {
  request: AppendRequest;
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
};

export type GroupAppender = { append(request: AppendRequest): Promise<AppendResult> };

/**
 * Concurrent appends share one commit: while a batch is being written, new requests queue up and go
 * together in the next one. Each caller still learns its own result only after its batch committed.
 */
export const groupAppender = (store: EventStore, { maxBatch = 500 } = {}): GroupAppender => {
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

  const drain = async () => {
    writing = true;
    while (queue.length > 0) {
      const batch = queue.slice(0, maxBatch);
      queue = queue.slice(batch.length);
      try {
        const results = await store.appendMany(batch.map((pending) => pending.request));
        batch.forEach((pending, index) => pending.resolve(results[index]!));
      } catch (error) {
        if (batch.length === 1) batch[0]!.reject(error);
        else await settleOneByOne(batch);
      }
    }
    writing = false;
  };

  return {
    append: (request) =>
      new Promise<AppendResult>((resolve, reject) => {
        queue.push({ request, resolve, reject });
        if (!writing) void drain();
      }),
  };
};

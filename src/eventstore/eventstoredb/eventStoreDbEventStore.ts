/**
 * The EventStore port on EventStoreDB / KurrentDB (@eventstore/db-client): one stream per payment as
 * named, the global order is $all restricted to the ledger's streams, positions are commit positions
 * (see read.ts), and charge links are kept in PostgreSQL. The client and the database belong to the
 * caller: close() only stops what this store started.
 */
import type { EventStoreDBClient } from '@eventstore/db-client';
import type { Db } from '../../db/port.js';
import { type AppendRequest, type AppendResult, type EventStore, PartialAppendError } from '../port.js';
import { appendIdempotently } from './append.js';
import { paymentOfCharge } from './chargeLinks.js';
import { headPosition, readAllAfter, readStream } from './read.js';
import { subscribeAll } from './subscribeAll.js';

/** Streams appended at once. Each append also writes to PostgreSQL (its receipt, the event's claim), so
 * a sync batch of a thousand streams appended all at once waited for the pool's few connections past
 * its connect timeout, and some of them failed. */
export const STREAMS_AT_ONCE = 8;

/**
 * EventStoreDB has no multi-stream transaction: one append per request, up to STREAMS_AT_ONCE streams
 * in parallel, requests for the same stream in order so a later one sees an earlier one (as within one
 * PostgreSQL commit). When one fails, the stream's later requests are not tried and the others may have
 * been stored: the PartialAppendError says which, so that no stored one is retried and answered as a
 * duplicate.
 */
export const appendPerStream = async (
  requests: AppendRequest[],
  append: EventStore['append'],
): Promise<AppendResult[]> => {
  const outcomes: (PromiseSettledResult<AppendResult> | undefined)[] = requests.map(() => undefined);
  const byStream = new Map<string, number[]>();
  requests.forEach((request, index) =>
    byStream.set(request.stream, [...(byStream.get(request.stream) ?? []), index]),
  );
  const streams = [...byStream.values()];
  let next = 0;
  const appendStreams = async () => {
    for (let indexes = streams[next++]; indexes !== undefined; indexes = streams[next++]) {
      for (const index of indexes) {
        const { stream, events, expectedVersion } = requests[index]!;
        try {
          outcomes[index] = { status: 'fulfilled', value: await append(stream, events, expectedVersion) };
        } catch (reason) {
          outcomes[index] = { status: 'rejected', reason };
          break;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(STREAMS_AT_ONCE, streams.length) }, appendStreams));
  const results = outcomes.flatMap((outcome) => (outcome?.status === 'fulfilled' ? [outcome.value] : []));
  if (results.length === requests.length) return results;
  // One request alone: its own error, as the PostgreSQL store throws it.
  if (requests.length === 1) throw (outcomes[0] as PromiseRejectedResult).reason;
  throw new PartialAppendError(outcomes);
};

export const eventStoreDbEventStore = (client: EventStoreDBClient, db: Db): EventStore => {
  const subscriptions = new Set<() => Promise<void>>();
  const append: EventStore['append'] = (stream, events, expectedVersion) =>
    appendIdempotently(client, db, stream, events, expectedVersion);

  return {
    // Commit positions are byte offsets in the server's log.
    positionsAreDense: false,
    append,
    appendMany: (requests) => appendPerStream(requests, append),
    readStream: (stream) => readStream(client, stream),
    readAll: (after, limit) => readAllAfter(client, after, limit),
    headPosition: () => headPosition(client),
    // A subscription from the current head: nothing appended after this call resolves can be missed, and
    // after a drop it resumes from the last event seen. Errors are not surfaced: the subscription retries
    // by itself and the projector polls as a fallback (SPEC section 6).
    onAppend: async (callback) => {
      const stop = subscribeAll(
        client,
        await headPosition(client),
        async () => callback(),
        () => undefined,
      );
      subscriptions.add(stop);
      return async () => {
        subscriptions.delete(stop);
        await stop();
      };
    },
    paymentOfCharge: (chargeId) => paymentOfCharge(db, chargeId),
    close: async () => {
      await Promise.all([...subscriptions].map((stop) => stop()));
      subscriptions.clear();
    },
  };
};

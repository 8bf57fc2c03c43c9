/**
 * Idempotent appends on EventStoreDB. The server dedupes event ids only on a retry at the same expected
 * revision, or from a bounded best-effort cache under `any`: neither is a guarantee. So every append reads
 * the stream first, skips the ids already in it, and writes under the exact revision it read. A concurrent
 * append then fails with wrong-expected-version instead of slipping a second copy in, and we read again,
 * unless the concurrent append carried the very same events: then the server answers ours as an
 * idempotent retry, with a success indistinguishable from a first write (see `write`).
 */
import { randomUUID } from 'node:crypto';
import {
  MaxAppendSizeExceededError,
  NO_STREAM,
  UnavailableError,
  WrongExpectedVersionError,
  type AppendExpectedRevision,
  type EventStoreDBClient,
} from '@eventstore/db-client';
import type { Queryable } from '../../db/port.js';
import { EventTooLargeError } from '../eventTooLarge.js';
import type { AppendResult, ExpectedVersion, StoredEvent } from '../port.js';
import type { NewEvent } from '../../domain/ledgerEvent.js';
import { recordChargeLinks } from './chargeLinks.js';
import { claimStreams } from './eventClaims.js';
import { APPEND_ID_KEY, readStream, readStreamAt } from './read.js';
import { recordReceived } from './receivedEvents.js';

// Under `any`, other appends to the same payment may keep moving the stream; past this many rounds the
// caller gets an error (the webhook answers 503 and Stripe retries) rather than spinning.
const MAX_ATTEMPTS = 5;

type StreamVersion = number | 'no_stream';
type Step = AppendResult | { kind: 'append'; events: NewEvent[]; current: StreamVersion };

/** The revision an append must find: the stream's last revision (0-based), or no stream at all. */
const expectedRevisionOf = (current: StreamVersion): AppendExpectedRevision =>
  current === 'no_stream' ? NO_STREAM : BigInt(current);

/** What to do given the stream as read: pure, so the decision is visible in one place. */
export const planAppend = (stored: StoredEvent[], events: NewEvent[], expected: ExpectedVersion): Step => {
  const seen = new Set(stored.map((event) => event.id));
  // Ids repeated within the request are written once too, as in the PostgreSQL adapter.
  const fresh = events.filter((event) => !seen.has(event.id) && seen.add(event.id));
  if (events.length > 0 && fresh.length === 0) return { kind: 'duplicate' };
  const last = stored.at(-1);
  const current = last?.streamVersion ?? 'no_stream';
  if (expected !== 'any' && expected !== current) return { kind: 'conflict', actualVersion: current };
  if (fresh.length === 0) {
    return { kind: 'ok', position: last?.position ?? 0, nextExpectedVersion: last?.streamVersion ?? -1 };
  }
  return { kind: 'append', events: fresh, current };
};

// The id of the write is stored in each event's metadata (and left out again when read, read.ts), so a
// success can be checked against what the server really stored.
const toEventData = (event: NewEvent, appendId: string) => ({
  id: event.id,
  contentType: 'application/json' as const,
  type: event.type,
  data: event.data,
  metadata: { ...event.metadata, [APPEND_ID_KEY]: appendId },
});

/** The size the server counts against its MaxAppendSize: data + metadata bytes + 2 x type length. */
const sizeOnDisk = (events: ReturnType<typeof toEventData>[]) =>
  events.reduce(
    (total, event) =>
      total +
      Buffer.byteLength(JSON.stringify(event.data)) +
      Buffer.byteLength(JSON.stringify(event.metadata)) +
      event.type.length * 2,
    0,
  );

/**
 * Null when the stream moved since it was read. A success is either our write or, when a concurrent
 * append stored the same events at that revision first, the server's idempotent answer to ours:
 * IndexWriter.CheckCommit decides Idempotent, and RequestManagerBase.Handle(AlreadyCommitted) ->
 * ReturnCommitAt answers success with the existing events' revision and position (EventStore/EventStore,
 * src/EventStore.Core/Services/Storage/ReaderIndex/IndexWriter.cs and
 * src/EventStore.Core/Services/RequestManager/Managers/RequestManagerBase.cs). The answers are the same,
 * so the stored event at the answered revision tells: it carries our write's id only if we wrote it.
 */
const write = async (
  client: EventStoreDBClient,
  stream: string,
  step: Extract<Step, { kind: 'append' }>,
): Promise<AppendResult | null> => {
  const appendId = randomUUID();
  const events = step.events.map((event) => toEventData(event, appendId));
  try {
    const result = await client.appendToStream(stream, events, {
      expectedRevision: expectedRevisionOf(step.current),
    });
    // `success: false` is how a client built with throwOnAppendFailure=false reports a wrong revision.
    if (!result.success) return null;
    const stored = await readOnceMore(() => readStreamAt(client, stream, result.nextExpectedRevision));
    if (stored?.appendId !== appendId) return { kind: 'duplicate' };
    return {
      kind: 'ok',
      position: stored.position,
      nextExpectedVersion: Number(result.nextExpectedRevision),
    };
  } catch (error) {
    if (error instanceof WrongExpectedVersionError) return null;
    // RpcExceptions.MaxAppendSizeExceeded: no retry can store it, so it must not look like an outage.
    if (error instanceof MaxAppendSizeExceededError) {
      throw new EventTooLargeError(stream, sizeOnDisk(events), error.maxAppendSize);
    }
    throw error;
  }
};

/**
 * A read is retried once when the channel was unavailable: the client replaces its gRPC channel after an
 * UNAVAILABLE answer (a dropped subscription, a restarted node), and a call made while it does so fails
 * with "Channel closed before call started" although the next one succeeds. Reads are safe to repeat.
 */
const readOnceMore = async <T>(read: () => Promise<T>): Promise<T> => {
  try {
    return await read();
  } catch (error) {
    if (!(error instanceof UnavailableError)) throw error;
    return read();
  }
};

/** The requested events as the stream holds them (with their positions): read again if some were just written. */
const storedCopies = async (
  client: EventStoreDBClient,
  stream: string,
  events: NewEvent[],
  storedBefore: StoredEvent[],
): Promise<StoredEvent[]> => {
  const ids = new Set(events.map((event) => event.id));
  const known = storedBefore.filter((event) => ids.has(event.id));
  if (known.length === ids.size) return known;
  const stored = await readOnceMore(() => readStream(client, stream));
  return stored.filter((event) => ids.has(event.id));
};

/**
 * After a wrong expected version the stream is read again: the events may be there now (duplicate), an
 * explicit expected version is now a conflict with the version read, and `any` retries at the new revision.
 */
const appendToStream = async (
  client: EventStoreDBClient,
  db: Queryable,
  stream: string,
  events: NewEvent[],
  expected: ExpectedVersion,
): Promise<AppendResult> => {
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
    const stored = await readOnceMore(() => readStream(client, stream));
    const step = planAppend(stored, events, expected);
    const result = step.kind === 'append' ? await write(client, stream, step) : step;
    if (result === null) continue;
    // Links and received copies are written after the events, and again on a duplicate: a redelivery
    // repairs what a failure between the writes left out.
    if (result.kind !== 'conflict') {
      await recordChargeLinks(db, events);
      await recordReceived(db, await storedCopies(client, stream, events, stored));
    }
    return result;
  }
  throw new Error(
    `EventStoreDB stream ${stream} kept changing during ${MAX_ATTEMPTS} append attempts: retry the append later`,
  );
};

/**
 * Event ids are unique across streams, as in the PostgreSQL store: each id is claimed for one stream
 * first (eventClaims.ts). Events claimed by another stream are made sure of there and count as duplicates.
 */
export const appendIdempotently = async (
  client: EventStoreDBClient,
  db: Queryable,
  stream: string,
  events: NewEvent[],
  expected: ExpectedVersion,
): Promise<AppendResult> => {
  const claims = await claimStreams(db, stream, events);
  const streamOf = (event: NewEvent) => claims.get(event.id) ?? stream;
  const elsewhere = new Map<string, NewEvent[]>();
  for (const event of events.filter((event) => streamOf(event) !== stream)) {
    elsewhere.set(streamOf(event), [...(elsewhere.get(streamOf(event)) ?? []), event]);
  }
  for (const [other, group] of elsewhere) await appendToStream(client, db, other, group, 'any');
  const here = events.filter((event) => streamOf(event) === stream);
  if (events.length > 0 && here.length === 0) return { kind: 'duplicate' };
  return appendToStream(client, db, stream, here, expected);
};

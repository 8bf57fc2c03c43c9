/**
 * Reads from EventStoreDB. Positions are commit positions: byte offsets in the server's log, strictly
 * increasing but not dense, and unique per event because every event appended over gRPC is committed on
 * its own (commit == prepare). Readers of the port only rely on them growing.
 */
import {
  BACKWARDS,
  END,
  FORWARDS,
  START,
  StreamNotFoundError,
  type AllStreamResolvedEvent,
  type Direction,
  type EventStoreDBClient,
  type Position,
  type ReadPosition,
  type ResolvedEvent,
} from '@eventstore/db-client';
import type { StoredEvent } from '../port.js';
import type { EventMetadata } from '../../domain/ledgerEvent.js';

/** The ledger's streams (SPEC sections 2 and 12, src/domain/stream.ts, src/domain/moneyEvents.ts): payments,
 * events about other objects, payouts, and account-level balance transactions. */
export const LEDGER_STREAM_PREFIXES = ['payment-', 'stripe-', 'payout-', 'balance-'];

// @eventstore/db-client 6.2 cannot filter a read of $all (it always sends no_filter), so reads page
// through $all and keep the ledger's events themselves; subscriptions filter on the server.
const PAGE_SIZE = 512;

export const positionAt = (position: number): Position => ({
  commit: BigInt(position),
  prepare: BigInt(position),
});

/** The metadata key holding the id of the write that stored an event (append.ts); not part of the event. */
export const APPEND_ID_KEY = 'append_id';

const withoutAppendId = (metadata: unknown): EventMetadata => {
  // Events the ledger did not write (system records, another writer's) may carry no metadata at all.
  if (metadata === null || typeof metadata !== 'object' || !(APPEND_ID_KEY in metadata)) {
    return metadata as EventMetadata;
  }
  const { [APPEND_ID_KEY]: _appendId, ...rest } = metadata as Record<string, unknown>;
  return rest as EventMetadata;
};

const toStoredEvent = (resolved: ResolvedEvent | AllStreamResolvedEvent): StoredEvent | null => {
  const event = resolved.event;
  if (!event?.isJson || !event.position) return null;
  // What append stored, a domain event, so its type and data are taken as one; ledgerEventOf leaves out
  // other writers' events, and the folds still refuse a type they do not know.
  return {
    id: event.id,
    type: event.type,
    data: event.data,
    metadata: withoutAppendId(event.metadata),
    stream: event.streamId,
    streamVersion: Number(event.revision),
    position: Number(event.position.commit),
    recordedAt: event.created,
  } as StoredEvent;
};

/** A ledger event of $all: in a ledger stream, and not a system event (`$`-typed, such as links). */
export const ledgerEventOf = (resolved: ResolvedEvent | AllStreamResolvedEvent): StoredEvent | null => {
  const event = toStoredEvent(resolved);
  const inLedger = event && LEDGER_STREAM_PREFIXES.some((prefix) => event.stream.startsWith(prefix));
  return inLedger && !event.type.startsWith('$') ? event : null;
};

const collect = async <T>(read: AsyncIterable<T>): Promise<T[]> => {
  const items: T[] = [];
  for await (const item of read) items.push(item);
  return items;
};

const readPage = (client: EventStoreDBClient, fromPosition: ReadPosition, direction: Direction) =>
  collect<AllStreamResolvedEvent>(client.readAll({ fromPosition, maxCount: PAGE_SIZE, direction }));

export const readStream = async (client: EventStoreDBClient, stream: string): Promise<StoredEvent[]> => {
  try {
    const resolved = await collect<ResolvedEvent>(client.readStream(stream));
    return resolved.map(toStoredEvent).filter((event) => event !== null);
  } catch (error) {
    if (error instanceof StreamNotFoundError) return [];
    throw error;
  }
};

/** The event at `revision` of a stream with the id of the write that stored it, or null if there is none. */
export const readStreamAt = async (
  client: EventStoreDBClient,
  stream: string,
  revision: bigint,
): Promise<{ appendId: unknown; position: number } | null> => {
  try {
    const [resolved] = await collect<ResolvedEvent>(
      client.readStream(stream, { fromRevision: revision, maxCount: 1 }),
    );
    const event = resolved?.event;
    if (!event?.position || event.revision !== revision) return null;
    const metadata = (event.isJson ? event.metadata : {}) as Record<string, unknown>;
    return { appendId: metadata[APPEND_ID_KEY], position: Number(event.position.commit) };
  } catch (error) {
    if (error instanceof StreamNotFoundError) return null;
    throw error;
  }
};

/** Ledger events with a position greater than `after`, in log order, at most `limit`. */
export const readAllAfter = async (
  client: EventStoreDBClient,
  after: number,
  limit: number,
): Promise<StoredEvent[]> => {
  const found: StoredEvent[] = [];
  let seen = after;
  let from: ReadPosition = after === 0 ? START : positionAt(after);
  while (found.length < limit) {
    const page = await readPage(client, from, FORWARDS);
    for (const resolved of page) {
      const position = Number(resolved.event?.position.commit ?? -1);
      // A forwards read includes the event at its start position: already seen.
      if (position <= seen) continue;
      seen = position;
      const event = ledgerEventOf(resolved);
      if (event) found.push(event);
      if (found.length === limit) break;
    }
    const last = page.at(-1)?.event?.position;
    if (page.length < PAGE_SIZE || !last) break;
    from = last;
  }
  return found;
};

/** Position of the last ledger event, 0 when there is none. */
export const headPosition = async (client: EventStoreDBClient): Promise<number> => {
  let from: ReadPosition = END;
  for (;;) {
    const page = await readPage(client, from, BACKWARDS);
    const latest = page.map(ledgerEventOf).find((event) => event !== null);
    if (latest) return latest.position;
    const last = page.at(-1)?.event?.position;
    if (page.length < PAGE_SIZE || !last) return 0;
    // A backwards read stops before its start position, so pages do not overlap.
    from = last;
  }
};

/**
 * The in-memory transaction log behind the in-process EventStoreDB server. It keeps the semantics the
 * adapter depends on: 0-based stream revisions, one global order whose positions only grow (byte-offset
 * like, so not dense, and commit == prepare as for every event appended over gRPC), and the server's
 * expected-revision rules, including its idempotent answer for a retried append at the same revision
 * (a success carrying the existing events' revision and position, exactly like a first write).
 */
export type LogRecord = {
  id: string;
  stream: string;
  revision: number;
  position: number;
  type: string;
  contentType: string;
  data: Uint8Array;
  customMetadata: Uint8Array;
  createdMs: number;
};

export type ProposedEvent = Pick<LogRecord, 'id' | 'type' | 'contentType' | 'data' | 'customMetadata'>;

export type ExpectedRevision =
  | { kind: 'any' }
  | { kind: 'no_stream' }
  | { kind: 'stream_exists' }
  | { kind: 'revision'; revision: number };

/** `position` null only for an append of no events to a stream that does not exist. */
export type AppendOutcome =
  | { kind: 'success'; revision: number | null; position: number | null }
  | { kind: 'wrong_expected_version'; current: number | null };

// A record's size in a real log: a fixed header plus its payload. Only the growth matters to readers.
const RECORD_HEADER_BYTES = 128;

export type MemoryLog = ReturnType<typeof createMemoryLog>;

export const createMemoryLog = () => {
  const records: LogRecord[] = [];
  const streams = new Map<string, LogRecord[]>();
  const listeners = new Set<(record: LogRecord) => void>();
  let nextPosition = 0;

  const write = (stream: string, event: ProposedEvent): LogRecord => {
    const streamRecords = streams.get(stream) ?? [];
    const record: LogRecord = {
      ...event,
      stream,
      revision: streamRecords.length,
      position: nextPosition,
      createdMs: Date.now(),
    };
    nextPosition += RECORD_HEADER_BYTES + event.data.length + event.customMetadata.length;
    streamRecords.push(record);
    streams.set(stream, streamRecords);
    records.push(record);
    return record;
  };

  // The server's IndexWriter.CheckCommit (EventStore/EventStore,
  // src/EventStore.Core/Services/Storage/ReaderIndex/IndexWriter.cs): when the expected revision is below
  // the stream's current one, it reads the events that follow the expected revision; if they carry
  // exactly the proposed ids the decision is Idempotent, if only the first few do it is
  // CorruptedIdempotency (answered as a wrong expected version), otherwise WrongExpectedVersion. Under
  // `any` it only consults a bounded cache of recent event ids, which this server deliberately does not
  // have (so `any` never dedupes here, and the adapter must not rely on it).
  // Answers the last matching record, or null when the retry is not idempotent.
  const idempotentMatch = (stream: string, after: number, events: ProposedEvent[]): LogRecord | null => {
    const following = (streams.get(stream) ?? []).slice(after + 1, after + 1 + events.length);
    const matches =
      events.length > 0 &&
      following.length === events.length &&
      following.every((record, i) => record.id === events[i]!.id);
    return matches ? following.at(-1)! : null;
  };

  const append = (stream: string, expected: ExpectedRevision, events: ProposedEvent[]): AppendOutcome => {
    const current = (streams.get(stream)?.length ?? 0) - 1;
    const currentOrNull = current < 0 ? null : current;
    const required =
      expected.kind === 'revision' ? expected.revision : expected.kind === 'no_stream' ? -1 : undefined;
    if (expected.kind === 'stream_exists' && current < 0) {
      return { kind: 'wrong_expected_version', current: null };
    }
    if (required !== undefined && required !== current) {
      const existing = required < current ? idempotentMatch(stream, required, events) : null;
      // An Idempotent decision becomes StorageMessage.AlreadyCommitted carrying the log position of the
      // last matching event; RequestManagerBase.Handle(AlreadyCommitted) -> ReturnCommitAt completes the
      // write as a success at that position (src/EventStore.Core/Services/RequestManager/Managers/
      // RequestManagerBase.cs), and Streams.Append answers it like any success: current revision and
      // position, never "no position". So a retry cannot be told from a first write by its answer.
      return existing
        ? { kind: 'success', revision: existing.revision, position: existing.position }
        : { kind: 'wrong_expected_version', current: currentOrNull };
    }
    const written = events.map((event) => write(stream, event));
    for (const record of written) for (const listener of listeners) listener(record);
    const last = written.at(-1);
    return { kind: 'success', revision: last?.revision ?? currentOrNull, position: last?.position ?? null };
  };

  return {
    append,
    /** Undefined when the stream does not exist. */
    stream: (stream: string): readonly LogRecord[] | undefined => streams.get(stream),
    all: (): readonly LogRecord[] => records,
    /** Position of the last record, -1 when the log is empty. */
    head: (): number => records.at(-1)?.position ?? -1,
    /** Calls `listener` for every record written from now on, in log order. */
    onRecord: (listener: (record: LogRecord) => void): (() => void) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
};

/**
 * The in-memory transaction log behind the in-process EventStoreDB server. It keeps the semantics the
 * adapter depends on: 0-based stream revisions, one global order whose positions only grow (byte-offset
 * like, so not dense, and commit == prepare as for every event appended over gRPC), and the server's
 * expected-revision rules, including its idempotent answer for a retried append at the same revision.
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

/** `position` null: an idempotent retry, which the real server answers without a position. */
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

  // The real server answers a retried write at the same expected revision idempotently when the events
  // that follow that revision carry exactly the proposed ids; with `any` it only consults a bounded
  // cache, which this server deliberately does not have (so `any` never dedupes here).
  const isIdempotentRetry = (stream: string, after: number, events: ProposedEvent[]) => {
    const following = (streams.get(stream) ?? []).slice(after + 1, after + 1 + events.length);
    return following.length === events.length && following.every((record, i) => record.id === events[i]!.id);
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
      return required < current && isIdempotentRetry(stream, required, events)
        ? { kind: 'success', revision: required + events.length, position: null }
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

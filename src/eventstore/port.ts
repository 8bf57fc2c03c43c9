/** The event store port. Two adapters implement it (PostgreSQL, EventStoreDB) and both pass
 * tests/support/eventStoreContract.ts. Streams are 0-based: the first event of a stream has version 0. */
import type { Queryable } from '../db/port.js';
import type { NewEvent } from '../domain/ledgerEvent.js';

export type StoredEvent = NewEvent & {
  stream: string;
  streamVersion: number;
  /** Position in the global order: strictly increasing, never skipped by a reader. */
  position: number;
  recordedAt: Date;
};

/** `no_stream`: the stream must not exist; a number: the stream's current last version must equal it. */
export type ExpectedVersion = 'any' | 'no_stream' | number;

export type AppendResult =
  | { kind: 'ok'; position: number; nextExpectedVersion: number }
  | { kind: 'duplicate' }
  | { kind: 'conflict'; actualVersion: number | 'no_stream' };

export type AppendRequest = { stream: string; events: NewEvent[]; expectedVersion: ExpectedVersion };

/**
 * appendMany on a store without multi-stream transactions (EventStoreDB): some requests were stored and
 * others failed. `outcomes[i]` is request i's result, its own error, or undefined when it was not tried
 * (it came after a failed request of the same stream). A caller must not retry the stored ones as new:
 * a retry would report them as duplicates although this was their first delivery.
 */
export class PartialAppendError extends Error {
  constructor(readonly outcomes: (PromiseSettledResult<AppendResult> | undefined)[]) {
    const failed = outcomes.filter((outcome) => outcome?.status === 'rejected');
    const first = (failed[0] as PromiseRejectedResult | undefined)?.reason;
    super(
      `${failed.length} of ${outcomes.length} appends failed, the first with: ` +
        `${first instanceof Error ? first.message : String(first)}`,
      { cause: first },
    );
    this.name = 'PartialAppendError';
  }
}

export interface EventStore {
  /** True when positions are consecutive integers (PostgreSQL), so lag = head - position. */
  readonly positionsAreDense: boolean;
  /** Idempotent by event id: when every event id is already stored the answer is `duplicate`. */
  append(stream: string, events: NewEvent[], expectedVersion: ExpectedVersion): Promise<AppendResult>;
  /** Several appends in one durable commit (group commit); each gets its own result. A store that
   * cannot commit them as one may store some and throw PartialAppendError for the rest. */
  appendMany(requests: AppendRequest[]): Promise<AppendResult[]>;
  readStream(stream: string): Promise<StoredEvent[]>;
  /** A store kept in the ledger's own database: its reads on a connection the caller holds (inside the
   * caller's transaction, as the embedded database's one connection requires). */
  within?(connection: Queryable): Pick<EventStore, 'readStream'>;
  /** Events with position > after, in global order, at most `limit`. Position 0 reads from the start. */
  readAll(after: number, limit: number): Promise<StoredEvent[]>;
  /** The position of the last event, 0 when empty. */
  headPosition(): Promise<number>;
  /** Calls `onAppend` (at least once, possibly coalesced) after appends commit. Returns an unsubscribe. */
  onAppend(onAppend: () => void): Promise<() => Promise<void>>;
  /** Payment id a charge belongs to, when the store has seen the link. */
  paymentOfCharge(chargeId: string): Promise<string | null>;
  /** The known links of many charges in one round trip (projectors route a batch with them). An
   * adapter without it is asked charge by charge (src/eventstore/chargeLinks.ts knownLinks). */
  paymentsOfCharges?(chargeIds: readonly string[]): Promise<Map<string, string>>;
  close(): Promise<void>;
}

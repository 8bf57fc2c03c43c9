import type { Queryable } from '../src/db/port.js';
import type { StoredEvent } from '../src/eventstore/port.js';
import type { Projection, ProjectionTarget } from './projection.js';

/**
 * Optional fast path for rebuilds: fold the log in memory and bulk-load the rows into the empty target
 * tables, streaming them while folding where they are final. The result must equal event-by-event
 * `apply` of the same events, fold-state tables included: live `apply` continues from them after the
 * swap.
 */
export interface BulkBuild {
  /** Called with each batch as soon as it is read, while earlier ones may still be folding: starts
   * the reads its `add` will need. Must not throw. */
  prefetch?(events: StoredEvent[], io: BulkIo): void;
  /** Folds the next batch (global order). Throws on an event it cannot fold. */
  add(events: StoredEvent[], io: BulkIo): Promise<void>;
  /** Loads the rows still held once the log is folded; everything queued on `io` is loaded by then. */
  write(tx: Queryable, target: ProjectionTarget, copy: CopyRows): Promise<void>;
}

/** What a builder may do while folding a batch (one per batch, handed to prefetch and add). */
export type BulkIo = {
  /** Scratch space of this batch, shared by the builders: what they compute once per batch. */
  batch: Map<string, unknown>;
  /** For reads: charge links (once per batch, as apply reads them), rows loaded earlier. */
  tx: Queryable;
  /** Where the rows go. */
  target: ProjectionTarget;
  /**
   * Queues rows that are final (history rows, states leaving memory) for loading while folding goes
   * on. Queued loads and statements run one at a time in call order; a failure surfaces from a later
   * call, from `settled`, or at the end.
   */
  copy: CopyRows;
  /** Queues a statement on the target tables (deleting rows that became stale) after the loads before. */
  run(sql: string, params?: readonly unknown[]): Promise<void>;
  /** Resolves once everything queued so far is in the tables (before reading it back). */
  settled(): Promise<void>;
};

/** Loads rows into `<target schema>.table (columns)`: COPY on PostgreSQL, multi-row INSERT elsewhere.
 * Values: null for NULL, objects and arrays as JSON, strings as they are (so a jsonb column also
 * takes JSON text), times as ISO-8601 strings. */
export type CopyRows = (
  table: string,
  columns: readonly string[],
  rows: Iterable<readonly unknown[]>,
) => Promise<void>;

/**
 * Per rebuild scratch space the builders of one rebuild share (each projection's `start` gets the same
 * map): payments, orders and payment_status_history fold the same payment states, once per batch.
 */
export type BulkShared = Map<string, unknown>;

export type BulkPath = {
  /** The `apply` this fast path reproduces. A projection whose apply was replaced or wrapped (spread
   * with another apply) no longer matches it, and the rebuild goes event by event. */
  readonly mirrors: Projection['apply'];
  start(shared: BulkShared): BulkBuild;
};

export type RebuildableProjection = Projection & { readonly bulk?: BulkPath };

/** True when the fast path of the projection reproduces its own apply. */
export const hasBulkPath = (
  projection: RebuildableProjection,
): projection is RebuildableProjection & { bulk: BulkPath } =>
  projection.bulk !== undefined && projection.bulk.mirrors === projection.apply;
